/**
 * Values across the evaluate boundary, fast: input to JSON bytes written straight into
 * the module's memory, result-set JSON back to values.
 *
 * Both directions have an exact slow path (`stringifyJSON(fromJSON(x))`, `parseJSON`)
 * and a fast one taken only when it provably gives the same value:
 * - input: plain JSON data (what `JSON.parse` returns) is serialised by the native
 *   `JSON.stringify`, which writes the same numbers and strings our serialiser would
 *   (key order does not matter: the module sorts objects as it parses);
 * - result: when the module reports that every number it dumped was an integer a double
 *   holds exactly, the native `JSON.parse` loses nothing.
 */
import { RNumber, RObject, RSet, fromJSON, parseJSON, stringifyJSON, toRegoText, type Value } from "../values/index.js";
import { PolicyError } from "./errors.js";

/** Nesting beyond this takes the slow path (and its own depth limit). */
const MAX_PLAIN_DEPTH = 200;

/**
 * True when `JSON.stringify(x)` is exact JSON of `fromJSON(x)`: only null, booleans,
 * finite numbers printed without an exponent, strings, arrays without holes and plain
 * objects with no undefined members (JSON.stringify would drop them; fromJSON makes
 * them null) and no `toJSON` hooks.
 */
export function isPlainJSON(x: unknown, depth = 0): boolean {
  if (x === null) return true;
  switch (typeof x) {
    case "string":
    case "boolean":
      return true;
    case "number":
      // integers print the same either way up to 1e21; other doubles may use an exponent
      return Number.isFinite(x) && ((Number.isInteger(x) && Math.abs(x) < 1e21) || !String(x).includes("e"));
    case "object":
      break;
    default:
      return false;
  }
  if (depth > MAX_PLAIN_DEPTH) return false;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      if (!(i in x) || !isPlainJSON(x[i], depth + 1)) return false;
    }
    return true;
  }
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return false;
  const o = x as Record<string, unknown>;
  if ("toJSON" in o) return false;
  for (const k in o) {
    if (!isPlainJSON(o[k], depth + 1)) return false;
  }
  return true;
}

/** Input and data as exact JSON text: plain JS data, values, bigints and LosslessNumbers all work. */
export function toJSONText(value: unknown): string {
  if (isPlainJSON(value)) return JSON.stringify(value);
  try {
    return stringifyJSON(fromJSON(value));
  } catch (e) {
    throw new PolicyError("invalid_json", `cannot serialise to JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * True when a value holds what JSON cannot say: a set, or an object key that is not a
 * string (OPA's `input_term`s do). Such input crosses as Rego value text through
 * `opa_value_parse` instead of JSON, which would turn sets into arrays.
 */
export function needsRegoText(x: unknown): boolean {
  if (x instanceof RSet) return true;
  if (Array.isArray(x)) return x.some(needsRegoText);
  if (x instanceof RObject) {
    for (const [k, v] of x.entries()) if (typeof k !== "string" || needsRegoText(v)) return true;
  }
  return false;
}

/** A value as Rego text for `opa_value_parse` (sets as `{…}`/`set()`). */
export function toRegoValueText(x: Value): string {
  return toRegoText(x);
}

/** `JSON.parse` output whose numbers are all safe integers -> values. */
function fromPlain(x: unknown): Value {
  if (x === null || typeof x === "string" || typeof x === "boolean") return x;
  if (typeof x === "number") return RNumber.fromInt(x);
  if (Array.isArray(x)) {
    const out: Value[] = new Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = fromPlain(x[i]);
    return out;
  }
  const o = new RObject();
  const src = x as Record<string, unknown>;
  for (const k in src) o.set(k, fromPlain(src[k]));
  return o;
}

/**
 * A result set's JSON text -> its results. `exactDoubles` says every number in the text
 * is an integer within ±(2^53-1), so `JSON.parse` reads it exactly.
 */
export function readResultSet(text: string, exactDoubles: boolean): Value[] {
  const rs = exactDoubles ? fromPlain(JSON.parse(text)) : parseJSON(text);
  return Array.isArray(rs) ? rs : [];
}
