// Value layout in linear memory. Every value starts with a type byte whose numeric
// order is OPA's canonical type order, so comparing types is comparing bytes.
//
//   NULL    [1]                                  8 bytes
//   BOOLEAN [2][..][..][..] u32 b at +4           8 bytes
//   NUMBER  [3][kind] kind 0: i64 at +8           16 bytes
//                     kind 1: text len +4, ptr +8 (exact JSON number text)
//   STRING  [4] len +4, ptr +8 (UTF-8 bytes)      16 bytes
//   ARRAY   [5] len +4, cap +8, elems +12          16 bytes
//   OBJECT  [6] len +4, cap +8, keys +12, vals +16 24 bytes (keys sorted)
//   SET     [7] len +4, cap +8, elems +12          16 bytes (elems sorted)
//
// Objects and sets are sorted arrays: lookups are binary searches and iteration
// is canonical order for free. A value pointer of 0 means "undefined".

import { alloc } from "./alloc";

export const T_NULL: u8 = 1;
export const T_BOOLEAN: u8 = 2;
export const T_NUMBER: u8 = 3;
export const T_STRING: u8 = 4;
export const T_ARRAY: u8 = 5;
export const T_OBJECT: u8 = 6;
export const T_SET: u8 = 7;

export const N_INT: u8 = 0;
export const N_REF: u8 = 1;

const NULL_V: usize = memory.data<u8>([1, 0, 0, 0, 0, 0, 0, 0], 8);
const TRUE_V: usize = memory.data<u8>([2, 0, 0, 0, 1, 0, 0, 0], 8);
const FALSE_V: usize = memory.data<u8>([2, 0, 0, 0, 0, 0, 0, 0], 8);

// @ts-ignore: decorator
@inline export function vtype(v: usize): u8 {
  return load<u8>(v);
}

export function mkNull(): usize {
  return NULL_V;
}

export function mkBool(b: bool): usize {
  return b ? TRUE_V : FALSE_V;
}

export function boolOf(v: usize): bool {
  return load<u32>(v, 4) != 0;
}

export function mkInt(n: i64): usize {
  const v = alloc(16);
  store<u8>(v, T_NUMBER);
  store<u8>(v, N_INT, 1);
  store<i64>(v, n, 8);
  return v;
}

export function mkNumRef(ptr: usize, len: u32): usize {
  const v = alloc(16);
  store<u8>(v, T_NUMBER);
  store<u8>(v, N_REF, 1);
  store<u32>(v, len, 4);
  store<usize>(v, ptr, 8);
  return v;
}

// @ts-ignore: decorator
@inline export function numKind(v: usize): u8 {
  return load<u8>(v, 1);
}

// @ts-ignore: decorator
@inline export function intOf(v: usize): i64 {
  return load<i64>(v, 8);
}

export function mkString(ptr: usize, len: u32): usize {
  const v = alloc(16);
  store<u8>(v, T_STRING);
  store<u32>(v, len, 4);
  store<usize>(v, ptr, 8);
  return v;
}

// Strings and number refs share the len/ptr slots.
// @ts-ignore: decorator
@inline export function strLen(v: usize): u32 {
  return load<u32>(v, 4);
}
// @ts-ignore: decorator
@inline export function strPtr(v: usize): usize {
  return load<usize>(v, 8);
}

// Arrays and sets share len/cap/elems slots.
// @ts-ignore: decorator
@inline export function len(v: usize): u32 {
  return load<u32>(v, 4);
}
// @ts-ignore: decorator
@inline export function elems(v: usize): usize {
  return load<usize>(v, 12);
}
// @ts-ignore: decorator
@inline export function elemAt(v: usize, i: u32): usize {
  return load<usize>(load<usize>(v, 12) + ((<usize>i) << 2));
}
// @ts-ignore: decorator
@inline export function keys(v: usize): usize {
  return load<usize>(v, 12);
}
// @ts-ignore: decorator
@inline export function vals(v: usize): usize {
  return load<usize>(v, 16);
}
// @ts-ignore: decorator
@inline export function keyAt(v: usize, i: u32): usize {
  return load<usize>(load<usize>(v, 12) + ((<usize>i) << 2));
}
// @ts-ignore: decorator
@inline export function valAt(v: usize, i: u32): usize {
  return load<usize>(load<usize>(v, 16) + ((<usize>i) << 2));
}

export function mkArray(cap: u32): usize {
  const v = alloc(16);
  store<u8>(v, T_ARRAY);
  store<u32>(v, 0, 4);
  store<u32>(v, cap, 8);
  store<usize>(v, cap > 0 ? alloc((<usize>cap) << 2) : 0, 12);
  return v;
}

export function mkSet(): usize {
  const v = alloc(16);
  store<u8>(v, T_SET);
  store<u32>(v, 0, 4);
  store<u32>(v, 0, 8);
  store<usize>(v, 0, 12);
  return v;
}

export function mkObject(): usize {
  const v = alloc(24);
  store<u8>(v, T_OBJECT);
  store<u32>(v, 0, 4);
  store<u32>(v, 0, 8);
  store<usize>(v, 0, 12);
  store<usize>(v, 0, 16);
  return v;
}

/** Grows a pointer array at slot `off` of `v` to hold at least `need` entries. */
function growSlot(v: usize, off: usize, oldCap: u32, newCap: u32): void {
  const old = load<usize>(v + off);
  const fresh = alloc((<usize>newCap) << 2);
  if (oldCap > 0) memory.copy(fresh, old, (<usize>oldCap) << 2);
  store<usize>(v + off, fresh);
}

export function reserve(v: usize, need: u32): void {
  const cap = load<u32>(v, 8);
  if (need <= cap) return;
  let n = cap < 4 ? <u32>4 : cap * 2;
  if (n < need) n = need;
  growSlot(v, 12, cap, n);
  if (vtype(v) == T_OBJECT) growSlot(v, 16, cap, n);
  store<u32>(v, n, 8);
}

export function arrayPush(a: usize, x: usize): void {
  const n = len(a);
  reserve(a, n + 1);
  store<usize>(elems(a) + ((<usize>n) << 2), x);
  store<u32>(a, n + 1, 4);
}

/** Opens a hole at index i of the pointer array at slot off. */
export function shiftUp(arr: usize, i: u32, n: u32): void {
  if (i < n) {
    const at = arr + ((<usize>i) << 2);
    memory.copy(at + 4, at, (<usize>(n - i)) << 2);
  }
}
