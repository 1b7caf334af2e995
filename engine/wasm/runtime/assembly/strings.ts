// Native string builtins for the common, unambiguous cases; like builtins.ts, each
// answers 0 when unsure (empty separators, non-ASCII cut sets or spaces, sprintf verbs
// beyond %s/%d/%v with plain operands) and the generated code then asks the host.
// Results point into their operands' bytes where they can: values are immutable.

import { alloc } from "./alloc";
import { compareBytes } from "./compare";
import { writeI64 } from "./number";
import {
  T_NUMBER, T_STRING, T_ARRAY, N_INT, vtype, numKind, intOf, strLen, strPtr, len, elemAt,
  mkArray, mkString, arrayPush,
} from "./value";

/** Byte index of `pat` (n bytes, n > 0) in p[from..m), or -1. */
function find(p: usize, m: u32, from: u32, pat: usize, n: u32): i32 {
  const first = load<u8>(pat);
  for (let i = from; i + n <= m; i++) {
    if (load<u8>(p + i) == first && compareBytes(p + i, n, pat, n) == 0) return <i32>i;
  }
  return -1;
}

function strs2(a: usize, b: usize): bool {
  return vtype(a) == T_STRING && vtype(b) == T_STRING;
}

/** Go's strings.Split with a non-empty separator. */
export function b_split(s: usize, d: usize): usize {
  if (!strs2(s, d) || strLen(d) == 0) return 0;
  const p = strPtr(s);
  const m = strLen(s);
  const dp = strPtr(d);
  const n = strLen(d);
  const out = mkArray(4);
  let from: u32 = 0;
  while (true) {
    const i = find(p, m, from, dp, n);
    if (i < 0) break;
    arrayPush(out, mkString(p + from, <u32>i - from));
    from = <u32>i + n;
  }
  arrayPush(out, mkString(p + from, m - from));
  return out;
}

/** Go's strings.Replace(s, old, new, -1) with a non-empty `old`. */
export function b_replace(s: usize, old: usize, nw: usize): usize {
  if (!strs2(s, old) || vtype(nw) != T_STRING || strLen(old) == 0) return 0;
  const p = strPtr(s);
  const m = strLen(s);
  const op = strPtr(old);
  const n = strLen(old);
  let hits: u32 = 0;
  for (let i = find(p, m, 0, op, n); i >= 0; i = find(p, m, <u32>i + n, op, n)) hits++;
  if (hits == 0) return s;
  const total = m - hits * n + hits * strLen(nw);
  const buf = alloc(total);
  let w = buf;
  let from: u32 = 0;
  for (let i = find(p, m, 0, op, n); i >= 0; i = find(p, m, <u32>i + n, op, n)) {
    memory.copy(w, p + from, <u32>i - from);
    w += <u32>i - from;
    memory.copy(w, strPtr(nw), strLen(nw));
    w += strLen(nw);
    from = <u32>i + n;
  }
  memory.copy(w, p + from, m - from);
  return mkString(buf, total);
}

export function b_trim_prefix(s: usize, pre: usize): usize {
  if (!strs2(s, pre)) return 0;
  const n = strLen(pre);
  if (n > strLen(s) || compareBytes(strPtr(s), n, strPtr(pre), n) != 0) return s;
  return mkString(strPtr(s) + n, strLen(s) - n);
}

export function b_trim_suffix(s: usize, suf: usize): usize {
  if (!strs2(s, suf)) return 0;
  const n = strLen(suf);
  const m = strLen(s);
  if (n > m || compareBytes(strPtr(s) + m - n, n, strPtr(suf), n) != 0) return s;
  return mkString(strPtr(s), m - n);
}

/** Cut-set membership for an ASCII cut set; -1 when the cut set is not ASCII. */
function inCutset(c: u8, cs: usize, n: u32): i32 {
  for (let i: u32 = 0; i < n; i++) if (load<u8>(cs + i) == c) return 1;
  return 0;
}

function asciiOnly(p: usize, n: u32): bool {
  for (let i: u32 = 0; i < n; i++) if (load<u8>(p + i) >= 0x80) return false;
  return true;
}

// A UTF-8 byte >= 0x80 is never in an ASCII cut set, so trimming bytes is trimming
// code points.
function trimCut(s: usize, cut: usize, left: bool, right: bool): usize {
  if (!strs2(s, cut) || !asciiOnly(strPtr(cut), strLen(cut))) return 0;
  const p = strPtr(s);
  const cs = strPtr(cut);
  const cn = strLen(cut);
  let i: u32 = 0;
  let j = strLen(s);
  if (left) while (i < j && inCutset(load<u8>(p + i), cs, cn) == 1) i++;
  if (right) while (j > i && inCutset(load<u8>(p + j - 1), cs, cn) == 1) j--;
  return mkString(p + i, j - i);
}

export function b_trim(s: usize, c: usize): usize { return trimCut(s, c, true, true); }
export function b_trim_left(s: usize, c: usize): usize { return trimCut(s, c, true, false); }
export function b_trim_right(s: usize, c: usize): usize { return trimCut(s, c, false, true); }

function asciiSpace(c: u8): bool {
  return c == 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Go's strings.TrimSpace; a non-ASCII byte at either end may be a Unicode space: ask the host. */
export function b_trim_space(s: usize): usize {
  if (vtype(s) != T_STRING) return 0;
  const p = strPtr(s);
  let i: u32 = 0;
  let j = strLen(s);
  while (i < j && asciiSpace(load<u8>(p + i))) i++;
  while (j > i && asciiSpace(load<u8>(p + j - 1))) j--;
  if (i < j && (load<u8>(p + i) >= 0x80 || load<u8>(p + j - 1) >= 0x80)) return 0;
  return mkString(p + i, j - i);
}

/**
 * sprintf for formats whose verbs are %s (string operands), %d (integers), %v (either)
 * and %%, with exactly as many operands as verbs. Anything else (flags, widths, other
 * verbs or operand types, Go's %!verb(...) error forms) is left to the host.
 */
export function b_sprintf(f: usize, args: usize): usize {
  if (vtype(f) != T_STRING || vtype(args) != T_ARRAY) return 0;
  const p = strPtr(f);
  const n = strLen(f);
  const na = len(args);
  // pass 1: check and size
  let total: usize = 0;
  let ai: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const c = load<u8>(p + i);
    if (c != 0x25) {
      total++;
      continue;
    }
    if (++i >= n) return 0;
    const verb = load<u8>(p + i);
    if (verb == 0x25) {
      total++;
      continue;
    }
    if (ai >= na) return 0;
    const a = elemAt(args, ai++);
    const t = vtype(a);
    if (t == T_STRING && (verb == 0x73 || verb == 0x76)) total += strLen(a);
    else if (t == T_NUMBER && numKind(a) == N_INT && (verb == 0x64 || verb == 0x76)) total += 20;
    else return 0;
  }
  if (ai != na) return 0;
  // pass 2: write
  const buf = alloc(total);
  let w = buf;
  ai = 0;
  for (let i: u32 = 0; i < n; i++) {
    const c = load<u8>(p + i);
    if (c != 0x25) {
      store<u8>(w++, c);
      continue;
    }
    i++;
    if (load<u8>(p + i) == 0x25) {
      store<u8>(w++, 0x25);
      continue;
    }
    const a = elemAt(args, ai++);
    if (vtype(a) == T_STRING) {
      memory.copy(w, strPtr(a), strLen(a));
      w += strLen(a);
    } else {
      w += writeI64(w, intOf(a));
    }
  }
  return mkString(buf, <u32>(w - buf));
}
