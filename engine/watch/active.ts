/**
 * Stage 4: a loaded candidate becomes an `ActivePolicy`: immutable (frozen, no `setData`
 * exposed), evaluating to `Decision` values that carry its revision. Swapping policies
 * only ever replaces the watcher's reference, so whoever holds an older `ActivePolicy`
 * keeps deciding on it, unchanged.
 */
import { createHash } from "node:crypto";
import { PolicyError, type LoadedPolicy } from "../policy/index.js";
import { RObject, toJSON } from "../values/index.js";
import type { ActivePolicy, Decision, Problem } from "./types.js";

export interface ActiveSpec {
  revision: string;
  digest: string;
  generation: number;
  source: "directory" | "bundle";
  bundle: string;
  /** Slash path → the loaded module serving it; the first key is the default entrypoint. */
  modules: Map<string, LoadedPolicy>;
  loadedAt?: Date;
}

/** `data.a.b` or `a.b` or `a/b` → `a/b`, the form manifests and decision logs use. */
export function entrypointPath(ep: string): string {
  return ep.replace(/^data\./, "").replace(/\./g, "/").replace(/^\/+/, "");
}

/** SHA-256 over sorted module paths and sources and the data, as the content's identity. */
export function contentDigest(modules: readonly { path: string; source: string }[], data: unknown): string {
  const h = createHash("sha256");
  for (const m of [...modules].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${m.path}\u0000${m.source}\u0000`);
  }
  h.update(JSON.stringify(data) ?? "null");
  return h.digest("hex");
}

export function makeActivePolicy(spec: ActiveSpec): ActivePolicy {
  const entrypoints = Object.freeze([...spec.modules.keys()]);
  const modules = new Map(spec.modules);
  const policy: ActivePolicy = {
    revision: spec.revision,
    digest: spec.digest,
    generation: spec.generation,
    loadedAt: spec.loadedAt ?? new Date(),
    source: spec.source,
    bundle: spec.bundle,
    entrypoints,
    evaluate(input: unknown, entrypoint?: string): Decision {
      const path = entrypoint === undefined ? entrypoints[0]! : entrypointPath(entrypoint);
      const base = { path, revision: spec.revision, generation: spec.generation, bundle: spec.bundle };
      const loaded = modules.get(path);
      if (!loaded) {
        return { ...base, error: { code: "unknown_entrypoint", message: `entrypoint ${path} is not served (have: ${entrypoints.join(", ")})` }, metrics: { timer_rego_query_eval_ns: 0 } };
      }
      const started = process.hrtime.bigint();
      try {
        const rs = loaded.evaluate(input, path);
        const metrics = { timer_rego_query_eval_ns: Number(process.hrtime.bigint() - started) };
        const first = rs[0];
        const value = first instanceof RObject ? first.get("result") : undefined;
        return value === undefined ? { ...base, metrics } : { ...base, result: toJSON(value), metrics };
      } catch (e) {
        const metrics = { timer_rego_query_eval_ns: Number(process.hrtime.bigint() - started) };
        return { ...base, error: evalProblem(e), metrics };
      }
    },
  };
  return Object.freeze(policy);
}

function evalProblem(e: unknown): Problem {
  if (e instanceof PolicyError) {
    const p: Problem = { code: e.code, message: e.message };
    if (e.location) p.location = e.location;
    return p;
  }
  return { code: "eval_error", message: e instanceof Error ? e.message : String(e) };
}
