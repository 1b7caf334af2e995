// Native builtins for the hot paths. Each returns 0 (undefined) whenever it is not
// sure of the answer; for the ones the code generator marks as "with fallback" it
// then calls the host builtin of the same name, which computes the exact result or
// raises the proper type error (big-number arithmetic, non-ASCII case mapping, ...).

import { alloc } from "./alloc";
import { compare, objectGet, objectFind, setHas } from "./compare";
import { length, codePoints } from "./ops";
import { compareBytes } from "./compare";
import { setMinus } from "./collections";
import {
  T_NULL, T_BOOLEAN, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, N_INT,
  vtype, numKind, intOf, strLen, strPtr, len, elemAt, valAt, mkBool, mkInt, mkString,
} from "./value";

export function b_equal(a: usize, b: usize): usize { return mkBool(compare(a, b) == 0); }
export function b_neq(a: usize, b: usize): usize { return mkBool(compare(a, b) != 0); }
export function b_lt(a: usize, b: usize): usize { return mkBool(compare(a, b) < 0); }
export function b_lte(a: usize, b: usize): usize { return mkBool(compare(a, b) <= 0); }
export function b_gt(a: usize, b: usize): usize { return mkBool(compare(a, b) > 0); }
export function b_gte(a: usize, b: usize): usize { return mkBool(compare(a, b) >= 0); }

function bothInts(a: usize, b: usize): bool {
  return vtype(a) == T_NUMBER && vtype(b) == T_NUMBER && numKind(a) == N_INT && numKind(b) == N_INT;
}

export function b_plus(a: usize, b: usize): usize {
  if (!bothInts(a, b)) return 0;
  const x = intOf(a);
  const y = intOf(b);
  const r = x + y;
  if (((x ^ r) & (y ^ r)) < 0) return 0;
  return mkInt(r);
}

export function b_minus(a: usize, b: usize): usize {
  if (vtype(a) == T_SET) return setMinus(a, b);
  if (!bothInts(a, b)) return 0;
  const x = intOf(a);
  const y = intOf(b);
  const r = x - y;
  if (((x ^ y) & (x ^ r)) < 0) return 0;
  return mkInt(r);
}

export function b_mul(a: usize, b: usize): usize {
  if (!bothInts(a, b)) return 0;
  const x = intOf(a);
  const y = intOf(b);
  // within +-2^31 the product cannot overflow; beyond, let the host do it exactly
  const lim: i64 = 0x80000000;
  if (x >= lim || x <= -lim || y >= lim || y <= -lim) return 0;
  return mkInt(x * y);
}

export function b_count(v: usize): usize {
  const n = length(v);
  return n < 0 ? 0 : mkInt(n);
}

export function b_member2(x: usize, c: usize): usize {
  const t = vtype(c);
  if (t == T_SET) return mkBool(setHas(c, x));
  if (t == T_ARRAY || t == T_OBJECT) {
    for (let i: u32 = 0; i < len(c); i++) {
      const e = t == T_ARRAY ? elemAt(c, i) : valAt(c, i);
      if (compare(e, x) == 0) return mkBool(true);
    }
  }
  return mkBool(false);
}

export function b_member3(k: usize, x: usize, c: usize): usize {
  const t = vtype(c);
  if (t == T_OBJECT) {
    const v = objectGet(c, k);
    return mkBool(v != 0 && compare(v, x) == 0);
  }
  if (t == T_ARRAY) {
    if (vtype(k) != T_NUMBER || numKind(k) != N_INT) return mkBool(false);
    const i = intOf(k);
    return mkBool(i >= 0 && i < <i64>len(c) && compare(elemAt(c, <u32>i), x) == 0);
  }
  if (t == T_SET) return mkBool(compare(k, x) == 0 && setHas(c, x));
  return mkBool(false);
}

function strs(a: usize, b: usize): bool {
  return vtype(a) == T_STRING && vtype(b) == T_STRING;
}

export function b_startswith(s: usize, p: usize): usize {
  if (!strs(s, p)) return 0;
  const n = strLen(p);
  return mkBool(n <= strLen(s) && compareBytes(strPtr(s), n, strPtr(p), n) == 0);
}

export function b_endswith(s: usize, p: usize): usize {
  if (!strs(s, p)) return 0;
  const n = strLen(p);
  const m = strLen(s);
  return mkBool(n <= m && compareBytes(strPtr(s) + m - n, n, strPtr(p), n) == 0);
}

export function b_contains(s: usize, p: usize): usize {
  if (!strs(s, p)) return 0;
  const n = strLen(p);
  const m = strLen(s);
  if (n == 0) return mkBool(true);
  for (let i: u32 = 0; i + n <= m; i++) {
    if (compareBytes(strPtr(s) + i, n, strPtr(p), n) == 0) return mkBool(true);
  }
  return mkBool(false);
}

function caseMap(s: usize, upper: bool): usize {
  if (vtype(s) != T_STRING) return 0;
  const n = strLen(s);
  const p = strPtr(s);
  const out = alloc(n);
  for (let i: u32 = 0; i < n; i++) {
    let c = load<u8>(p + i);
    if (c >= 0x80) return 0; // non-ASCII: the host knows Unicode case mapping
    if (upper && c >= 0x61 && c <= 0x7a) c -= 32;
    else if (!upper && c >= 0x41 && c <= 0x5a) c += 32;
    store<u8>(out + i, c);
  }
  return mkString(out, n);
}

export function b_lower(s: usize): usize { return caseMap(s, false); }
export function b_upper(s: usize): usize { return caseMap(s, true); }

export function b_concat(d: usize, c: usize): usize {
  const t = vtype(c);
  if (vtype(d) != T_STRING || (t != T_ARRAY && t != T_SET)) return 0;
  const n = len(c);
  let total: usize = n > 0 ? (<usize>strLen(d)) * (n - 1) : 0;
  for (let i: u32 = 0; i < n; i++) {
    const e = elemAt(c, i);
    if (vtype(e) != T_STRING) return 0;
    total += strLen(e);
  }
  const out = alloc(total);
  let w = out;
  for (let i: u32 = 0; i < n; i++) {
    if (i > 0) {
      memory.copy(w, strPtr(d), strLen(d));
      w += strLen(d);
    }
    const e = elemAt(c, i);
    memory.copy(w, strPtr(e), strLen(e));
    w += strLen(e);
  }
  return mkString(out, <u32>total);
}

export function b_object_get(o: usize, k: usize, dflt: usize): usize {
  if (vtype(o) != T_OBJECT || vtype(k) == T_ARRAY) return 0;
  const i = objectFind(o, k);
  return i < 0 ? dflt : valAt(o, <u32>i);
}

export function b_is_number(v: usize): usize { return mkBool(vtype(v) == T_NUMBER); }
export function b_is_string(v: usize): usize { return mkBool(vtype(v) == T_STRING); }
export function b_is_boolean(v: usize): usize { return mkBool(vtype(v) == T_BOOLEAN); }
export function b_is_array(v: usize): usize { return mkBool(vtype(v) == T_ARRAY); }
export function b_is_set(v: usize): usize { return mkBool(vtype(v) == T_SET); }
export function b_is_object(v: usize): usize { return mkBool(vtype(v) == T_OBJECT); }
export function b_is_null(v: usize): usize { return mkBool(vtype(v) == T_NULL); }

export { codePoints };
