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
  /** What was evaluated so far, if the backend can observe it (the Wasm backend cannot). */
  observedLines?(): LineObservations;
}

/** Rows per file: any statement evaluated there, and a rule value produced there. */
export interface LineObservations {
  evaluated: Map<string, Set<number>>;
  /**
   * Rows where a statement that produces a rule's value ran. The planner places those
   * within the rule's last body literal, not on its head.
   */
  produced: Map<string, Set<number>>;
}

/** Options every backend accepts. */
export interface BackendOptions {
  /** Per-test wall-clock budget. */
  timeoutMs?: number;
  /** Observe evaluated lines for `--coverage` (slower). */
  coverage?: boolean;
}
