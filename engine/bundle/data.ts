/**
 * The data document of a bundle, assembled from its data files the way OPA does: a file
 * `a/b/data.json` holds the value of `data.a.b`; objects from different files merge deeply,
 * and two files giving a value to the same place (other than object-into-object) conflict.
 * Shared by `collect.ts` (policy directories) and `read.ts` (bundles with nested data files).
 */

import { BundleError } from "./errors.js";

/** One parsed data file and where its value lands. */
export interface DataSource {
  /** Relative path of the file, `/`-separated, for error messages. */
  file: string;
  /** Path of the value under `data` (the file's directory segments). */
  key: string[];
  value: unknown;
}

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** `a/b/data.json` → `["a", "b"]`; leading `/` and `.` segments are ignored as OPA does. */
export function dataKeyForFile(path: string): string[] {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  parts.pop();
  return parts;
}

/** Merges all sources in order; conflicts are reported naming both files and the path. */
export function mergeData(sources: readonly DataSource[]): { data: JsonObject; errors: BundleError[] } {
  const data: JsonObject = {};
  const errors: BundleError[] = [];
  const accepted: DataSource[] = [];
  for (const src of sources) {
    if (src.key.length === 0 && !isObject(src.value)) {
      errors.push(new BundleError("bundle_data_invalid", "a data file at the bundle root must hold an object", src.file));
      continue;
    }
    const conflict = findConflict(data, src.key, src.value, []);
    if (conflict) {
      const other = accepted.find((a) => hasNode(a, conflict));
      const where = conflict.length ? `data.${conflict.join(".")}` : "data";
      errors.push(
        new BundleError(
          "bundle_data_invalid",
          `conflicting value at ${where}: also defined by ${other?.file ?? "another data file"}`,
          src.file,
        ),
      );
      continue;
    }
    insert(data, src.key, src.value);
    accepted.push(src);
  }
  return { data, errors };
}

/** The first path where inserting `value` at `key` would overwrite a non-object, or null. */
function findConflict(node: JsonObject, key: readonly string[], value: unknown, at: string[]): string[] | null {
  if (key.length > 0) {
    const [head, ...rest] = key as [string, ...string[]];
    if (!Object.hasOwn(node, head)) return null;
    const child = node[head];
    if (!isObject(child)) return [...at, head];
    return findConflict(child, rest, value, [...at, head]);
  }
  if (!isObject(value)) return at.length ? at : [];
  for (const [k, v] of Object.entries(value)) {
    if (!Object.hasOwn(node, k)) continue;
    const existing = node[k];
    if (!isObject(existing) || !isObject(v)) return [...at, k];
    const deeper = findConflict(existing, [], v, [...at, k]);
    if (deeper) return deeper;
  }
  return null;
}

function insert(node: JsonObject, key: readonly string[], value: unknown): void {
  if (key.length === 0) {
    for (const [k, v] of Object.entries(value as JsonObject)) {
      const existing = node[k];
      if (Object.hasOwn(node, k) && isObject(existing) && isObject(v)) insert(existing, [], v);
      else defineKey(node, k, v);
    }
    return;
  }
  const [head, ...rest] = key as [string, ...string[]];
  if (rest.length === 0 && !(Object.hasOwn(node, head) && isObject(node[head]) && isObject(value))) {
    defineKey(node, head, value);
    return;
  }
  if (!Object.hasOwn(node, head)) defineKey(node, head, {});
  const child = node[head] as JsonObject;
  if (rest.length === 0) insert(child, [], value);
  else insert(child, rest, value);
}

/** Plain assignment would treat a data key `__proto__` specially. */
function defineKey(node: JsonObject, k: string, v: unknown): void {
  Object.defineProperty(node, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Does the source's value (placed at its key) have a node at `path` or above/below it? */
function hasNode(src: DataSource, path: readonly string[]): boolean {
  const n = Math.min(src.key.length, path.length);
  for (let i = 0; i < n; i++) if (src.key[i] !== path[i]) return false;
  if (path.length <= src.key.length) return true;
  let v: unknown = src.value;
  for (const seg of path.slice(src.key.length)) {
    if (!isObject(v) || !Object.hasOwn(v, seg)) return false;
    v = v[seg];
  }
  return true;
}

/** Compares strings by UTF-8 bytes (Go's order), not by UTF-16 code units. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
