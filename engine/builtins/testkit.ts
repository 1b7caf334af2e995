/** Helpers for the builtin tests: call by name with JSON-ish arguments, compare as JSON. */

import { RSet, fromJSON, parseJSON, stringifyJSON, type Value } from "../values/index.js";
import { BuiltinError, type BuiltinContext } from "./builtin.js";
import { getBuiltin } from "./registry.js";

export const printed: string[] = [];
export const ctx: BuiltinContext = { strict: true, nowNs: 1_700_000_000_123_456_789n, print: (m) => printed.push(m) };

/** Arguments: JS data go through `fromJSON`; Values pass through. */
export function call(name: string, ...args: unknown[]): Value | undefined {
  const b = getBuiltin(name);
  if (!b) throw new Error(`no builtin ${name}`);
  if (b.arity !== args.length) throw new Error(`${name}: arity ${b.arity}, got ${args.length}`);
  return b.fn(args.map((a) => fromJSON(a)), ctx);
}

/** The result as compact JSON text (sets as sorted arrays). */
export function callJSON(name: string, ...args: unknown[]): string | undefined {
  const r = call(name, ...args);
  return r === undefined ? undefined : stringifyJSON(r);
}

/** The BuiltinError a call throws, as `code: message`. */
export function callError(name: string, ...args: unknown[]): string {
  try {
    call(name, ...args);
  } catch (e) {
    if (e instanceof BuiltinError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return "no error";
}

export const json = (text: string): Value => parseJSON(text);
export const set = (...xs: unknown[]): RSet => RSet.from(xs.map((x) => fromJSON(x)));
