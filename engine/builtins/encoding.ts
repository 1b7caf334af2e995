/** Serialisation builtins: JSON, YAML, base64, hex and URL query encoding. */

import YAML from "yaml";
import { RNumber, RObject, RSet, fromJSON, parseJSON, stringifyJSON, typeName, type Value } from "../values/index.js";
import { builtinError, def, iterable, obj, operandTypeError, str, typeError, type Builtin } from "./builtin.js";

function splitPath(p: Value, name: string): Value[] {
  if (typeof p === "string") return p.replace(/^\//, "").split("/").filter((s, i, a) => s !== "" || a.length > 1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (Array.isArray(p)) return p;
  throw typeError(name, `operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`);
}

/** A tree of path segments; `null` marks a path's end. */
type PathTree = Map<string, { seg: Value; sub: PathTree | null }>;

function pathTree(paths: Value[][]): PathTree {
  const root: PathTree = new Map();
  for (const path of paths) {
    let node = root;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const k = JSON.stringify(typeof seg === "string" ? seg : seg instanceof RNumber ? seg.toString() : String(seg));
      const last = i === path.length - 1;
      const cur = node.get(k);
      if (last) {
        node.set(k, { seg, sub: null });
        break;
      }
      if (cur && cur.sub === null) break;
      const sub: PathTree = cur?.sub ?? new Map();
      node.set(k, { seg, sub });
      node = sub;
    }
  }
  return root;
}

function segKey(k: Value): string {
  return JSON.stringify(typeof k === "string" ? k : k instanceof RNumber ? k.toString() : String(k));
}

function filter(v: Value, tree: PathTree): Value {
  if (v instanceof RObject) {
    const out = new RObject();
    for (const [k, x] of v.entries()) {
      const hit = tree.get(segKey(k));
      if (hit) out.set(k, hit.sub === null ? x : filter(x, hit.sub));
    }
    return out;
  }
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((x, i) => {
      const hit = tree.get(segKey(RNumber.fromInt(i)));
      if (hit) out.push(hit.sub === null ? x : filter(x, hit.sub));
    });
    return out;
  }
  if (v instanceof RSet) {
    const out = new RSet();
    for (const x of v.values()) {
      const hit = tree.get(segKey(x));
      if (hit) out.add(hit.sub === null ? x : filter(x, hit.sub));
    }
    return out;
  }
  return v;
}

function remove(v: Value, tree: PathTree): Value {
  if (v instanceof RObject) {
    const out = new RObject();
    for (const [k, x] of v.entries()) {
      const hit = tree.get(segKey(k));
      if (!hit) out.set(k, x);
      else if (hit.sub !== null) out.set(k, remove(x, hit.sub));
    }
    return out;
  }
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((x, i) => {
      const hit = tree.get(segKey(RNumber.fromInt(i)));
      if (!hit) out.push(x);
      else if (hit.sub !== null) out.push(remove(x, hit.sub));
    });
    return out;
  }
  if (v instanceof RSet) {
    const out = new RSet();
    for (const x of v.values()) {
      const hit = tree.get(segKey(x));
      if (!hit) out.add(x);
      else if (hit.sub !== null) out.add(remove(x, hit.sub));
    }
    return out;
  }
  return v;
}

function pathsOperand(name: string, args: Value[]): Value[][] {
  const p = args[1]!;
  if (!Array.isArray(p) && !(p instanceof RSet)) throw operandTypeError(name, 2, p, "set", "array");
  return iterable(name, args, 2).map((x) => splitPath(x, name));
}

