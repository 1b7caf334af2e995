/**
 * Regular expressions with RE2 semantics (re2js), matching Go's `regexp`: `FindAll`
 * skips an empty match right after a previous match, `Split` and `ReplaceAllString`
 * (with `$1` / `${name}` expansion) follow Go's definitions.
 */

import { RE2JS } from "re2js";
import { type Value } from "../values/index.js";
import { builtinError, def, int, str, type Builtin } from "./builtin.js";

const cache = new Map<string, RE2JS>();
const CACHE_MAX = 500;

/** Compiles (cached); throws the Go-worded syntax error as a builtin error of `name`. */
export function compileRegex(name: string, pattern: string): RE2JS {
  let re = cache.get(pattern);
  if (re) return re;
  try {
    re = RE2JS.compile(pattern);
  } catch (e) {
    throw builtinError(name, e instanceof Error ? e.message : String(e));
  }
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(pattern, re);
  return re;
}

/** One match: [start, end] of the whole match and of each group (-1 when unset), UTF-16 offsets. */
type Match = number[];

/** Go's `FindAllStringSubmatchIndex(s, n)`; n < 0 means all. */
export function findAll(re: RE2JS, s: string, n: number): Match[] {
  const out: Match[] = [];
  if (n === 0) return out;
  const m = re.matcher(s);
  const groups = m.groupCount();
  let pos = 0;
  let prevEnd = -1;
  while ((n < 0 || out.length < n) && pos <= s.length) {
    if (!m.find(pos)) break;
    const start = m.start();
    const end = m.end();
    let accept = true;
    if (end === start) {
      if (start === prevEnd) accept = false;
      // Step over one code point so the next search makes progress.
      pos = start < s.length ? start + (s.codePointAt(start)! > 0xffff ? 2 : 1) : s.length + 1;
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) {
      const match: Match = [start, end];
      for (let g = 1; g <= groups; g++) match.push(m.start(g), m.end(g));
      out.push(match);
    }
  }
  return out;
}

/** Go's `Regexp.Split(s, -1)`. */
function split(re: RE2JS, s: string): string[] {
  if (s === "") return [""];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const [ms, me] of findAll(re, s, -1)) {
    end = ms!;
    if (me !== 0) out.push(s.slice(beg, end));
    beg = me!;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** Go's `Regexp.Expand` template: `$1`, `$name`, `${name}`, `$$`. */
function expand(template: string, s: string, match: Match, names: Record<string, number>): string {
  const group = (ref: string): string => {
    let idx: number | undefined;
    if (/^[0-9]+$/.test(ref)) idx = Number(ref);
    else idx = names[ref];
    if (idx === undefined || 2 * idx + 1 >= match.length) return "";
    const a = match[2 * idx]!;
    const b = match[2 * idx + 1]!;
    return a < 0 ? "" : s.slice(a, b);
  };
  let out = "";
  for (let i = 0; i < template.length; ) {
    const c = template[i]!;
    if (c !== "$" || i + 1 >= template.length) {
      out += c;
      i++;
      continue;
    }
    if (template[i + 1] === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (template[i + 1] === "{") {
      const close = template.indexOf("}", i + 2);
      const ref = close >= 0 ? template.slice(i + 2, close) : "";
      if (close < 0 || !/^[A-Za-z0-9_]+$/.test(ref)) {
        out += c;
        i++;
        continue;
      }
      out += group(ref);
      i = close + 1;
      continue;
    }
    const m = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
    if (!m) {
      out += c;
      i++;
      continue;
    }
    out += group(m[0]);
    i += 1 + m[0].length;
  }
  return out;
}

function replaceAll(re: RE2JS, s: string, template: string): string {
  const names = re.namedGroups() as Record<string, number>;
  let out = "";
  let last = 0;
  for (const m of findAll(re, s, -1)) {
    out += s.slice(last, m[0]) + expand(template, s, m, names);
    last = m[1]!;
  }
  return out + s.slice(last);
}

function matchStrings(s: string, m: Match): Value[] {
  const out: Value[] = [];
  for (let i = 0; i < m.length; i += 2) out.push(m[i]! < 0 ? "" : s.slice(m[i], m[i + 1]));
  return out;
}

function matchBuiltin(name: string): Builtin {
  return def(name, ["string", "string"], "boolean", (args) => {
    const re = compileRegex(name, str(name, args, 1));
    return re.matcher(str(name, args, 2)).find();
  });
}

export const regexBuiltins: Builtin[] = [
  matchBuiltin("regex.match"),
  matchBuiltin("re_match"),
  def("regex.is_valid", ["any"], "boolean", ([p]) => {
    if (typeof p !== "string") return false;
    try {
      compileRegex("regex.is_valid", p);
      return true;
    } catch {
      return false;
    }
  }),
  def("regex.split", ["string", "string"], "array[string]", (args) =>
    split(compileRegex("regex.split", str("regex.split", args, 1)), str("regex.split", args, 2)),
  ),
  def("regex.find_n", ["string", "string", "number"], "array[string]", (args) => {
    const re = compileRegex("regex.find_n", str("regex.find_n", args, 1));
    const s = str("regex.find_n", args, 2);
    const n = int("regex.find_n", args, 3);
    return findAll(re, s, n).map((m) => s.slice(m[0], m[1]));
  }),
  def("regex.find_all_string_submatch_n", ["string", "string", "number"], "array[array[string]]", (args) => {
    const name = "regex.find_all_string_submatch_n";
    const re = compileRegex(name, str(name, args, 1));
    const s = str(name, args, 2);
    const n = int(name, args, 3);
    return findAll(re, s, n).map((m) => matchStrings(s, m));
  }),
  def("regex.replace", ["string", "string", "string"], "string", (args) => {
    const s = str("regex.replace", args, 1);
    const re = compileRegex("regex.replace", str("regex.replace", args, 2));
    return replaceAll(re, s, str("regex.replace", args, 3));
  }),
];
