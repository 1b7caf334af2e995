// Native collection builtins: sort, set union/intersection/difference, array.concat.
// Sets are sorted pointer arrays (value.ts), so set operations are linear merges and
// sorting a set is copying it. Each answers 0 for operands of the wrong type, and the
// generated code then asks the host, which raises OPA's type error.

import { alloc } from "./alloc";
import { compare } from "./compare";
import { T_ARRAY, T_SET, vtype, len, elems, mkArray, mkSet, reserve } from "./value";

// @ts-ignore: decorator
@inline function at(p: usize, i: u32): usize {
  return load<usize>(p + ((<usize>i) << 2));
}
// @ts-ignore: decorator
@inline function put(p: usize, i: u32, v: usize): void {
  store<usize>(p + ((<usize>i) << 2), v);
}

function copyPtrs(dst: usize, src: usize, n: u32): void {
  if (n > 0) memory.copy(dst, src, (<usize>n) << 2);
}

/** Bottom-up merge sort of n pointers at a, using scratch space b; returns where the result is. */
function mergeSort(a: usize, b: usize, n: u32): usize {
  let src = a;
  let dst = b;
  for (let width: u32 = 1; width < n; width <<= 1) {
    for (let lo: u32 = 0; lo < n; lo += width << 1) {
      const mid = lo + width < n ? lo + width : n;
      const hi = lo + (width << 1) < n ? lo + (width << 1) : n;
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const x = at(src, i);
        const y = at(src, j);
        // ties take the left run first: stable
        if (compare(y, x) < 0) {
          put(dst, k, y);
          j++;
        } else {
          put(dst, k, x);
          i++;
        }
        k++;
      }
      for (; i < mid; i++) put(dst, k++, at(src, i));
      for (; j < hi; j++) put(dst, k++, at(src, j));
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}

function arrayOf(ptrs: usize, n: u32): usize {
  const out = mkArray(n);
  copyPtrs(elems(out), ptrs, n);
  store<u32>(out, n, 4);
  return out;
}

export function b_sort(c: usize): usize {
  const t = vtype(c);
  if (t == T_SET) return arrayOf(elems(c), len(c));
  if (t != T_ARRAY) return 0;
  const n = len(c);
  if (n < 2) return arrayOf(elems(c), n);
  const a = alloc((<usize>n) << 2);
  const b = alloc((<usize>n) << 2);
  copyPtrs(a, elems(c), n);
  return arrayOf(mergeSort(a, b, n), n);
}

export function b_array_concat(a: usize, b: usize): usize {
  if (vtype(a) != T_ARRAY || vtype(b) != T_ARRAY) return 0;
  const na = len(a);
  const nb = len(b);
  const out = mkArray(na + nb);
  copyPtrs(elems(out), elems(a), na);
  copyPtrs(elems(out) + ((<usize>na) << 2), elems(b), nb);
  store<u32>(out, na + nb, 4);
  return out;
}

const UNION: i32 = 0;
const INTERSECTION: i32 = 1;
const DIFFERENCE: i32 = 2;

/** One merge pass over two sorted member arrays. */
function setOp(a: usize, b: usize, op: i32): usize {
  const na = len(a);
  const nb = len(b);
  const out = mkSet();
  const cap = op == UNION ? na + nb : na;
  if (cap == 0) return out;
  reserve(out, cap);
  const pa = elems(a);
  const pb = elems(b);
  const po = elems(out);
  let i: u32 = 0;
  let j: u32 = 0;
  let k: u32 = 0;
  while (i < na && j < nb) {
    const x = at(pa, i);
    const y = at(pb, j);
    const c = compare(x, y);
    if (c == 0) {
      if (op != DIFFERENCE) put(po, k++, x);
      i++;
      j++;
    } else if (c < 0) {
      if (op != INTERSECTION) put(po, k++, x);
      i++;
    } else {
      if (op == UNION) put(po, k++, y);
      j++;
    }
  }
  if (op != INTERSECTION) for (; i < na; i++) put(po, k++, at(pa, i));
  if (op == UNION) for (; j < nb; j++) put(po, k++, at(pb, j));
  store<u32>(out, k, 4);
  return out;
}

function sets(a: usize, b: usize): bool {
  return vtype(a) == T_SET && vtype(b) == T_SET;
}

export function b_or(a: usize, b: usize): usize { return sets(a, b) ? setOp(a, b, UNION) : 0; }
export function b_and(a: usize, b: usize): usize { return sets(a, b) ? setOp(a, b, INTERSECTION) : 0; }
/** Set difference; integer subtraction stays in builtins.ts (b_minus dispatches here). */
export function setMinus(a: usize, b: usize): usize { return sets(a, b) ? setOp(a, b, DIFFERENCE) : 0; }