/** YAML text to a value; YAML numbers keep their exact text. */
function parseYAML(name: string, text: string): Value {
  const doc = YAML.parseDocument(text, { intAsBigInt: true, uniqueKeys: false });
  if (doc.errors.length) throw builtinError(name, doc.errors[0]!.message.split("\n")[0]!);
  const toValue = (x: unknown): Value => {
    if (typeof x === "bigint") return RNumber.fromInt(x);
    if (typeof x === "number") {
      if (!Number.isFinite(x)) throw builtinError(name, "cannot represent non-finite number");
      return RNumber.fromDouble(x);
    }
    if (x instanceof Map) {
      // OPA reads YAML through JSON, so every key becomes a string.
      const keyText = (k: unknown): string =>
        typeof k === "string" ? k : k === null || typeof k !== "object" ? String(k) : stringifyJSON(toValue(k));
      return RObject.from([...x].map(([k, v]) => [keyText(k), toValue(v)] as const));
    }
    if (Array.isArray(x)) return x.map(toValue);
    if (x instanceof Set) return [...x].map(toValue);
    if (x instanceof Date) return x.toISOString();
    if (x !== null && typeof x === "object") return fromJSON(Object.fromEntries(Object.entries(x).map(([k, v]) => [k, v])));
    return fromJSON(x);
  };
  return toValue(doc.toJS({ mapAsMap: true }));
}

function toYAMLData(v: Value): unknown {
  if (v instanceof RNumber) {
    const d = v.toNumber();
    return v.isInteger() && !Number.isSafeInteger(d) ? v.toBigInt() : d;
  }
  if (Array.isArray(v)) return v.map(toYAMLData);
  if (v instanceof RSet) return v.values().map(toYAMLData);
  if (v instanceof RObject) {
    const m = new Map<string, unknown>();
    for (const [k, x] of v.entries()) m.set(typeof k === "string" ? k : stringifyJSON(k), toYAMLData(x));
    return m;
  }
  return v;
}

const B64_STD = /^[A-Za-z0-9+/]*={0,2}$/;
const B64_URL = /^[A-Za-z0-9_-]*={0,2}$/;

function b64valid(s: string, url: boolean): boolean {
  if (!(url ? B64_URL : B64_STD).test(s)) return false;
  return s.length % 4 === 0 || (url && !s.includes("=") && s.length % 4 !== 1);
}

function utf8(name: string, bytes: Buffer): string {
  // Go strings may hold any bytes; JS strings cannot, so invalid UTF-8 is replaced.
  return new TextDecoder("utf-8").decode(bytes);
}

