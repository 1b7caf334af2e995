/**
 * Stage 5: the watcher. Owns the active policy and the only place it is replaced.
 *
 * - Swapping is one reference assignment after a candidate was fully built, tested and
 *   loaded; nothing is mutated, so a request holding the previous `ActivePolicy`
 *   (`watcher.current()` taken at its start) finishes on it.
 * - A refused candidate leaves the active policy as it is; the reason goes to the logger
 *   and to the `rejected` event, with every problem's `file:row:col`.
 * - Fail closed: until a first candidate is accepted, `evaluate` returns a
 *   `policy_not_ready` error decision, never a result.
 */
import { EventEmitter } from "node:events";
import { resolve } from "node:path";
import type { VerificationConfig } from "../bundle/index.js";
import type { LoadedPolicy, LoadOptions } from "../policy/index.js";
import { entrypointPath, makeActivePolicy } from "./active.js";
import { buildFromBundle } from "./from-bundle.js";
import { buildFromDirectory } from "./from-directory.js";
import { ReloadScheduler } from "./schedule.js";
import { watchBundleFile, watchDirectory, type ChangeSource } from "./sources.js";
import { formatProblem, type ActivePolicy, type Candidate, type Decision, type Logger, type Rejected, type Reloaded } from "./types.js";

export interface WatchOptions {
  /** Watch a policy directory (a git checkout)... */
  dir?: string;
  /** ...or a bundle file that CI replaces. Exactly one of `dir` and `bundle`. */
  bundle?: string;
  /** Entrypoints to serve; the first is `evaluate`'s default. Default `["portcullis/decision"]`. */
  entrypoints?: string[];
  /** Key of the decision log's `bundles` map. Default `portcullis`. */
  bundleName?: string;
  /** Run `test_*` rules as a gate. Default: true for a directory, false for a bundle. */
  test?: boolean;
  /** Per-test budget of the gate. Default 10 s. */
  testTimeoutMs?: number;
  /** Quiet period before a reload. Default 150 ms. */
  debounceMs?: number;
  /** Bundle mode: only bundles signed for this key load. */
  verification?: VerificationConfig;
  /** Where reload outcomes are reported. Default: lines on stderr. */
  logger?: Logger;
  usePolling?: boolean;
  /** Passed to `loadPolicy` for every candidate. */
  load?: Omit<LoadOptions, "data">;
  /** Directory mode: overrides the revision (default `gitRevision`, else `sha256:<digest>`). */
  revision?: (dir: string) => string | null;
}

interface WatcherEvents {
  reloaded: [Reloaded];
  rejected: [Rejected];
}

export const DEFAULT_ENTRYPOINT = "portcullis/decision";

const stderrLogger: Logger = (r) => {
  process.stderr.write(`[policy ${r.level}] ${r.message}\n${(r.details ?? []).map((d) => `  ${d}\n`).join("")}`);
};

export class PolicyWatcher extends EventEmitter<WatcherEvents> {
  private activePolicy: ActivePolicy | null = null;
  private generation = 0;
  private readonly scheduler: ReloadScheduler;
  private source: ChangeSource | undefined;
  private closed = false;
  private readonly log: Logger;
  private readonly bundleName: string;
  private readonly entrypoints: string[];

  /** Starts watching, then loads the policy once; resolves when both are done (loaded or not). */
  static async open(options: WatchOptions): Promise<PolicyWatcher> {
    const w = new PolicyWatcher(options);
    await w.start();
    return w;
  }

  private constructor(private readonly options: WatchOptions) {
    super();
    if ((options.dir === undefined) === (options.bundle === undefined)) throw new TypeError("PolicyWatcher: give exactly one of dir and bundle");
    this.log = options.logger ?? stderrLogger;
    this.bundleName = options.bundleName ?? "portcullis";
    this.entrypoints = (options.entrypoints ?? [DEFAULT_ENTRYPOINT]).map(entrypointPath);
    this.scheduler = new ReloadScheduler((trigger) => this.reloadOnce(trigger), options.debounceMs ?? 150);
  }

