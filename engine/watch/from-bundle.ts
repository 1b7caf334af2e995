/**
 * Stage 3c: a bundle file → candidate. Read → `readBundle` (signature and file digests
 * checked when a key is configured: an unsigned, tampered or foreign bundle is refused,
 * naming the file that does not match) → optional test gate over the bundle's Rego →
 * load every Wasm module the manifest lists → check the configured entrypoints are served.
 *
 * The gate is off by default here: a bundle is an artefact CI has already tested and
 * signed, and `opa build` bundles need not carry their tests.
 *
 * A bundle overwritten in place may be read half-written; that read fails as
 * `bundle_corrupt`, and the write's next change event triggers another, complete read.
 */
import { readFile } from "node:fs/promises";
import { BundleError, readBundle, type Bundle, type VerificationConfig } from "../bundle/index.js";
import { loadPolicy, type LoadedPolicy, type LoadOptions } from "../policy/index.js";
import { contentDigest, entrypointPath } from "./active.js";
import { policyProblems } from "./from-directory.js";
import { runTestGate } from "./gate.js";
import type { Candidate, StageTimings } from "./types.js";

export interface BundleBuildOptions {
  /** Entrypoints that must be served; empty = every entrypoint of the manifest. */
  entrypoints: string[];
  verification?: VerificationConfig;
  test: boolean;
  testTimeoutMs: number;
  load?: Omit<LoadOptions, "data">;
}

export async function buildFromBundle(file: string, options: BundleBuildOptions): Promise<Candidate<LoadedPolicy>> {
  const started = performance.now();
  const timings: StageTimings = {};
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    return { ok: false, revision: null, stage: "bundle", problems: [{ code: "source_unreadable", message: (e as Error).message, file }] };
  }
  let bundle: Bundle;
  try {
    bundle = await readBundle(bytes, options.verification ? { verification: options.verification } : {});
  } catch (e) {
    if (e instanceof BundleError) {
      const message = e.file !== undefined && e.message.startsWith(`${e.file}: `) ? e.message.slice(e.file.length + 2) : e.message;
      return { ok: false, revision: null, stage: "bundle", problems: [e.file !== undefined ? { code: e.code, message, file: `${file}:/${e.file}` } : { code: e.code, message, file }] };
    }
    return { ok: false, revision: null, stage: "bundle", problems: [{ code: "bundle_corrupt", message: e instanceof Error ? e.message : String(e), file }] };
  }
  timings.collect = Math.round(performance.now() - started);
  const revision = bundle.manifest.revision ?? "";
  const digest = contentDigest(bundle.modules, bundle.data);

  let testsPassed = 0;
  if (options.test) {
    const gate = await runTestGate(bundle.modules.map((m) => ({ file: m.path, source: m.source })), bundle.data, options.testTimeoutMs);
    if (gate.problems.length > 0) {
      const stage = gate.problems.some((p) => p.code.startsWith("test_")) ? "test" : "compile";
      return { ok: false, revision, stage, problems: gate.problems };
    }
    testsPassed = gate.passed;
    timings.test = Math.round(performance.now() - started) - timings.collect;
  }
  const loadStarted = performance.now();

  // writeBundle points every entrypoint at one /policy.wasm: instantiate each module once.
  const byModule = new Map<Uint8Array, LoadedPolicy>();
  const modules = new Map<string, LoadedPolicy>();
  try {
    for (const w of bundle.wasm) {
      let loaded = byModule.get(w.module);
      if (!loaded) {
        loaded = await loadPolicy(w.module, { ...options.load, data: bundle.data });
        byModule.set(w.module, loaded);
      }
      modules.set(entrypointPath(w.entrypoint), loaded);
    }
  } catch (e) {
    return { ok: false, revision, stage: "load", problems: policyProblems(e) };
  }

  timings.load = Math.round(performance.now() - loadStarted);
  const wanted = options.entrypoints.map(entrypointPath);
  const missing = wanted.filter((ep) => !modules.has(ep));
  if (modules.size === 0 || missing.length > 0) {
    const names = missing.length > 0 ? missing : ["(any)"];
    return { ok: false, revision, stage: "bundle", problems: names.map((ep) => ({ code: "entrypoint_missing", message: `the bundle serves no Wasm entrypoint ${ep}`, file })) };
  }
  // configured entrypoints first, so the first configured one is the default
  const ordered = new Map<string, LoadedPolicy>();
  for (const ep of wanted) ordered.set(ep, modules.get(ep)!);
  for (const [ep, m] of modules) if (!ordered.has(ep)) ordered.set(ep, m);
  return { ok: true, revision, digest, modules: ordered, testsPassed, timings };
}
