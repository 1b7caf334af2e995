/**
 * The Wasm backend: every selected test becomes an entrypoint of one module (IR from the
 * pipeline, Wasm from `engine/policy/`), loaded once through the OPA SDK and evaluated
 * per test, with strict builtin errors as OPA's test runner reports them. A module
 * cannot be interrupted while it runs, so `--timeout` does not apply here, and it
 * cannot report evaluated lines, so `--coverage` runs on the IR backend instead.
 */
import { regoError, type ErrorCode, type RegoError } from "../../errors.js";
import { buildIR } from "../../pipeline.js";
import { PolicyError, compileWasm, loadPolicy, type LoadedPolicy } from "../../policy/index.js";
import type { Value } from "../../values/index.js";
import type { BackendOptions, TestBackend, TestOutcome } from "./backend.js";
import { outcomeOf } from "./ir-backend.js";
import type { SourceFile } from "./load.js";

const EVAL_CODES = new Set<string>(["eval_conflict_error", "eval_builtin_error", "eval_type_error"]);

/** A PolicyError (or anything thrown) as the RegoError a test reports. */
export function toRegoError(e: unknown): RegoError {
  if (e instanceof PolicyError) {
    if (e.errors.length > 0) return e.errors[0]!;
    const code: ErrorCode = EVAL_CODES.has(e.code) ? (e.code as ErrorCode) : "internal_error";
    return regoError(code, e.message, e.location);
  }
  return regoError("internal_error", e instanceof Error ? e.message : String(e));
}

export class WasmBackend implements TestBackend {
  readonly name = "wasm";
  private policy: LoadedPolicy | undefined;

  // Options are accepted for a uniform factory; neither timeout nor coverage applies.
  constructor(_options: BackendOptions = {}) {}

  async prepare(modules: SourceFile[], data: Value, entrypoints: string[]): Promise<{ errors: RegoError[] }> {
    const built = buildIR({ modules, entrypoints });
    if (built.errors.length > 0 || !built.policy) {
      return { errors: built.errors.length > 0 ? built.errors : [regoError("internal_error", "compiler produced no policy")] };
    }
    // A module with no entrypoint is not worth building: nothing would run.
    if (entrypoints.length === 0) return { errors: [] };
    try {
      const wasm = await compileWasm(built.policy);
      this.policy = await loadPolicy(wasm, { data, strictBuiltinErrors: true, print: () => {} });
    } catch (e) {
      return { errors: [toRegoError(e)] };
    }
    return { errors: [] };
  }

  async run(entrypoint: string): Promise<TestOutcome> {
    if (!this.policy) return { error: regoError("internal_error", "Wasm backend: run before a successful prepare") };
    try {
      return outcomeOf(this.policy.evaluate(undefined, entrypoint));
    } catch (e) {
      return { error: toRegoError(e) };
    }
  }
}