  /** The policy serving decisions now, or null before the first good one. Take it once per request. */
  current(): ActivePolicy | null {
    return this.activePolicy;
  }

  /** Evaluates on the active policy; `policy_not_ready` (fail closed) before there is one. */
  evaluate(input: unknown, entrypoint?: string): Decision {
    const policy = this.activePolicy;
    if (policy) return policy.evaluate(input, entrypoint);
    return {
      path: entrypoint === undefined ? this.entrypoints[0]! : entrypointPath(entrypoint),
      revision: null,
      generation: 0,
      bundle: this.bundleName,
      error: { code: "policy_not_ready", message: "no policy has been loaded successfully yet: refusing every decision" },
      metrics: { timer_rego_query_eval_ns: 0 },
    };
  }

  /** Reloads now (after a running reload); resolves once no reload is left to do. */
  reload(trigger = "manual"): Promise<void> {
    return this.scheduler.now(trigger);
  }

  /** Resolves when no reload is running or waiting for its quiet period. */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  /** Stops watching and waits for a reload in progress. The last policy stays usable. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.source?.close();
    await this.scheduler.close();
  }

  private async start(): Promise<void> {
    const onChange = (path: string) => this.scheduler.notify(path);
    const onError = (e: Error) => this.log({ level: "warn", message: `watching failed: ${e.message}` });
    const sourceOptions = { onError, ...(this.options.usePolling === undefined ? {} : { usePolling: this.options.usePolling }) };
    this.source = this.options.dir !== undefined
      ? watchDirectory(this.options.dir, onChange, sourceOptions)
      : watchBundleFile(this.options.bundle!, onChange, sourceOptions);
    await this.source.ready;
    await this.scheduler.now("initial");
  }

  private async reloadOnce(trigger: string): Promise<void> {
    const started = performance.now();
    let candidate: Candidate<LoadedPolicy>;
    const o = this.options;
    const common = {
      testTimeoutMs: o.testTimeoutMs ?? 10_000,
      ...(o.load ? { load: o.load } : {}),
    };
    if (o.dir !== undefined) {
      candidate = await buildFromDirectory(o.dir, { ...common, entrypoints: this.entrypoints, test: o.test ?? true, ...(o.revision ? { revision: o.revision } : {}) });
    } else {
      candidate = await buildFromBundle(resolve(o.bundle!), {
        ...common,
        entrypoints: o.entrypoints ? this.entrypoints : [],
        test: o.test ?? false,
        ...(o.verification ? { verification: o.verification } : {}),
      });
    }
    const durationMs = Math.round(performance.now() - started);
    const previous = this.activePolicy;
    if (!candidate.ok) {
      const event: Rejected = { revision: candidate.revision, activeRevision: previous?.revision ?? null, stage: candidate.stage, problems: candidate.problems, trigger, durationMs };
      const keeping = previous ? `keeping ${previous.revision}` : "no policy active: refusing every decision";
      this.log({
        level: "error",
        message: `policy ${candidate.revision ?? "(unknown revision)"} rejected at ${candidate.stage} (${trigger}); ${keeping}`,
        details: candidate.problems.map(formatProblem),
      });
      this.emit("rejected", event);
      return;
    }
    const generation = ++this.generation;
    const next = makeActivePolicy({
      revision: candidate.revision,
      digest: candidate.digest,
      generation,
      source: o.dir !== undefined ? "directory" : "bundle",
      bundle: this.bundleName,
      modules: candidate.modules,
    });
    this.activePolicy = next; // the swap
    const event: Reloaded = { revision: next.revision, previousRevision: previous?.revision ?? null, generation, trigger, durationMs, timings: candidate.timings };
    const tests = candidate.testsPassed > 0 ? `, ${candidate.testsPassed} tests passed` : "";
    const stages = Object.entries(candidate.timings).map(([k, ms]) => `${k} ${ms}`).join(", ");
    this.log({ level: "info", message: `policy ${next.revision} active (generation ${generation}, ${trigger}, ${durationMs} ms: ${stages}${tests})` });
    this.emit("reloaded", event);
  }
}
