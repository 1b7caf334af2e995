/**
 * The seam between the test runner and an evaluator. The runner compiles every module
 * once, with every selected test as an entrypoint, then runs the tests one by one; a
 * backend decides how (IR interpreter now, one Wasm module later).
 */
import type { RegoError } from "../../errors.js";
import type { Value } from "../../values/index.js";
import type { SourceFile } from "./load.js";

/** How one test's entrypoint evaluated: a value, undefined, or an error. */
export type TestOutcome = { value: Value } | { undefined: true } | { error: RegoError };

export interface TestBackend {
  /** Human name for reports (`ir`, `wasm`). */
  readonly name: string;
  /**
   * Compiles `modules` with `entrypoints` (`a/b/test_x`) against `data` (a JSON value).
   * Compile errors come back as values; `run` must not be called after any.
   */
  prepare(modules: SourceFile[], data: Value, entrypoints: string[]): Promise<{ errors: RegoError[] }>;
  run(entrypoint: string): Promise<TestOutcome>;
  /**
   * Lines whose Rego was evaluated so far, per file, if the backend can observe them
   * (the Wasm backend cannot); undefined when it cannot.
   */
  coveredLines?(): Map<string, Set<number>>;
}

/** Options every backend accepts. */
export interface BackendOptions {
  /** Per-test wall-clock budget. */
  timeoutMs?: number;
  /** Observe evaluated lines for `--coverage` (slower). */
  coverage?: boolean;
}
