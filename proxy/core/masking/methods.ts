/**
 * Stage 1: a rule's `method`, parsed once, and what it does to a piece of text.
 *
 * | method        | text result                                                        |
 * | ------------- | ------------------------------------------------------------------ |
 * | `redact`      | `****` (fixed, so the length of the value is not revealed)         |
 * | `partial[:N]` | the last N (default 4) maskable characters kept, the others `*`;   |
 * |               | separators (ASCII punctuation and spaces) stay in place, and never |
 * |               | more than half of the maskable characters are revealed             |
 * | `last4`       | `partial:4` (policies/README.md: "keep the last four characters")  |
 * | `hash[:N]`    | HMAC-SHA-256 under the gateway key, lower-case hex, optionally cut |
 * |               | to its first N hex characters (8..64): equal inputs give equal     |
 * |               | outputs, so joins and group-bys on masked values still work        |
 * | `null`        | NULL (inside free text or JSON: see kinds.ts and scan.ts)          |
 * | `zero`        | numbers become `0`; everything else as `redact`                    |
 *
 * `partial` keeps separators so that a masked card still reads `**** **** **** 1111`, and
 * counts `*` as maskable so that masking a masked value again changes nothing.
 */
import { hmacSha256Hex } from "./hmac.js";
import type { Method } from "./types.js";

export const REDACTED = "****";

/** Parses `name[:arg]`; a string is the reason it is not a method. */
export function parseMethod(text: string): Method | string {
  const colon = text.indexOf(":");
  const name = (colon < 0 ? text : text.slice(0, colon)).trim().toLowerCase();
  const arg = colon < 0 ? undefined : text.slice(colon + 1).trim();
  const integer = (min: number, max: number): number | string => {
    if (arg === undefined) return Number.NaN;
    if (!/^\d+$/.test(arg)) return `method ${JSON.stringify(text)}: ${JSON.stringify(arg)} is not a whole number`;
    const n = Number(arg);
    return n < min || n > max ? `method ${JSON.stringify(text)}: ${n} is outside ${min}..${max}` : n;
  };
  const noArg = (m: Method): Method | string => (arg === undefined ? m : `method ${JSON.stringify(name)} takes no argument`);
  switch (name) {
    case "redact":
      return noArg({ kind: "redact" });
    case "null":
      return noArg({ kind: "null" });
    case "zero":
      return noArg({ kind: "zero" });
    case "last4":
      return noArg({ kind: "partial", keep: 4 });
    case "partial": {
      const n = integer(0, 64);
      if (typeof n === "string") return n;
      return { kind: "partial", keep: Number.isNaN(n) ? 4 : n };
    }
    case "hash": {
      const n = integer(8, 64);
      if (typeof n === "string") return n;
      return { kind: "hash", hexChars: Number.isNaN(n) ? 64 : n };
    }
    default:
      return `unknown method ${JSON.stringify(text)} (known: redact, partial[:N], last4, hash[:N], null, zero)`;
  }
}

/**
 * How strongly a method hides a value, for choosing between two rules on the same
 * column: the stronger one wins (fail closed).
 */
export function strength(m: Method): number {
  switch (m.kind) {
    case "null":
      return 5;
    case "redact":
    case "zero":
      return 4;
    case "hash":
      return 3;
    case "partial":
      return 2 - m.keep / 100;
  }
}

/** Keyed hashing; `hash(value)` is lower-case hex of HMAC-SHA-256. */
export type Hasher = (value: string) => string;

/**
 * A hasher under `key`. Results are cached (bounded) because masked columns repeat
 * values (the same customer on many orders), and an HMAC costs far more than a map
 * lookup; the cache lives only as long as the hasher.
 */
export function createHasher(key: string | Uint8Array, cacheSize = 65536): Hasher {
  return cached(createUncachedHasher(key), cacheSize);
}

/** The HMAC alone, for callers that keep their own cache (masker.ts, per column). */
export function createUncachedHasher(key: string | Uint8Array): Hasher {
  return hmacSha256Hex(typeof key === "string" ? Buffer.from(key, "utf8") : key);
}

/**
 * `fn` behind a bounded cache of about `size` entries (at most twice that). Two
 * generations approximate LRU without its bookkeeping on every hit: entries go into the
 * young map; when it is full it becomes the old one (the previous old one is dropped),
 * and a hit in the old map is copied back into the young one, so values in steady use
 * survive every turnover while one-off values age out. `fn` must be deterministic.
 */
export function cached(fn: (value: string) => string, size: number): (value: string) => string {
  let young = new Map<string, string>();
  let old = new Map<string, string>();
  return (value) => {
    let hit = young.get(value);
    if (hit !== undefined) return hit;
    hit = old.get(value);
    if (hit === undefined) hit = fn(value);
    if (young.size >= size) {
      old = young;
      young = new Map();
    }
    young.set(value, hit);
    return hit;
  };
}

/** Letters, digits, `*` and anything outside ASCII are maskable; ASCII punctuation and spaces are separators. */
function isMaskable(code: number): boolean {
  return code >= 0x80 || (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 42;
}

/** `*` runs by length, so a masked prefix is a few concatenations of constants. */
const STARS = Array.from({ length: 65 }, (_, i) => "*".repeat(i));
const stars = (n: number): string => (n < STARS.length ? STARS[n]! : "*".repeat(n));

/**
 * `partial:keep` of `value`. Counts code points (a surrogate pair is one character and
 * is never split: the hidden part's units all become `*`).
 */
export function partial(value: string, keep: number): string {
  let maskable = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isMaskable(c) && !(c >= 0xdc00 && c <= 0xdfff)) maskable++;
  }
  let shown = Math.min(keep, Math.floor(maskable / 2));
  // The boundary: the start of the `shown` last maskable characters.
  let boundary = value.length;
  while (shown > 0 && boundary > 0) {
    const c = value.charCodeAt(--boundary);
    if (!isMaskable(c)) continue;
    if (c >= 0xdc00 && c <= 0xdfff && boundary > 0) {
      const h = value.charCodeAt(boundary - 1);
      if (h >= 0xd800 && h <= 0xdbff) boundary--;
    }
    shown--;
  }
  if (boundary === 0) return value;
  // Before the boundary every maskable unit becomes `*` (both halves of a pair too) and
  // separators stay: runs of stars and single separators, concatenated.
  let out = "";
  let run = 0;
  for (let i = 0; i < boundary; i++) {
    if (isMaskable(value.charCodeAt(i))) run++;
    else {
      if (run > 0) out += stars(run);
      run = 0;
      out += value[i];
    }
  }
  if (run > 0) out += stars(run);
  return out + value.slice(boundary);
}

/**
 * The text a method puts in place of `value`, or `null` for the `null` method (the
 * caller decides what NULL means where the value sits).
 */
export function maskString(value: string, method: Method, hash: Hasher): string | null {
  switch (method.kind) {
    case "redact":
    case "zero":
      return REDACTED;
    case "null":
      return null;
    case "partial":
      return partial(value, method.keep);
    case "hash": {
      const digest = hash(value);
      return method.hexChars >= 64 ? digest : digest.slice(0, method.hexChars);
    }
  }
}
