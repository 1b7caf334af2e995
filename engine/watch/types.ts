/**
 * The data types of hot reload, shared by every stage of `engine/watch/`.
 *
 * Pipeline: a source notices a change (sources.ts) → the scheduler debounces it and makes
 * sure only one reload runs at a time (schedule.ts) → a candidate policy is built from the
 * directory (from-directory.ts, with the test gate of gate.ts) or from the bundle file
 * (from-bundle.ts) → the candidate becomes an `ActivePolicy` (active.ts) → the watcher
 * swaps its reference to it (watcher.ts).
 */
import type { Location } from "../errors.js";

/**
 * Why a candidate policy was refused, one entry per problem. `code` is OPA's error code for
 * Rego problems (`rego_parse_error`, …), a `BundleErrorCode` for bundles, `test_failed` /
 * `test_error` for the gate, or one of `WatchErrorCode`. `file` names a bundle file or a
 * policy file when there is no row/column to give.
 */
export interface Problem {
  code: string;
  message: string;
  location?: Location;
  file?: string;
}

/** `file:row:col: code: message` (or `file: code: message`), as `formatError` prints Rego errors. */
export function formatProblem(p: Problem): string {
  const where = p.location ? `${p.location.file}:${p.location.row}:${p.location.col}: ` : p.file !== undefined ? `${p.file}: ` : "";
  return `${where}${p.code}: ${p.message}`;
}

/** Codes the watcher itself produces. */
export type WatchErrorCode =
  /** No good policy has been loaded yet: every decision is refused (fail closed). */
  | "policy_not_ready"
  /** The entrypoint asked for is not one the active policy was built with. */
  | "unknown_entrypoint"
  /** The policy raised an error while evaluating (conflict, strict builtin error, trap). */
  | "eval_error"
  /** The watched path could not be read (missing bundle file, unreadable directory). */
  | "source_unreadable"
  /** The policy does not define a configured entrypoint. */
  | "entrypoint_missing";

/**
 * The outcome of one evaluation. Never thrown: a gateway denies whenever `error` is set or
 * `result` is undefined. `revision` is that of the policy that made the decision (null only
 * when there was none, i.e. `policy_not_ready`).
 */
export interface Decision {
  /** Slash path of the entrypoint, e.g. `portcullis/decision` (the decision log's `path`). */
  path: string;
  revision: string | null;
  /** Which load of the watcher produced the policy (1 for the first good one); 0 when none. */
  generation: number;
  /** Name under which the policy's revision is logged (`bundles: {<name>: {revision}}`). */
  bundle: string;
  /** Plain JSON (big numbers as `LosslessNumber`); absent when the rule is undefined or on error. */
  result?: unknown;
  error?: Problem;
  /** OPA's metric names, so that decision-log lines carry them as OPA does. */
  metrics: { timer_rego_query_eval_ns: number };
}

/**
 * A loaded, immutable policy. Holding a reference to one keeps it usable after the watcher
 * swapped in a newer one: a request that took it at its start decides on it to its end.
 */
export interface ActivePolicy {
  /** Git commit (`<sha>`, `<sha>-dirty`), the bundle manifest's revision, or `sha256:<12 hex>` of the content. */
  readonly revision: string;
  /** SHA-256 of the modules and data, distinguishing two dirty states of one commit. */
  readonly digest: string;
  readonly generation: number;
  readonly loadedAt: Date;
  readonly source: "directory" | "bundle";
  readonly bundle: string;
  /** Slash paths this policy can evaluate; the first is the default. */
  readonly entrypoints: readonly string[];
  evaluate(input: unknown, entrypoint?: string): Decision;
}

/** Sent with the `reloaded` event and to the logger. */
export interface Reloaded {
  revision: string;
  previousRevision: string | null;
  generation: number;
  /** Why the reload ran (`initial`, a changed file, `manual`). */
  trigger: string;
  durationMs: number;
  /** Where the time went, per stage, in ms. */
  timings: StageTimings;
}

/** Milliseconds spent per stage of one reload (absent stages did not run). */
export interface StageTimings {
  collect?: number;
  test?: number;
  compile?: number;
  load?: number;
}

/** Sent with the `rejected` event: the last good policy (if any) stays active. */
export interface Rejected {
  /** The revision that was attempted, when it could be determined. */
  revision: string | null;
  /** The revision still being served, null when none. */
  activeRevision: string | null;
  stage: "collect" | "compile" | "test" | "bundle" | "load";
  problems: Problem[];
  trigger: string;
  durationMs: number;
}

/** A log record; `message` is one human line, problems follow as `file:row:col: …` lines. */
export interface LogRecord {
  level: "info" | "warn" | "error";
  message: string;
  details?: string[];
}

export type Logger = (record: LogRecord) => void;

/**
 * What building a candidate produced: everything needed to make an `ActivePolicy` (the
 * loaded Wasm modules by entrypoint), or why it must not replace the active one.
 */
export type Candidate<M> =
  | { ok: true; revision: string; digest: string; modules: Map<string, M>; testsPassed: number; timings: StageTimings }
  | { ok: false; revision: string | null; stage: Rejected["stage"]; problems: Problem[] };
