/**
 * String builtins. Positions and lengths count code points (Go runes), not UTF-16 units.
 */

import { RNumber, RSet, typeName, type Value } from "../values/index.js";
import { builtinError, def, int, iterable, num, numberOf, obj, operandTypeError, str, typeError, type Builtin } from "./builtin.js";

/** Go's `unicode.IsSpace`. */
const GO_SPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]);
function isSpace(cp: number): boolean {
  return GO_SPACE.has(cp) || (cp >= 0x2000 && cp <= 0x200a);
}

/** Strings in an array or set operand, with OPA's element error. */
function stringItems(name: string, args: Value[], pos: number, ...expected: string[]): string[] {
  const coll = args[pos - 1]!;
  return iterable(name, args, pos, ...expected).map((x) => {
    if (typeof x === "string") return x;
    const t = typeName(coll);
    throw typeError(name, `operand ${pos} must be ${t} of strings but got ${t} containing ${typeName(x)}`);
  });
}

/** A string, or the strings of an array/set (`strings.any_prefix_match`). */
function oneOrMany(name: string, args: Value[], pos: number): string[] {
  const v = args[pos - 1]!;
  if (typeof v === "string") return [v];
  if (Array.isArray(v) || v instanceof RSet) return stringItems(name, args, pos);
  throw operandTypeError(name, pos, v, "string", "set", "array");
}

/** Go's `strings.Split`: an empty separator splits into code points. */
export function goSplit(s: string, sep: string): string[] {
  if (sep === "") return [...s];
  return s.split(sep);
}

function trimFunc(s: string, drop: (cp: number) => boolean, left: boolean, right: boolean): string {
  const cps = [...s];
  let i = 0;
  let j = cps.length;
  if (left) while (i < j && drop(cps[i]!.codePointAt(0)!)) i++;
  if (right) while (j > i && drop(cps[j - 1]!.codePointAt(0)!)) j--;
  return cps.slice(i, j).join("");
}

function cutset(set: string): (cp: number) => boolean {
  const cps = new Set([...set].map((c) => c.codePointAt(0)!));
  return (cp) => cps.has(cp);
}

/** Index in code points of `search` in `s` from code point `from`, or -1. */
function runeIndexOf(cps: string[], search: string[], from: number): number {
  outer: for (let i = from; i + search.length <= cps.length; i++) {
    for (let j = 0; j < search.length; j++) if (cps[i + j] !== search[j]) continue outer;
    return i;
  }
  return -1;
}

/** Go's `strings.NewReplacer(...).Replace`: leftmost match, earlier pairs win ties. */
function replaceMany(s: string, pairs: [string, string][]): string {
  let out = "";
  let i = 0;
  while (i <= s.length) {
    let hit: [string, string] | undefined;
    for (const p of pairs) {
      if (s.startsWith(p[0], i)) {
        hit = p;
        break;
      }
    }
    if (hit) {
      out += hit[1];
      if (hit[0].length > 0) {
        i += hit[0].length;
        continue;
      }
    }
    if (i === s.length) break;
    const cp = s.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    out += s.slice(i, i + w);
    i += w;
  }
  return out;
}

export function formatInt(n: RNumber, base: number): string {
  // OPA truncates toward zero before formatting.
  const i = n.isInteger() ? n.toBigInt() : n.sign() < 0 ? n.neg().floor().toBigInt() * -1n : n.floor().toBigInt();
  return i.toString(base);
}