/** Go's `url.QueryEscape`. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, "+")
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function queryUnescape(name: string, s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    const bad = /%(?![0-9a-fA-F]{2})[^]{0,2}/.exec(s);
    throw builtinError(name, `invalid URL escape ${JSON.stringify(bad ? bad[0] : s)}`);
  }
}

export const encodingBuiltins: Builtin[] = [
  def("json.marshal", ["any"], "string", ([v]) => stringifyJSON(v!, { goEscapes: true })),
  def("json.marshal_with_options", ["any", "object"], "string", (args) => {
    const opts = obj("json.marshal_with_options", args, 2);
    const pretty = opts.get("pretty");
    const indent = opts.get("indent");
    const prefix = opts.get("prefix");
    const wantPretty = pretty === true || ((pretty === undefined || pretty === null) && (indent !== undefined || prefix !== undefined));
    if (!wantPretty) return stringifyJSON(args[0]!, { goEscapes: true });
    return stringifyJSON(args[0]!, { goEscapes: true, indent: typeof indent === "string" ? indent : "\t", prefix: typeof prefix === "string" ? prefix : "" });
  }),
  def("json.unmarshal", ["string"], "any", (args) => {
    try {
      return parseJSON(str("json.unmarshal", args, 1));
    } catch (e) {
      throw builtinError("json.unmarshal", e instanceof Error ? e.message : String(e));
    }
  }),
  def("json.is_valid", ["string"], "boolean", ([s]) => {
    if (typeof s !== "string") return false;
    try {
      parseJSON(s);
      return true;
    } catch {
      return false;
    }
  }),
  def("json.filter", ["object[any: any]", "any<array[any], set[any]>"], "any", (args) =>
    filter(obj("json.filter", args, 1), pathTree(pathsOperand("json.filter", args))),
  ),
  def("json.remove", ["object[any: any]", "any<array[any], set[any]>"], "any", (args) =>
    remove(obj("json.remove", args, 1), pathTree(pathsOperand("json.remove", args))),
  ),
  def("yaml.marshal", ["any"], "string", ([v]) => YAML.stringify(toYAMLData(v!), { indent: 2, lineWidth: 0 })),
  def("yaml.unmarshal", ["string"], "any", (args) => parseYAML("yaml.unmarshal", str("yaml.unmarshal", args, 1))),
  def("yaml.is_valid", ["any"], "boolean", ([s]) => {
    if (typeof s !== "string") return false;
    try {
      parseYAML("yaml.is_valid", s);
      return true;
    } catch {
      return false;
    }
  }),
  def("base64.encode", ["string"], "string", (args) => Buffer.from(str("base64.encode", args, 1), "utf8").toString("base64")),
  def("base64.decode", ["string"], "string", (args) => {
    const s = str("base64.decode", args, 1);
    if (!b64valid(s, false)) throw builtinError("base64.decode", "illegal base64 data at input byte 0");
    return utf8("base64.decode", Buffer.from(s, "base64"));
  }),
  def("base64.is_valid", ["string"], "boolean", (args) => b64valid(str("base64.is_valid", args, 1), false)),
  def("base64url.encode", ["string"], "string", (args) => {
    const b = Buffer.from(str("base64url.encode", args, 1), "utf8").toString("base64url");
    return b + "=".repeat((4 - (b.length % 4)) % 4);
  }),
  def("base64url.encode_no_pad", ["string"], "string", (args) => Buffer.from(str("base64url.encode_no_pad", args, 1), "utf8").toString("base64url")),
  def("base64url.decode", ["string"], "string", (args) => {
    const s = str("base64url.decode", args, 1);
    if (!b64valid(s, true)) throw builtinError("base64url.decode", "illegal base64 data at input byte 0");
    return utf8("base64url.decode", Buffer.from(s, "base64url"));
  }),
  def("hex.encode", ["string"], "string", (args) => Buffer.from(str("hex.encode", args, 1), "utf8").toString("hex")),
  def("hex.decode", ["string"], "string", (args) => {
    const s = str("hex.decode", args, 1);
    const bad = /[^0-9a-fA-F]/.exec(s);
    if (bad) throw builtinError("hex.decode", `encoding/hex: invalid byte: U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")} ${JSON.stringify(bad[0]).replace(/^"|"$/g, "'")}`);
    if (s.length % 2) throw builtinError("hex.decode", "encoding/hex: odd length hex string");
    return utf8("hex.decode", Buffer.from(s, "hex"));
  }),
  def("urlquery.encode", ["string"], "string", (args) => queryEscape(str("urlquery.encode", args, 1))),
  def("urlquery.decode", ["string"], "string", (args) => queryUnescape("urlquery.decode", str("urlquery.decode", args, 1))),
  def("urlquery.encode_object", ["object[string: any<string, array[string], set[string]>]"], "string", (args) => {
    const o = obj("urlquery.encode_object", args, 1);
    const parts: string[] = [];
    for (const [k, v] of o.entries()) {
      if (typeof k !== "string") throw operandTypeError("urlquery.encode_object", 1, k, "string");
      const vals = typeof v === "string" ? [v] : Array.isArray(v) || v instanceof RSet ? (Array.isArray(v) ? v : v.values()) : null;
      if (!vals) throw typeError("urlquery.encode_object", `operand 1 must be one of {string, array, set} but got ${typeName(v)}`);
      for (const x of vals) {
        if (typeof x !== "string") throw typeError("urlquery.encode_object", `operand 1 must be array of strings but got array containing ${typeName(x)}`);
        parts.push(`${queryEscape(k)}=${queryEscape(x)}`);
      }
    }
    return parts.join("&");
  }),
  def("urlquery.decode_object", ["string"], "object[string: array[string]]", (args) => {
    const s = str("urlquery.decode_object", args, 1);
    const out = new RObject();
    for (const part of s.split(/&/)) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const k = queryUnescape("urlquery.decode_object", eq < 0 ? part : part.slice(0, eq));
      const v = queryUnescape("urlquery.decode_object", eq < 0 ? "" : part.slice(eq + 1));
      const prev = out.get(k);
      out.set(k, Array.isArray(prev) ? [...prev, v] : [v]);
    }
    return out;
  }),
];
