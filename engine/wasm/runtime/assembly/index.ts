// The runtime's exports: OPA's Wasm ABI (what the SDK calls) plus `rt_*` helpers
// the code generator links against. The generator replaces the three `portcullis_*`
// imports with generated functions and drops the `rt_*` exports afterwards.

import { alloc, heapGet, heapSet } from "./alloc";
import { parse, setBridge } from "./json";
import { dumpJSON, dumpRego, dumpExact } from "./dump";
import { compare, objectPut, setAdd } from "./compare";
import { dot, length, iterLen, iterKey, iterVal, upsert, merge } from "./ops";
import { numberFromText } from "./number";
import {
  T_OBJECT, vtype, mkNull, mkBool, mkInt, mkArray, mkObject, mkSet, mkString, arrayPush,
} from "./value";
export {
  b_equal, b_neq, b_lt, b_lte, b_gt, b_gte, b_plus, b_minus, b_mul, b_count,
  b_member2, b_member3, b_startswith, b_endswith, b_contains, b_lower, b_upper,
  b_concat, b_object_get, b_is_number, b_is_string, b_is_boolean, b_is_array,
  b_is_set, b_is_object, b_is_null,
} from "./builtins";
export { b_sort, b_array_concat, b_or, b_and } from "./collections";
export {
  b_split, b_replace, b_trim, b_trim_left, b_trim_right, b_trim_prefix, b_trim_suffix,
  b_trim_space, b_sprintf,
} from "./strings";

@external("env", "opa_abort")
declare function opa_abort(msg: usize): void;
@external("env", "portcullis_eval")
declare function portcullis_eval(entrypoint: i32, input: usize, data: usize): void;
@external("env", "portcullis_builtins")
declare function portcullis_builtins(): usize;
@external("env", "portcullis_entrypoints")
declare function portcullis_entrypoints(): usize;

// ---- ABI: memory and values ----

export function opa_malloc(size: usize): usize { return alloc(size); }
export function opa_free(_p: usize): void {}
export function opa_value_free(_p: usize): void {}
export function opa_heap_ptr_get(): usize { return heapGet(); }
export function opa_heap_ptr_set(p: usize): void {
  setBridge(false);
  heapSet(p);
}
export function opa_heap_blocks_stash(): void {}
export function opa_heap_blocks_restore(): void {}
export function opa_heap_stash_clear(): void {}
export function opa_json_parse(p: usize, n: usize): usize { return parse(p, n, false); }
export function opa_value_parse(p: usize, n: usize): usize { return parse(p, n, true); }
export function opa_json_dump(v: usize): usize { return dumpJSON(v); }
export function opa_value_dump(v: usize): usize { return dumpRego(v); }

/** Sets `value` at `path` (an array of keys) inside object `base`; 0 on success. */
export function opa_value_add_path(base: usize, path: usize, value: usize): i32 {
  if (vtype(base) != T_OBJECT) return 2;
  const fresh = upsert(base, path, 0, value);
  memory.copy(base, fresh, 24);
  return 0;
}

export function opa_value_remove_path(_base: usize, _path: usize): i32 {
  return 3; // not supported: data is replaced wholesale through setData
}

// ---- ABI: evaluation ----

let resultSet: usize = 0;
// Evaluation counter: generated code memoises rules per evaluation by stamping memo
// entries with it (see lower.ts), so a new evaluation invalidates them all at once.
// Starts at 1 so zeroed memo entries are never current.
let evalGen: u32 = 0;

function run(entrypoint: i32, input: usize, data: usize): usize {
  setBridge(false);
  evalGen++;
  resultSet = mkSet();
  portcullis_eval(entrypoint, input, data);
  return resultSet;
}

