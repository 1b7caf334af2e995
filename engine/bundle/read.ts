/**
 * Stage 5: reading and verifying. Accepts bundles written by `writeBundle` and by
 * `opa build` (`-t wasm` or `-t rego`).
 *
 * Verification follows OPA's bundle reader:
 *  - a key is configured and there is no `.signatures.json` → `bundle_unsigned`
 *    (OPA refuses only when its key config names a key id; we always refuse: a configured
 *    key means "only signed bundles");
 *  - the bundle is signed and no key is configured → `bundle_key_missing`, exactly as OPA
 *    ("verification key not provided") unless `skipVerification` (OPA's `--skip-verify`);
 *  - the JWS must verify (one token, the configured algorithm, matching scope);
 *  - every file except `.signatures.json` must be listed with a matching digest unless
 *    excluded, and every listed file must be present → otherwise `bundle_file_mismatch`
 *    naming the file.
 * Unsigned bundles without a configured key load with `signed: false`.
 */

import { BundleError } from "./errors.js";
import { hashBundleFile } from "./hash.js";
import { parseManifest, validateManifest, type Manifest } from "./manifest.js";
import { verifySignaturesFile, type FileInfo, type VerificationConfig } from "./sign.js";
import { DEFAULT_MAX_BYTES, readTarGz } from "./tar.js";
import { dataKeyForFile, mergeData, type DataSource, type JsonObject } from "./data.js";
import { parseDataFile, type ModuleFile } from "./collect.js";

export interface ReadBundleOptions {
  verification?: VerificationConfig;
  /** Load signed bundles without checking signatures (OPA's `--skip-verify`). */
  skipVerification?: boolean;
  /** Cap on the uncompressed size; default 1 GiB like OPA. */
  maxBytes?: number;
}

/** One compiled entrypoint: the Wasm module that serves it. */
export interface WasmEntrypoint {
  /** Slash path as in the manifest, e.g. `portcullis/decision`. */
  entrypoint: string;
  module: Uint8Array;
}

export interface Bundle {
  manifest: Manifest;
  /** Paths without the leading slash, in archive order. */
  modules: ModuleFile[];
  data: JsonObject;
  /** One per manifest `wasm` entry, in manifest order. */
  wasm: WasmEntrypoint[];
  /** Parsed `/plan.json`, when present. */
  plan?: unknown;
  /** True when a signature was verified. */
  signed: boolean;
}

const SIGNATURES = ".signatures.json";
const dec = new TextDecoder();

export async function readBundle(bytes: Uint8Array, options: ReadBundleOptions = {}): Promise<Bundle> {
  const files = new Map<string, Uint8Array>();
  for (const entry of readTarGz(bytes, options.maxBytes ?? DEFAULT_MAX_BYTES)) {
    const path = normalisePath(entry.name);
    if (files.has(path)) throw new BundleError("bundle_corrupt", "file appears twice in the archive", path);
    files.set(path, entry.data);
  }

  const signed = await verify(files, options);

  const modules: ModuleFile[] = [];
  const wasmFiles = new Map<string, Uint8Array>();
  const sources: DataSource[] = [];
  let manifest: Manifest = { revision: "", roots: [""] };
  let plan: unknown;
  for (const [path, data] of files) {
    const base = path.slice(path.lastIndexOf("/") + 1);
    if (path === SIGNATURES) continue;
    if (path.endsWith(".rego")) {
      modules.push({ path, source: dec.decode(data) });
    } else if (base === "policy.wasm") {
      wasmFiles.set("/" + path, data);
    } else if (path === "plan.json") {
      try {
        plan = JSON.parse(dec.decode(data));
      } catch (e) {
        throw new BundleError("bundle_corrupt", `plan is not JSON: ${(e as Error).message}`, path);
      }
    } else if (base === "data.json" || base === "data.yaml" || base === "data.yml") {
      const value = parseDataFile(path, dec.decode(data));
      if (value instanceof BundleError) throw value;
      sources.push({ file: path, key: dataKeyForFile(path), value });
    } else if (path === ".manifest") {
      manifest = parseManifest(data);
    }
  }
  const merged = mergeData(sources);
  if (merged.errors.length) throw merged.errors[0]!;
  validateManifest(manifest, { modules, wasmFiles: new Set(wasmFiles.keys()), data: merged.data });

  const wasm = (manifest.wasm ?? []).map((w) => ({ entrypoint: w.entrypoint, module: wasmFiles.get(w.module)! }));
  const bundle: Bundle = { manifest, modules, data: merged.data, wasm, signed };
  if (plan !== undefined) bundle.plan = plan;
  return bundle;
}

/** Checks signatures per OPA's rules (see the file comment); true when verified. */
async function verify(files: ReadonlyMap<string, Uint8Array>, options: ReadBundleOptions): Promise<boolean> {
  const sigFile = files.get(SIGNATURES);
  const config = options.verification;
  if (options.skipVerification) return false;
  if (!sigFile) {
    if (config) throw new BundleError("bundle_unsigned", "a verification key is configured but the bundle has no .signatures.json");
    return false;
  }
  if (!config) {
    throw new BundleError("bundle_key_missing", "bundle is signed but no verification key is configured (use skipVerification to load it unverified)", SIGNATURES);
  }
  const payload = await verifySignaturesFile(sigFile, config);
  const expected = new Map<string, FileInfo>();
  for (const f of payload.files) expected.set(f.name.replace(/^\/+/, ""), f);
  for (const [path, data] of files) {
    if (path === SIGNATURES) continue;
    if (config.exclude?.some((g) => globMatch(g, path))) {
      expected.delete(path);
      continue;
    }
    const want = expected.get(path);
    if (!want) throw new BundleError("bundle_file_mismatch", "file not included in bundle signature", path);
    if (!want.algorithm) throw new BundleError("bundle_file_mismatch", "no hashing algorithm provided", path);
    const got = hashBundleFile(path, data, want.algorithm);
    if (got !== want.hash.toLowerCase()) {
      throw new BundleError("bundle_file_mismatch", `digest mismatch (want: ${want.hash}, got: ${got})`, path);
    }
    expected.delete(path);
  }
  const missing = [...expected.keys()];
  if (missing.length) {
    throw new BundleError("bundle_file_mismatch", `specified in bundle signature but not found in the bundle (all missing: ${missing.join(", ")})`, missing[0]);
  }
  return true;
}

/** Archive names to bundle paths: no leading `/` or `./`; `..` and empty names are refused. */
function normalisePath(name: string): string {
  const segs = name.replace(/\\/g, "/").split("/").filter((s) => s !== "" && s !== ".");
  if (segs.length === 0 || segs.includes("..")) throw new BundleError("bundle_corrupt", `unsafe path in archive: ${JSON.stringify(name)}`);
  return segs.join("/");
}

/** Go's `filepath.Match` subset: `*` and `?` within a segment, `[...]` classes, `\` escapes. */
export function globMatch(pattern: string, path: string): boolean {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "\\" && i + 1 < pattern.length) re += "\\" + pattern[++i];
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 1);
      if (close < 0) return false;
      re += "[" + pattern.slice(i + 1, close).replace(/^\^/, "^").replace(/\\/g, "\\\\") + "]";
      i = close;
    } else re += c.replace(/[.+^${}()|]/g, "\\$&");
  }
  try {
    return new RegExp(re + "$").test(path);
  } catch {
    return false;
  }
}
