/**
 * The interpreter-shaped entry to the Wasm path: compile an IR policy, load it, run
 * one plan once, report `{results} | {error}` like `ir/interpreter.ts`'s `evaluate`.
 * This is what the conformance runner's `wasm` backend calls.
 */
import { regoError, type RegoError } from "../errors.js";
import type { Policy as IRPolicy } from "../ir/types.js";
import type { Value } from "../values/index.js";
import { PolicyError } from "./errors.js";
import { compileWasm, loadPolicy } from "./policy.js";

export interface WasmEvalOptions {
  input?: Value;
  data?: Value;
  strictBuiltinErrors?: boolean;
}

export async function evaluateWasm(
  policy: IRPolicy, planName: string, options: WasmEvalOptions = {},
): Promise<{ results: Value[] } | { error: RegoError }> {
  try {
    const wasm = await compileWasm(policy);
    const loaded = await loadPolicy(wasm, {
      ...(options.data !== undefined ? { data: options.data } : {}),
      strictBuiltinErrors: options.strictBuiltinErrors ?? false,
    });
    return { results: loaded.evaluate(options.input, planName) };
  } catch (e) {
    if (e instanceof PolicyError) {
      const code = e.code === "eval_conflict_error" || e.code === "eval_builtin_error" || e.code === "eval_type_error" ? e.code : "internal_error";
      return { error: regoError(code, e.message, e.location) };
    }
    return { error: regoError("internal_error", e instanceof Error ? e.message : String(e)) };
  }
}
