/**
 * Stage 6: type safety. A masked value must still be a valid value of its column's type,
 * in the text format and in the binary one, so a driver decoding it does not fail:
 *
 * | kind        | redact / partial / last4 | hash              | null | zero |
 * | ----------- | ------------------------ | ----------------- | ---- | ---- |
 * | `text`      | `****` / `****1234`      | hex HMAC          | NULL | `****` |
 * | `number`    | NULL                     | NULL              | NULL | `0`  |
 * | `json`      | every string leaf masked as text, every number and boolean leaf `null` (`0` under `zero`); keys and structure kept | | NULL | |
 * | `boolean`, `date/time`, `bytes`, `other` | NULL | NULL  | NULL | NULL |
 *
 * NULL is valid for every type in both formats, which is why it is the answer wherever
 * no typed replacement is certain to fit (a `numeric(5,2)` cannot hold every hash; a
 * `uuid` cannot hold `****`). In binary format a `text` value is its UTF-8 bytes and a
 * `jsonb` value is a version byte 1 then the JSON text, so the front end encodes these
 * results as it would any other.
 *
 * Scanning (detector and pattern rules) follows the same table: matches inside `text`
 * are replaced in place, inside `json` only string leaves are scanned and replaced, and
 * a match anywhere in a `number` or `other` value (a card number stored as `bigint`, an
 * address in an `inet`) makes the whole value NULL. `boolean`, `date/time` and `bytes`
 * values are not scanned.
 */
import { isLosslessNumber, parse as parseLossless, stringify as stringifyLossless } from "lossless-json";
import { maskString, type Hasher } from "./methods.js";
import type { ScanRule } from "./rules.js";
import { anyMatch, maskText } from "./scan.js";
import type { ColumnKind, Method } from "./types.js";

/** A column rule's effect on one non-NULL value of a column of `kind`. */
export function maskValue(value: string, rule: { method: Method }, kind: ColumnKind, hash: Hasher): string | null {
  const method = rule.method;
  if (method.kind === "null") return null;
  switch (kind) {
    case "text":
      return maskString(value, method, hash);
    case "number":
      return method.kind === "zero" ? "0" : null;
    case "json":
      return maskJson(value, (s) => maskString(s, method, hash), method.kind === "zero" ? 0 : null);
    default:
      return null;
  }
}

/** The scan rules' effect on one non-NULL value of a column of `kind`. */
export function scanValue(value: string, rules: readonly ScanRule[], kind: ColumnKind, hash: Hasher): string | null {
  switch (kind) {
    case "text":
      return maskText(value, rules, hash);
    case "json":
      // JSON without escapes shows its string leaves verbatim, so no match in the raw text
      // means none in any leaf; with escapes (`\u0040` is `@`) the leaves must be decoded.
      if (value.indexOf("\\") < 0 && !anyMatch(value, rules)) return value;
      return maskJson(value, (s) => maskText(s, rules, hash), undefined);
    case "number":
    case "other":
      return anyMatch(value, rules) ? null : value;
    default:
      return value;
  }
}

/** Kinds whose values scan rules look at. */
export function scannable(kind: ColumnKind): boolean {
  return kind === "text" || kind === "json" || kind === "number" || kind === "other";
}

/**
 * `value` (JSON text) with `onString` applied to every string leaf (a `null` result is a
 * JSON null) and, unless `scalar` is `undefined`, every number and boolean leaf replaced
 * by `scalar`. Text that is not JSON becomes NULL: it cannot be masked leaf by leaf, and
 * passing it on would leak it.
 */
function maskJson(value: string, onString: (s: string) => string | null, scalar: number | null | undefined): string | null {
  let parsed: unknown;
  try {
    parsed = parseLossless(value); // exact numbers: a leaf passed through keeps every digit
  } catch {
    return null;
  }
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return onString(v);
    if (isLosslessNumber(v) || typeof v === "boolean") return scalar === undefined ? v : scalar;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>; // a "__proto__" key stays a key
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return stringifyLossless(walk(parsed)) ?? null;
}
