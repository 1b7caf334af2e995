/** `walk`, `print`, `trace`, `uuid.rfc4122`. */

import { randomUUID } from "node:crypto";
import { RNumber, RObject, RSet, toRegoText, type Value } from "../values/index.js";
import { builtinError, def, str, typeError, type Builtin } from "./builtin.js";

/** Every `[path, value]` pair under `v`, parents before children. */
function walk(v: Value, path: Value[], out: Value[]): void {
  out.push([path, v]);
  if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, RNumber.fromInt(i)], out));
  else if (v instanceof RObject) for (const [k, x] of v.entries()) walk(x, [...path, k], out);
  else if (v instanceof RSet) for (const x of v.values()) walk(x, [...path, x], out);
}

function printText(v: Value): string {
  return typeof v === "string" ? v : toRegoText(v);
}

/** One generated UUID per seed and evaluation time, as OPA memoises per query. */
const uuids = new Map<string, string>();

export const miscBuiltins: Builtin[] = [
  def("walk", ["any"], "array[array[any]]", ([v]) => {
    const out: Value[] = [];
    walk(v!, [], out);
    return out;
  }, { relation: true }),
  def("print", ["any"], "boolean", (args, ctx) => {
    ctx.print(args.map(printText).join(" "));
    return true;
  }),
  // The compiler's form: each operand is the set of its values (empty when undefined);
  // every combination prints one line.
  def("internal.print", ["array[set[any]]"], "boolean", ([a], ctx) => {
    if (!Array.isArray(a)) throw typeError("internal.print", "operand 1 must be array of sets");
    let lines: string[][] = [[]];
    for (const s of a) {
      const vals = s instanceof RSet ? s.values().map(printText) : [printText(s)];
      const opts = vals.length ? vals : ["<undefined>"];
      lines = lines.flatMap((l) => opts.map((o) => [...l, o]));
    }
    for (const l of lines) ctx.print(l.join(" "));
    return true;
  }),
  def("trace", ["string"], "boolean", (args) => {
    str("trace", args, 1);
    return true;
  }),
  def("uuid.rfc4122", ["string"], "string", (args, ctx) => {
    const k = `${ctx.nowNs}:${str("uuid.rfc4122", args, 1)}`;
    let u = uuids.get(k);
    if (!u) {
      if (uuids.size > 10_000) uuids.clear();
      u = randomUUID();
      uuids.set(k, u);
    }
    return u;
  }),
  // Declared so policies (and their tests) can mock them with `with http.send as …`,
  // as OPA's own cases do; a gateway policy in the data path never makes network calls
  // or verifies tokens against remote keys, so calling them for real is an error.
  def("http.send", ["object"], "object", () => {
    throw builtinError("http.send", "network calls from policies are disabled in Portcullis (mock it with `with http.send as …` in tests)");
  }),
  def("io.jwt.decode_verify", ["string", "object"], "array[any]", () => {
    throw builtinError("io.jwt.decode_verify", "not available in Portcullis: the gateway verifies identity tokens before evaluation (use input.identity)");
  }),
  // An OPA server returns its version, config and environment variables here, and `{}`
  // when it has no runtime (as under `opa eval`). A gateway must not expose its
  // environment (it holds upstream credentials) to policies: always `{}`.
  def("opa.runtime", [], "object", () => new RObject()),
];
