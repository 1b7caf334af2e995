/**
 * Values crossing between the module and host builtins. The SDK moves builtin
 * arguments and results as JSON (`opa_json_dump` -> `JSON.parse`, `JSON.stringify`
 * -> `opa_json_parse`), which would turn sets into arrays and round big or decimal
 * numbers. While a host builtin runs, the runtime therefore tags them (see
 * runtime/assembly/dump.ts): `{"\u0000set": [...]}` and `{"\u0000num": "text"}`.
 */
import { RNumber, RObject, RSet, type Value } from "../values/index.js";

const SET_TAG = "\u0000set";
const NUM_TAG = "\u0000num";

/** A JSON.parse result from a bridged dump -> a value. */
export function decode(x: unknown): Value {
  if (x === null || typeof x === "boolean" || typeof x === "string") return x;
  if (typeof x === "number") return RNumber.fromDouble(x);
  if (Array.isArray(x)) return x.map(decode);
  if (typeof x === "object") {
    const entries = Object.entries(x as Record<string, unknown>);
    if (entries.length === 1) {
      const [k, v] = entries[0]!;
      if (k === SET_TAG && Array.isArray(v)) return RSet.from(v.map(decode));
      if (k === NUM_TAG && typeof v === "string") {
        const n = RNumber.parse(v);
        if (n) return n;
      }
    }
    const o = new RObject();
    for (const [k, v] of entries) o.set(k, decode(v));
    return o;
  }
  throw new TypeError(`bridge: unexpected ${typeof x}`);
}

/** A value -> what JSON.stringify turns into the bridged form the module parses. */
export function encode(v: Value): unknown {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (v instanceof RNumber) {
    const n = v.toSafeInt();
    return n !== undefined ? n : { [NUM_TAG]: v.toString() };
  }
  if (Array.isArray(v)) return v.map(encode);
  if (v instanceof RSet) return { [SET_TAG]: v.values().map(encode) };
  const out: Record<string, unknown> = {};
  for (const [k, val] of v.entries()) {
    // JSON keys are strings; a non-string key travels as its JSON text
    const key = typeof k === "string" ? k : JSON.stringify(encode(k));
    Object.defineProperty(out, key, { value: encode(val), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
