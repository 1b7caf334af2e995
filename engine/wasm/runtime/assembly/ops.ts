// Value operations the generated code calls for IR data statements.

import { alloc } from "./alloc";
import { compare, objectGet, objectPut, setAdd, setHas } from "./compare";
import {
  T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, N_INT,
  vtype, numKind, intOf, strLen, strPtr, len, elemAt, keyAt, valAt,
  mkInt, mkObject, reserve, elems, keys, vals,
} from "./value";

export function codePoints(p: usize, n: u32): u32 {
  let c: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if ((load<u8>(p + i) & 0xc0) != 0x80) c++;
  }
  return c;
}

/** DotStmt: object member, array element by integer index, or set member. */
export function dot(src: usize, key: usize): usize {
  if (src == 0 || key == 0) return 0;
  const t = vtype(src);
  if (t == T_OBJECT) return objectGet(src, key);
  if (t == T_ARRAY) {
    if (vtype(key) != T_NUMBER || numKind(key) != N_INT) return 0;
    const i = intOf(key);
    if (i < 0 || i >= <i64>len(src)) return 0;
    return elemAt(src, <u32>i);
  }
  if (t == T_SET) return setHas(src, key) ? key : 0;
  return 0;
}

/** Number of members (code points for strings); -1 when not a collection. */
export function length(v: usize): i64 {
  const t = vtype(v);
  if (t == T_STRING) return <i64>codePoints(strPtr(v), strLen(v));
  if (t == T_ARRAY || t == T_OBJECT || t == T_SET) return <i64>len(v);
  return -1;
}

export function iterLen(v: usize): u32 {
  if (v == 0) return 0;
  const t = vtype(v);
  return t == T_ARRAY || t == T_OBJECT || t == T_SET ? len(v) : 0;
}

export function iterKey(v: usize, i: u32): usize {
  const t = vtype(v);
  if (t == T_ARRAY) return mkInt(<i64>i);
  if (t == T_OBJECT) return keyAt(v, i);
  return elemAt(v, i);
}

export function iterVal(v: usize, i: u32): usize {
  if (vtype(v) == T_OBJECT) return valAt(v, i);
  return elemAt(v, i);
}

function copyObject(o: usize): usize {
  const c = mkObject();
  const n = len(o);
  if (n == 0) return c;
  reserve(c, n);
  memory.copy(keys(c), keys(o), (<usize>n) << 2);
  memory.copy(vals(c), vals(o), (<usize>n) << 2);
  store<u32>(c, n, 4);
  return c;
}

/**
 * WithStmt: `root` with `value` placed at `path` (an array of keys from index i),
 * copying objects along the way so nothing shared is mutated.
 */
export function upsert(root: usize, path: usize, i: u32, value: usize): usize {
  if (i >= len(path)) return value;
  const k = elemAt(path, i);
  const o = root != 0 && vtype(root) == T_OBJECT ? copyObject(root) : mkObject();
  const child = objectGet(o, k);
  objectPut(o, k, upsert(child, path, i + 1, value), true);
  return o;
}

/** ObjectMergeStmt: a's entries win; nested objects merge recursively. */
export function merge(a: usize, b: usize): usize {
  if (vtype(a) != T_OBJECT || vtype(b) != T_OBJECT) return a;
  const o = copyObject(a);
  for (let i: u32 = 0; i < len(b); i++) {
    const k = keyAt(b, i);
    const bv = valAt(b, i);
    const av = objectGet(o, k);
    if (av == 0) objectPut(o, k, bv, true);
    else if (vtype(av) == T_OBJECT && vtype(bv) == T_OBJECT) objectPut(o, k, merge(av, bv), true);
  }
  return o;
}

/** A shallow copy of a set, for callers that must not touch the original. */
export function copySet(s: usize): usize {
  const c = alloc(16);
  memory.copy(c, s, 16);
  const n = len(s);
  const e = alloc((<usize>(n > 0 ? n : 1)) << 2);
  if (n > 0) memory.copy(e, elems(s), (<usize>n) << 2);
  store<u32>(c, n, 8);
  store<usize>(c, e, 12);
  return c;
}

export { compare, setAdd };
