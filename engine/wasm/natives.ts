/**
 * Builtins the runtime implements natively, by Rego name. `fallback` marks the ones
 * whose native version answers undefined when unsure (big numbers, non-ASCII case
 * mapping, wrong types): the generated code then calls the host builtin of the same
 * name, which computes the exact result or raises the type error.
 */
export interface Native {
  /** Runtime export implementing it. */
  fn: string;
  arity: number;
  fallback: boolean;
}

const n = (fn: string, arity: number, fallback = false): Native => ({ fn, arity, fallback });

export const NATIVES: ReadonlyMap<string, Native> = new Map([
  ["equal", n("b_equal", 2)],
  ["neq", n("b_neq", 2)],
  ["lt", n("b_lt", 2)],
  ["lte", n("b_lte", 2)],
  ["gt", n("b_gt", 2)],
  ["gte", n("b_gte", 2)],
  ["plus", n("b_plus", 2, true)],
  ["minus", n("b_minus", 2, true)],
  ["mul", n("b_mul", 2, true)],
  ["count", n("b_count", 1, true)],
  ["internal.member_2", n("b_member2", 2)],
  ["internal.member_3", n("b_member3", 3)],
  ["startswith", n("b_startswith", 2, true)],
  ["endswith", n("b_endswith", 2, true)],
  ["contains", n("b_contains", 2, true)],
  ["lower", n("b_lower", 1, true)],
  ["upper", n("b_upper", 1, true)],
  ["concat", n("b_concat", 2, true)],
  ["object.get", n("b_object_get", 3, true)],
  ["sort", n("b_sort", 1, true)],
  ["array.concat", n("b_array_concat", 2, true)],
  ["or", n("b_or", 2, true)],
  ["and", n("b_and", 2, true)],
  ["split", n("b_split", 2, true)],
  ["replace", n("b_replace", 3, true)],
  ["trim", n("b_trim", 2, true)],
  ["trim_left", n("b_trim_left", 2, true)],
  ["trim_right", n("b_trim_right", 2, true)],
  ["trim_prefix", n("b_trim_prefix", 2, true)],
  ["trim_suffix", n("b_trim_suffix", 2, true)],
  ["trim_space", n("b_trim_space", 1, true)],
  ["sprintf", n("b_sprintf", 2, true)],
  ["is_number", n("b_is_number", 1)],
  ["is_string", n("b_is_string", 1)],
  ["is_boolean", n("b_is_boolean", 1)],
  ["is_array", n("b_is_array", 1)],
  ["is_set", n("b_is_set", 1)],
  ["is_object", n("b_is_object", 1)],
  ["is_null", n("b_is_null", 1)],
]);

/** Host builtins cross through `opa_builtin0..4`; more arguments cannot be passed. */
export const MAX_HOST_ARITY = 4;
