/**
 * The bundle manifest (`/.manifest`), shaped and validated as OPA's `bundle.Manifest`.
 *
 * Written with Go's field order (`revision`, `roots`, `wasm`, `rego_version`,
 * `file_rego_versions`, `metadata`) and a trailing newline like Go's JSON encoder. `roots`
 * defaults to `[""]` (the whole data tree), as `Manifest.Init` does. Validation mirrors
 * `validateAndInjectDefaults`: roots must not overlap; Rego packages, wasm entrypoints and
 * data must lie under a root; each wasm entry names a module file present in the bundle and
 * an entrypoint used once.
 */

import { BundleError } from "./errors.js";
import { isObject, type JsonObject } from "./data.js";

/** Maps one entrypoint (slash path, e.g. `portcullis/decision`) to a Wasm module file. */
export interface WasmResolver {
  entrypoint: string;
  /** Bundle path with a leading slash, e.g. `/policy.wasm`. */
  module: string;
  annotations?: unknown[];
}

export interface Manifest {
  revision: string;
  roots: string[];
  wasm?: WasmResolver[];
  rego_version?: number;
  file_rego_versions?: Record<string, number>;
  metadata?: Record<string, unknown>;
}

/** `data.a.b` or `a.b` or `a/b` → `a/b` (simple refs only; brackets with strings allowed). */
export function entrypointPath(ep: string): string {
  const trimmed = ep.trim();
  if (trimmed.includes("/") || !trimmed.includes(".")) return trimmed.replace(/^\/+|\/+$/g, "");
  return packagePath(trimmed.replace(/^data\./, ""));
}

/** A Rego ref text (`a.b["c-d"]`) to slash form (`a/b/c-d`). */
export function packagePath(ref: string): string {
  const parts: string[] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\./g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(ref)) !== null) {
    if (m[1] !== undefined) parts.push(m[1]);
    else if (m[2] !== undefined) parts.push(JSON.parse(`"${m[2]}"`) as string);
  }
  if (parts[0] === "data" && ref.startsWith("data")) parts.shift();
  return parts.join("/");
}

/** The package of a Rego source as a slash path, or null when none is found. */
export function modulePackagePath(source: string): string | null {
  for (const raw of source.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    const m = /^package\s+(.+)$/.exec(line);
    return m ? packagePath(m[1]!.trim()) : null;
  }
  return null;
}

/** Serialises in Go's field order; absent optional fields are omitted as `omitempty` does. */
export function manifestText(m: Manifest): string {
  const out: Record<string, unknown> = { revision: m.revision, roots: m.roots };
  if (m.wasm && m.wasm.length) {
    out.wasm = m.wasm.map((w) => (w.annotations?.length ? { entrypoint: w.entrypoint, module: w.module, annotations: w.annotations } : { entrypoint: w.entrypoint, module: w.module }));
  }
  if (m.rego_version !== undefined) out.rego_version = m.rego_version;
  if (m.file_rego_versions && Object.keys(m.file_rego_versions).length) out.file_rego_versions = m.file_rego_versions;
  if (m.metadata && Object.keys(m.metadata).length) out.metadata = m.metadata;
  return JSON.stringify(out) + "\n";
}