export const stringBuiltins: Builtin[] = [
  def("concat", ["string", "any<array[string], set[string]>"], "string", (args) =>
    stringItems("concat", args, 2, "set", "array").join(str("concat", args, 1)),
  ),
  def("contains", ["string", "string"], "boolean", (args) => str("contains", args, 1).includes(str("contains", args, 2))),
  def("startswith", ["string", "string"], "boolean", (args) => str("startswith", args, 1).startsWith(str("startswith", args, 2))),
  def("endswith", ["string", "string"], "boolean", (args) => str("endswith", args, 1).endsWith(str("endswith", args, 2))),
  def("lower", ["string"], "string", (args) => str("lower", args, 1).toLowerCase()),
  def("upper", ["string"], "string", (args) => str("upper", args, 1).toUpperCase()),
  def("split", ["string", "string"], "array[string]", (args) => goSplit(str("split", args, 1), str("split", args, 2))),
  def("strings.split_n", ["string", "string", "number"], "array[string]", (args) => {
    const s = str("strings.split_n", args, 1);
    const sep = str("strings.split_n", args, 2);
    const n = int("strings.split_n", args, 3);
    const parts = goSplit(s, sep);
    if (n === 0) return [];
    return n > 0 ? parts.slice(0, n) : parts.slice(Math.max(0, parts.length + n));
  }),
  def("replace", ["string", "string", "string"], "string", (args) => {
    const s = str("replace", args, 1);
    const old = str("replace", args, 2);
    const nu = str("replace", args, 3);
    return replaceMany(s, [[old, nu]]);
  }),
  def("strings.replace_n", ["object[string: string]", "string"], "string", (args) => {
    const patterns = obj("strings.replace_n", args, 1);
    const s = str("strings.replace_n", args, 2);
    const pairs: [string, string][] = [];
    for (const [k, v] of patterns.entries()) {
      if (typeof k !== "string") throw operandTypeError("strings.replace_n", 1, k, "string");
      if (typeof v !== "string") throw operandTypeError("strings.replace_n", 1, v, "string");
      pairs.push([k, v]);
    }
    return replaceMany(s, pairs);
  }),
  def("trim", ["string", "string"], "string", (args) => trimFunc(str("trim", args, 1), cutset(str("trim", args, 2)), true, true)),
  def("trim_left", ["string", "string"], "string", (args) => trimFunc(str("trim_left", args, 1), cutset(str("trim_left", args, 2)), true, false)),
  def("trim_right", ["string", "string"], "string", (args) => trimFunc(str("trim_right", args, 1), cutset(str("trim_right", args, 2)), false, true)),
  def("trim_prefix", ["string", "string"], "string", (args) => {
    const s = str("trim_prefix", args, 1);
    const p = str("trim_prefix", args, 2);
    return s.startsWith(p) ? s.slice(p.length) : s;
  }),
  def("trim_suffix", ["string", "string"], "string", (args) => {
    const s = str("trim_suffix", args, 1);
    const p = str("trim_suffix", args, 2);
    return p !== "" && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
  }),
  def("trim_space", ["string"], "string", (args) => trimFunc(str("trim_space", args, 1), isSpace, true, true)),
  def("substring", ["string", "number", "number"], "string", (args) => {
    const s = str("substring", args, 1);
    const start = int("substring", args, 2);
    const len = int("substring", args, 3);
    if (start < 0) throw builtinError("substring", "negative offset");
    const cps = [...s];
    if (start >= cps.length) return "";
    return (len < 0 ? cps.slice(start) : cps.slice(start, start + len)).join("");
  }),
  def("indexof", ["string", "string"], "number", (args) => {
    const s = str("indexof", args, 1);
    const search = str("indexof", args, 2);
    if (search === "") return numberOf(0);
    return numberOf(runeIndexOf([...s], [...search], 0));
  }),
  def("indexof_n", ["string", "string"], "array[number]", (args) => {
    const cps = [...str("indexof_n", args, 1)];
    const search = [...str("indexof_n", args, 2)];
    const out: Value[] = [];
    if (search.length === 0) return out;
    for (let i = runeIndexOf(cps, search, 0); i >= 0; i = runeIndexOf(cps, search, i + 1)) out.push(numberOf(i));
    return out;
  }),
  def("format_int", ["number", "number"], "string", (args) => {
    const n = num("format_int", args, 1);
    const base = num("format_int", args, 2).toSafeInt();
    if (base !== 2 && base !== 8 && base !== 10 && base !== 16) throw typeError("format_int", "operand 2 must be one of {2, 8, 10, 16}");
    return formatInt(n, base);
  }),
  def("strings.reverse", ["string"], "string", (args) => [...str("strings.reverse", args, 1)].reverse().join("")),
  def("strings.count", ["string", "string"], "number", (args) => {
    const s = str("strings.count", args, 1);
    const sub = str("strings.count", args, 2);
    if (sub === "") return numberOf([...s].length + 1);
    let n = 0;
    for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) n++;
    return numberOf(n);
  }),
  def("strings.any_prefix_match", ["any<string, array[string], set[string]>", "any<string, array[string], set[string]>"], "boolean", (args) => {
    const ss = oneOrMany("strings.any_prefix_match", args, 1);
    const ps = oneOrMany("strings.any_prefix_match", args, 2);
    return ss.some((s) => ps.some((p) => s.startsWith(p)));
  }),
  def("strings.any_suffix_match", ["any<string, array[string], set[string]>", "any<string, array[string], set[string]>"], "boolean", (args) => {
    const ss = oneOrMany("strings.any_suffix_match", args, 1);
    const ps = oneOrMany("strings.any_suffix_match", args, 2);
    return ss.some((s) => ps.some((p) => s.endsWith(p)));
  }),
];
