/**
 * Stage 4: writing. Lays out a `bundle.tar.gz` as `opa build -t wasm` does:
 *   /data.json, the `.rego` sources at their relative paths, /policy.wasm,
 *   /.signatures.json (when signing), /plan.json (when given), /.manifest
 * and, when signing, hashes every file as OPA does (hash.ts) in OPA's order: modules,
 * data.json, policy.wasm, plan.json, .manifest.
 *
 * Unlike `opa build -t wasm` we do not prune the entrypoint rules out of the Rego sources
 * (that needs the compiler); a runtime loading the Rego as well as the Wasm would then see
 * both. Portcullis evaluates the Wasm only.
 */

import { BundleError } from "./errors.js";
import { hashBundleFile } from "./hash.js";
import { entrypointPath, manifestText, validateManifest, type Manifest } from "./manifest.js";
import { signFiles, signaturesFileText, type FileInfo, type SigningConfig } from "./sign.js";
import { writeTarGz, type TarEntry } from "./tar.js";
import { isObject, type JsonObject } from "./data.js";
import type { ModuleFile } from "./collect.js";

export interface WriteBundleOptions {
  /** Rego sources; `path` is bundle-relative (`authz/sql.rego`), no `..`, no leading slash. */
  modules: readonly ModuleFile[];
  /** The data document (an object); written as `/data.json`. */
  data?: unknown;
  /** Compiled policy (OPA Wasm ABI). */
  wasm: Uint8Array;
  /** Optional IR plan: JSON value, or its text/bytes as-is. Written as `/plan.json`. */
  plan?: unknown;
  /** Entrypoints compiled into the module: `portcullis/decision` or `data.portcullis.decision`. */
  entrypoints: readonly string[];
  /** Usually `gitRevision(dir)`; null/undefined is written as `""`. */
  revision?: string | null;
  /** Defaults to `[""]` (the bundle owns all of `data`). */
  roots?: readonly string[];
  /** Free-form `metadata` of the manifest. */
  metadata?: Record<string, unknown>;
  /** Defaults to 1 (Portcullis compiles Rego v1 only). */
  regoVersion?: 0 | 1;
  signing?: SigningConfig;
}

const enc = new TextEncoder();

export async function writeBundle(opts: WriteBundleOptions): Promise<Uint8Array> {
  const data = opts.data ?? {};
  if (!isObject(data)) throw new BundleError("bundle_invalid_input", "data must be an object");
  const modules = opts.modules.map((m) => ({ path: checkModulePath(m.path), source: m.source }));
  const seen = new Set<string>();
  for (const m of modules) {
    if (seen.has(m.path)) throw new BundleError("bundle_invalid_input", "duplicate module path", m.path);
    seen.add(m.path);
  }

  const manifest: Manifest = {
    revision: opts.revision ?? "",
    roots: [...(opts.roots ?? [""])],
    wasm: opts.entrypoints.map((ep) => ({ entrypoint: entrypointPath(ep), module: "/policy.wasm" })),
    rego_version: opts.regoVersion ?? 1,
  };
  if (opts.metadata) manifest.metadata = opts.metadata;
  validateManifest(manifest, { modules, wasmFiles: new Set(["/policy.wasm"]), data: data as JsonObject });

  const dataBytes = enc.encode(JSON.stringify(data) + "\n");
  const planBytes = opts.plan === undefined ? undefined : planToBytes(opts.plan);
  const manifestBytes = enc.encode(manifestText(manifest));
  const moduleEntries: TarEntry[] = modules.map((m) => ({ name: "/" + m.path, data: enc.encode(m.source) }));

  const entries: TarEntry[] = [{ name: "/data.json", data: dataBytes }, ...moduleEntries, { name: "/policy.wasm", data: opts.wasm }];
  if (opts.signing) {
    const signed: [string, Uint8Array][] = [
      ...moduleEntries.map((e): [string, Uint8Array] => [e.name.slice(1), e.data]),
      ["data.json", dataBytes],
      ["policy.wasm", opts.wasm],
      ...(planBytes ? [["plan.json", planBytes] as [string, Uint8Array]] : []),
      [".manifest", manifestBytes],
    ];
    const files: FileInfo[] = signed.map(([name, bytes]) => ({ name, hash: hashBundleFile(name, bytes), algorithm: "SHA-256" }));
    const token = await signFiles(files, opts.signing);
    entries.push({ name: "/.signatures.json", data: enc.encode(signaturesFileText(token)) });
  }
  if (planBytes) entries.push({ name: "/plan.json", data: planBytes });
  entries.push({ name: "/.manifest", data: manifestBytes });
  return writeTarGz(entries);
}

function planToBytes(plan: unknown): Uint8Array {
  if (plan instanceof Uint8Array) return plan;
  if (typeof plan === "string") return enc.encode(plan);
  return enc.encode(JSON.stringify(plan));
}

function checkModulePath(path: string): string {
  const p = path.replace(/\\/g, "/");
  const segs = p.split("/");
  if (p === "" || p.startsWith("/") || segs.some((s) => s === ".." || s === "." || s === "") || !p.endsWith(".rego")) {
    throw new BundleError("bundle_invalid_input", "module paths must be relative, normalised and end in .rego", path);
  }
  const reserved = new Set(["data.json", "policy.wasm", "plan.json", ".manifest", ".signatures.json"]);
  if (reserved.has(p)) throw new BundleError("bundle_invalid_input", "module path collides with a bundle file", path);
  return p;
}