export function opa_eval_ctx_new(): usize {
  const c = alloc(16);
  memory.fill(c, 0, 16);
  return c;
}
export function opa_eval_ctx_set_input(c: usize, v: usize): void { store<usize>(c, v, 0); }
export function opa_eval_ctx_set_data(c: usize, v: usize): void { store<usize>(c, v, 4); }
export function opa_eval_ctx_set_entrypoint(c: usize, e: i32): void { store<i32>(c, e, 8); }
export function opa_eval_ctx_get_result(c: usize): usize { return load<usize>(c, 12); }
export function eval(c: usize): i32 {
  store<usize>(c, run(load<i32>(c, 8), load<usize>(c, 0), load<usize>(c, 4)), 12);
  return 0;
}

export function opa_eval(
  _reserved: usize, entrypoint: i32, data: usize, inputPtr: usize, inputLen: usize,
  heapPtr: usize, format: i32,
): usize {
  heapSet(heapPtr);
  let input: usize = 0;
  if (inputLen > 0) {
    input = parse(inputPtr, inputLen, false);
    if (input == 0) {
      rt_abort_str("invalid input JSON");
    }
  }
  const rs = run(entrypoint, input, data);
  return format == 1 ? dumpRego(rs) : dumpJSON(rs);
}

/**
 * 1 when the last dump wrote only integers within +-(2^53-1), numbers a double holds
 * exactly: the host may then read it with JSON.parse.
 */
export function portcullis_dump_exact(): i32 { return dumpExact ? 1 : 0; }

export function builtins(): usize { return portcullis_builtins(); }
export function entrypoints(): usize { return portcullis_entrypoints(); }

function rt_abort_str(s: string): void {
  const p = alloc(<usize>s.length + 1);
  for (let i = 0; i < s.length; i++) store<u8>(p + i, <u8>s.charCodeAt(i));
  store<u8>(p + s.length, 0);
  opa_abort(p);
}

// ---- helpers for generated code ----

export function rt_abort(msg: usize): void { opa_abort(msg); }
export function rt_null(): usize { return mkNull(); }
export function rt_bool(b: i32): usize { return mkBool(b != 0); }
export function rt_int(n: i64): usize { return mkInt(n); }
export function rt_number_text(p: usize, n: u32): usize { return numberFromText(p, n); }
export function rt_string(p: usize, n: u32): usize { return mkString(p, n); }
export function rt_array(cap: u32): usize { return mkArray(cap); }
export function rt_object(): usize { return mkObject(); }
export function rt_set(): usize { return mkSet(); }
export function rt_array_append(a: usize, x: usize): void { arrayPush(a, x); }
export function rt_object_insert(o: usize, k: usize, v: usize): void { objectPut(o, k, v, true); }
/** 1 when the key is already bound to a different value (a conflict). */
export function rt_object_insert_once(o: usize, k: usize, v: usize): i32 { return objectPut(o, k, v, false); }
export function rt_set_add(s: usize, x: usize): void { setAdd(s, x); }
export function rt_compare(a: usize, b: usize): i32 { return compare(a, b); }
export function rt_dot(s: usize, k: usize): usize { return dot(s, k); }
/** LenStmt: the length as a number value, 0 when not a collection or string. */
export function rt_len(v: usize): usize {
  const n = length(v);
  return n < 0 ? 0 : mkInt(n);
}
export function rt_iter_len(v: usize): u32 { return iterLen(v); }
export function rt_iter_key(v: usize, i: u32): usize { return iterKey(v, i); }
export function rt_iter_val(v: usize, i: u32): usize { return iterVal(v, i); }
export function rt_upsert(root: usize, path: usize, value: usize): usize { return upsert(root, path, 0, value); }
export function rt_merge(a: usize, b: usize): usize { return merge(a, b); }
export function rt_result_add(v: usize): void { setAdd(resultSet, v); }
export function rt_json_parse(p: usize, n: usize): usize { return parse(p, n, false); }
export function rt_bridge(on: i32): void { setBridge(on != 0); }
export function rt_eval_gen(): u32 { return evalGen; }
