// Canonical order and the sorted-array collections built on it.
// Order: null < boolean < number < string < array < object < set; strings by UTF-8
// bytes (Go's order); arrays element-wise then by length; objects by sorted keys,
// then values, then size; sets by sorted members then size.

import { compareNumbers } from "./number";
import {
  T_NULL, T_BOOLEAN, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET,
  vtype, boolOf, strLen, strPtr, len, elemAt, keyAt, valAt, elems, keys, vals,
  reserve, shiftUp,
} from "./value";

export function compareBytes(pa: usize, na: u32, pb: usize, nb: u32): i32 {
  const m = na < nb ? na : nb;
  let i: u32 = 0;
  // eight bytes at a time while equal; the first difference is then found bytewise
  while (i + 8 <= m && load<u64>(pa + i) == load<u64>(pb + i)) i += 8;
  for (; i < m; i++) {
    const a = load<u8>(pa + i);
    const b = load<u8>(pb + i);
    if (a != b) return a < b ? -1 : 1;
  }
  return na == nb ? 0 : na < nb ? -1 : 1;
}

export function compare(a: usize, b: usize): i32 {
  if (a == b) return 0;
  const ta = vtype(a);
  const tb = vtype(b);
  // strings first: object keys, set members and most equality tests are strings
  if (ta == T_STRING && tb == T_STRING) {
    const pa = strPtr(a);
    const pb = strPtr(b);
    const na = strLen(a);
    const nb = strLen(b);
    if (na > 0 && nb > 0) {
      const x = load<u8>(pa);
      const y = load<u8>(pb);
      if (x != y) return x < y ? -1 : 1;
    }
    return compareBytes(pa, na, pb, nb);
  }
  if (ta != tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case T_NULL:
      return 0;
    case T_BOOLEAN: {
      const x = boolOf(a);
      const y = boolOf(b);
      return x == y ? 0 : x ? 1 : -1;
    }
    case T_NUMBER:
      return compareNumbers(a, b);
    case T_STRING:
      return compareBytes(strPtr(a), strLen(a), strPtr(b), strLen(b));
    case T_ARRAY:
    case T_SET: {
      const na = len(a);
      const nb = len(b);
      const m = na < nb ? na : nb;
      for (let i: u32 = 0; i < m; i++) {
        const c = compare(elemAt(a, i), elemAt(b, i));
        if (c != 0) return c;
      }
      return na == nb ? 0 : na < nb ? -1 : 1;
    }
    case T_OBJECT: {
      const na = len(a);
      const nb = len(b);
      const m = na < nb ? na : nb;
      for (let i: u32 = 0; i < m; i++) {
        let c = compare(keyAt(a, i), keyAt(b, i));
        if (c != 0) return c;
        c = compare(valAt(a, i), valAt(b, i));
        if (c != 0) return c;
      }
      return na == nb ? 0 : na < nb ? -1 : 1;
    }
  }
  return 0;
}

// @ts-ignore: decorator
@inline export function equal(a: usize, b: usize): bool {
  return compare(a, b) == 0;
}

/**
 * Binary search in a sorted pointer array: the index when found, otherwise
 * -(insertion point) - 1.
 */
export function search(arr: usize, n: u32, x: usize): i32 {
  let lo: i32 = 0;
  let hi: i32 = <i32>n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compare(load<usize>(arr + ((<usize>mid) << 2)), x);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

export function objectFind(o: usize, k: usize): i32 {
  return search(keys(o), len(o), k);
}

export function objectGet(o: usize, k: usize): usize {
  const i = objectFind(o, k);
  return i < 0 ? 0 : valAt(o, <u32>i);
}

/** 0: inserted or replaced; 1: key present with a different value and !replace. */
export function objectPut(o: usize, k: usize, v: usize, replace: bool): i32 {
  const n = len(o);
  // keys arriving in order (sorted producers, our own dumps) append without a search
  const i = n == 0 || compare(keyAt(o, n - 1), k) < 0 ? -(<i32>n) - 1 : objectFind(o, k);
  if (i >= 0) {
    const slot = vals(o) + ((<usize>i) << 2);
    if (!replace && compare(load<usize>(slot), v) != 0) return 1;
    store<usize>(slot, v);
    return 0;
  }
  const at = <u32>(-i - 1);
  reserve(o, n + 1);
  shiftUp(keys(o), at, n);
  shiftUp(vals(o), at, n);
  store<usize>(keys(o) + ((<usize>at) << 2), k);
  store<usize>(vals(o) + ((<usize>at) << 2), v);
  store<u32>(o, n + 1, 4);
  return 0;
}

export function setHas(s: usize, x: usize): bool {
  return search(elems(s), len(s), x) >= 0;
}

export function setAdd(s: usize, x: usize): void {
  const n = len(s);
  const i = n == 0 || compare(elemAt(s, n - 1), x) < 0 ? -(<i32>n) - 1 : search(elems(s), n, x);
  if (i >= 0) return;
  const at = <u32>(-i - 1);
  reserve(s, n + 1);
  shiftUp(elems(s), at, n);
  store<usize>(elems(s) + ((<usize>at) << 2), x);
  store<u32>(s, n + 1, 4);
}
