/**
 * Stage 1 of a decision-log line: removing (`erase`) and masking (`mask`) fields of the
 * input and the result before anything is written, as OPA's `data.system.log.mask` does.
 *
 * Semantics, following OPA's decision-log masking:
 *  - paths are JSON-pointer-like, rooted at `/input` or `/result` (`/input/request/params`);
 *    `~1` stands for `/` and `~0` for `~` inside a key;
 *  - a path that does not exist in the event is skipped and not listed; a path that
 *    crosses a non-object (an array, a string) does not exist: like OPA, only object keys
 *    are addressed;
 *  - an erased path is removed (`/input` removes the whole input) and listed in `erased`;
 *    a masked path keeps its key with a replacement value (OPA's `upsert`) and is listed in
 *    `masked`; erasing runs first, then masking, each in configuration order;
 *  - the replacement is a fixed marker, or `hmac-sha256:<hex>` of the value's canonical
 *    JSON (sorted keys, exact numbers) under a configured key, so equal values can still
 *    be correlated across lines without being revealed.
 * The caller's input and result are never mutated: objects are copied along each path.
 */
import { createHmac } from "node:crypto";
import { fromJSON, stringifyJSON } from "../values/index.js";

/** How a masked value is replaced. */
export type MaskMethod = "marker" | "hmac";

export interface MaskConfig {
  /** Paths removed from the line. */
  erase?: string[];
  /** Paths whose value is replaced; a bare string uses `defaultMethod`. */
  mask?: (string | { path: string; method?: MaskMethod })[];
  /** Default `marker`. */
  defaultMethod?: MaskMethod;
  /** Replacement for the `marker` method. Default `"**MASKED**"`. */
  marker?: unknown;
  /** Key of the `hmac` method (required when any path uses it). */
  hmacKey?: string | Uint8Array;
}

/** A validated path: which top-level field, then the keys below it. */
export interface MaskPath {
  text: string;
  root: "input" | "result";
  keys: string[];
}

/** A validated configuration, ready to apply to any number of events. */
export interface CompiledMask {
  erase: MaskPath[];
  mask: { path: MaskPath; method: MaskMethod }[];
  marker: unknown;
  hmacKey?: Uint8Array;
}

export const DEFAULT_MARKER = "**MASKED**";

export function parseMaskPath(text: string): MaskPath | string {
  if (!text.startsWith("/")) return `mask path ${JSON.stringify(text)} must start with /input or /result`;
  const parts = text.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const root = parts[0];
  if (root !== "input" && root !== "result") return `mask path ${JSON.stringify(text)} must start with /input or /result`;
  if (parts.slice(1).some((k) => k === "")) return `mask path ${JSON.stringify(text)} has an empty segment`;
  return { text, root, keys: parts.slice(1) };
}

/** Validates a configuration; every problem is reported, none thrown. */
export function compileMask(config: MaskConfig): { mask: CompiledMask; errors: string[] } {
  const errors: string[] = [];
  const erase: MaskPath[] = [];
  for (const p of config.erase ?? []) {
    const parsed = parseMaskPath(p);
    if (typeof parsed === "string") errors.push(parsed);
    else erase.push(parsed);
  }
  const mask: CompiledMask["mask"] = [];
  for (const m of config.mask ?? []) {
    const spec = typeof m === "string" ? { path: m } : m;
    const method = spec.method ?? config.defaultMethod ?? "marker";
    if (method !== "marker" && method !== "hmac") {
      errors.push(`mask method ${JSON.stringify(method)} for ${spec.path} is not marker or hmac`);
      continue;
    }
    const parsed = parseMaskPath(spec.path);
    if (typeof parsed === "string") errors.push(parsed);
    else mask.push({ path: parsed, method });
  }
  const compiled: CompiledMask = { erase, mask, marker: config.marker ?? DEFAULT_MARKER };
  if (config.hmacKey !== undefined) {
    compiled.hmacKey = typeof config.hmacKey === "string" ? new TextEncoder().encode(config.hmacKey) : config.hmacKey;
    if (compiled.hmacKey.length === 0) errors.push("the HMAC mask key is empty");
  } else if (mask.some((m) => m.method === "hmac")) {
    errors.push("mask method hmac needs hmacKey");
  }
  return { mask: compiled, errors };
}

/** The event fields masking works on; absent fields stay absent. */
export interface Maskable {
  input?: unknown;
  result?: unknown;
}

export interface Masked extends Maskable {
  erased: string[];
  masked: string[];
}

export function applyMask(event: Maskable, mask: CompiledMask): Masked {
  const doc: Record<"input" | "result", unknown> = { input: event.input, result: event.result };
  const erased: string[] = [];
  const masked: string[] = [];
  for (const p of mask.erase) {
    if (!exists(doc[p.root], p.keys)) continue;
    doc[p.root] = p.keys.length === 0 ? undefined : update(doc[p.root], p.keys, undefined);
    erased.push(p.text);
  }
  for (const { path: p, method } of mask.mask) {
    if (!exists(doc[p.root], p.keys)) continue;
    const replace = (v: unknown) => (method === "hmac" ? hmacOf(v, mask.hmacKey!) : mask.marker);
    doc[p.root] = p.keys.length === 0 ? replace(doc[p.root]) : update(doc[p.root], p.keys, replace);
    masked.push(p.text);
  }
  const out: Masked = { erased, masked };
  if (doc.input !== undefined) out.input = doc.input;
  if (doc.result !== undefined) out.result = doc.result;
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function exists(root: unknown, keys: string[]): boolean {
  if (root === undefined) return false;
  let node: unknown = root;
  for (const k of keys) {
    if (!isObject(node) || !Object.hasOwn(node, k)) return false;
    node = node[k];
  }
  return true;
}

/** A copy of `node` with the value at `keys` replaced (`fn`) or removed (no `fn`). */
function update(node: unknown, keys: string[], fn: ((v: unknown) => unknown) | undefined): unknown {
  const obj = node as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  // defineProperty, not assignment: a `__proto__` key from JSON input is data, not a prototype
  const set = (k: string, value: unknown) => Object.defineProperty(copy, k, { value, enumerable: true, writable: true, configurable: true });
  for (const k of Object.keys(obj)) set(k, obj[k]);
  const [key, ...rest] = keys as [string, ...string[]];
  if (rest.length > 0) set(key, update(obj[key], rest, fn));
  else if (fn) set(key, fn(obj[key]));
  else delete copy[key];
  return copy;
}

/** `hmac-sha256:<hex>` over the canonical JSON text of `value`. */
export function hmacOf(value: unknown, key: Uint8Array): string {
  let text: string;
  try {
    text = stringifyJSON(fromJSON(value));
  } catch {
    text = String(value);
  }
  return `hmac-sha256:${createHmac("sha256", key).update(text).digest("hex")}`;
}
