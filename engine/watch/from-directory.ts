/**
 * Stage 3b: a policy directory → candidate. Collect (`collectPolicyDir`: every `.rego`,
 * data files merged by folder) → revision → test gate (gate.ts; it also reports compile
 * errors with locations, faster than a Wasm compile would) → compile to Wasm → load.
 * Any failure is a refused candidate naming the stage and every problem found.
 *
 * Files are named `join(dir, path)` in locations, so a policy author reads the path they
 * would open (`policies/portcullis/sql.rego:12:3: rego_parse_error: …`).
 */
import { join } from "node:path";
import { collectPolicyDir, gitRevision } from "../bundle/index.js";
import { compile, loadPolicy, PolicyError, type LoadedPolicy, type LoadOptions } from "../policy/index.js";
import { contentDigest, entrypointPath } from "./active.js";
import { runTestGate } from "./gate.js";
import type { Candidate, Problem, StageTimings } from "./types.js";

export interface DirectoryBuildOptions {
  entrypoints: string[];
  /** Run the directory's `test_*` rules as a gate (the watcher's default is true). */
  test: boolean;
  testTimeoutMs: number;
  /** Passed to `loadPolicy` (host builtins, strict builtin errors, print). `data` is the directory's. */
  load?: Omit<LoadOptions, "data">;
  /** Overrides how the revision is found (default: `gitRevision`, else a content digest). */
  revision?: (dir: string) => string | null;
}

export async function buildFromDirectory(dir: string, options: DirectoryBuildOptions): Promise<Candidate<LoadedPolicy>> {
  const timings: StageTimings = {};
  let mark = performance.now();
  const lap = (stage: keyof StageTimings) => {
    const now = performance.now();
    timings[stage] = Math.round(now - mark);
    mark = now;
  };
  const collected = collectPolicyDir(dir);
  const digest = contentDigest(collected.modules, collected.data);
  let revision: string;
  try {
    revision = (options.revision ?? gitRevision)(dir) ?? `sha256:${digest.slice(0, 12)}`;
  } catch {
    revision = `sha256:${digest.slice(0, 12)}`;
  }
  if (collected.errors.length > 0) {
    const problems = collected.errors.map((e): Problem => (e.file !== undefined ? { code: e.code, message: messageOf(e), file: join(dir, e.file) } : { code: e.code, message: e.message }));
    return { ok: false, revision, stage: "collect", problems };
  }
  if (collected.modules.length === 0) {
    return { ok: false, revision, stage: "collect", problems: [{ code: "source_unreadable", message: "no .rego files in the policy directory", file: dir }] };
  }
  const modules = collected.modules.map((m) => ({ file: join(dir, m.path), source: m.source }));
  lap("collect");

  let testsPassed = 0;
  if (options.test) {
    const gate = await runTestGate(modules, collected.data, options.testTimeoutMs);
    if (gate.problems.length > 0) {
      const stage = gate.problems.some((p) => p.code.startsWith("test_")) ? "test" : "compile";
      return { ok: false, revision, stage, problems: gate.problems };
    }
    testsPassed = gate.passed;
    lap("test");
  }

  const entrypoints = options.entrypoints.map(entrypointPath);
  let wasm: Uint8Array;
  try {
    wasm = await compile({ modules, entrypoints });
  } catch (e) {
    return { ok: false, revision, stage: "compile", problems: policyProblems(e) };
  }
  lap("compile");
  let loaded: LoadedPolicy;
  try {
    loaded = await loadPolicy(wasm, { ...options.load, data: collected.data });
  } catch (e) {
    return { ok: false, revision, stage: "load", problems: policyProblems(e) };
  }
  lap("load");
  const missing = entrypoints.filter((ep) => !(ep in loaded.entrypoints));
  if (missing.length > 0) {
    return { ok: false, revision, stage: "compile", problems: missing.map((ep) => ({ code: "entrypoint_missing", message: `the policy does not define ${ep}` })) };
  }
  return { ok: true, revision, digest, modules: new Map(entrypoints.map((ep) => [ep, loaded])), testsPassed, timings };
}

/** A PolicyError's compiler errors one by one (with locations), else the error itself. */
export function policyProblems(e: unknown): Problem[] {
  if (e instanceof PolicyError) {
    if (e.errors.length > 0) return e.errors.map((r) => (r.location ? { code: r.code, message: r.message, location: r.location } : { code: r.code, message: r.message }));
    return [e.location ? { code: e.code, message: e.message, location: e.location } : { code: e.code, message: e.message }];
  }
  return [{ code: "internal_error", message: e instanceof Error ? e.message : String(e) }];
}

/** BundleError's message without the `file: ` prefix its constructor adds. */
function messageOf(e: { message: string; file?: string }): string {
  return e.file !== undefined && e.message.startsWith(`${e.file}: `) ? e.message.slice(e.file.length + 2) : e.message;
}