/** Parses and type-checks `.manifest`, injecting OPA's defaults. */
export function parseManifest(bytes: Uint8Array): Manifest {
  const bad = (msg: string): BundleError => new BundleError("bundle_manifest_invalid", msg, ".manifest");
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw bad(`not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(raw)) throw bad("must be a JSON object");
  const m: Manifest = { revision: "", roots: [""] };
  if (raw.revision !== undefined && raw.revision !== null) {
    if (typeof raw.revision !== "string") throw bad("revision must be a string");
    m.revision = raw.revision;
  }
  if (raw.roots !== undefined && raw.roots !== null) {
    if (!Array.isArray(raw.roots) || !raw.roots.every((r) => typeof r === "string")) throw bad("roots must be a list of strings");
    m.roots = raw.roots as string[];
  }
  if (raw.wasm !== undefined && raw.wasm !== null) {
    if (!Array.isArray(raw.wasm)) throw bad("wasm must be a list");
    m.wasm = raw.wasm.map((w) => {
      if (!isObject(w)) throw bad("wasm entries must be objects");
      const entrypoint = w.entrypoint ?? "";
      const module = w.module ?? "";
      if (typeof entrypoint !== "string" || typeof module !== "string") throw bad("wasm entrypoint and module must be strings");
      const r: WasmResolver = { entrypoint, module };
      if (Array.isArray(w.annotations)) r.annotations = w.annotations;
      return r;
    });
  }
  if (raw.rego_version !== undefined && raw.rego_version !== null) {
    if (raw.rego_version !== 0 && raw.rego_version !== 1) throw bad(`unknown rego_version ${JSON.stringify(raw.rego_version)}`);
    m.rego_version = raw.rego_version;
  }
  if (raw.file_rego_versions !== undefined && raw.file_rego_versions !== null) {
    if (!isObject(raw.file_rego_versions) || !Object.values(raw.file_rego_versions).every((v) => v === 0 || v === 1)) {
      throw bad("file_rego_versions must map paths to 0 or 1");
    }
    m.file_rego_versions = raw.file_rego_versions as Record<string, number>;
  }
  if (raw.metadata !== undefined && raw.metadata !== null) {
    if (!isObject(raw.metadata)) throw bad("metadata must be an object");
    m.metadata = raw.metadata;
  }
  return m;
}

/** What validation needs to know about the rest of the bundle. */
export interface ManifestSubject {
  modules: readonly { path: string; source: string }[];
  /** Paths of Wasm module files present, with a leading slash (`/policy.wasm`). */
  wasmFiles: ReadonlySet<string>;
  data: JsonObject;
}

/** Normalises roots (no leading/trailing slash) in place and checks OPA's rules. */
export function validateManifest(m: Manifest, subject: ManifestSubject): void {
  const bad = (msg: string, file = ".manifest"): BundleError => new BundleError("bundle_manifest_invalid", msg, file);
  m.roots = m.roots.map((r) => r.replace(/^\/+|\/+$/g, ""));
  const roots = m.roots;
  for (let i = 0; i < roots.length; i++) {
    for (let j = i + 1; j < roots.length; j++) {
      if (rootPathsOverlap(roots[i]!, roots[j]!)) throw bad(`manifest has overlapped roots: '${roots[i]}' and '${roots[j]}'`);
    }
  }
  for (const mod of subject.modules) {
    const pkg = modulePackagePath(mod.source);
    if (pkg === null || !rootPathsContain(roots, pkg)) {
      throw bad(`manifest roots ${JSON.stringify(roots)} do not permit package '${pkg ?? "?"}'`, mod.path);
    }
  }
  const seen = new Set<string>();
  for (const w of m.wasm ?? []) {
    if (!subject.wasmFiles.has(w.module)) throw bad(`manifest references wasm module '${w.module}' but the module file does not exist`);
    if (!rootPathsContain(roots, w.entrypoint)) {
      throw bad(`manifest roots ${JSON.stringify(roots)} do not permit '${w.entrypoint}' entrypoint for wasm module '${w.module}'`);
    }
    if (seen.has(w.entrypoint)) throw bad(`entrypoint '${w.entrypoint}' cannot be used by more than one wasm module`);
    seen.add(w.entrypoint);
  }
  checkDataUnderRoots(subject.data, [], roots, bad);
}

function checkDataUnderRoots(node: unknown, path: string[], roots: readonly string[], bad: (msg: string, file?: string) => BundleError): void {
  if (rootPathsContain(roots, path.join("/"))) return;
  // Still above a root: an object may lead into one; anything else is outside every root.
  if (isObject(node) && roots.some((r) => rootContains(path, r.split("/")))) {
    for (const [k, v] of Object.entries(node)) checkDataUnderRoots(v, [...path, k], roots, bad);
    return;
  }
  throw bad(`manifest roots ${JSON.stringify(roots)} do not permit data at path '/${path.join("/")}'`);
}

export function rootPathsOverlap(a: string, b: string): boolean {
  const sa = a.split("/");
  const sb = b.split("/");
  return rootContains(sa, sb) || rootContains(sb, sa);
}

export function rootPathsContain(roots: readonly string[], path: string): boolean {
  const segs = path.split("/");
  return roots.some((r) => rootContains(r.split("/"), segs));
}

/** Is `other` at or below `root`? The root `""` contains everything. */
function rootContains(root: readonly string[], other: readonly string[]): boolean {
  if (root.length === 1 && root[0] === "") return true;
  if (root.length > other.length) return false;
  return root.every((seg, i) => seg === other[i]);
}
