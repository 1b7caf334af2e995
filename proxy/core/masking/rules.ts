/**
 * Stage 4: a decision's `mask` list, compiled once per decision: methods parsed,
 * detectors resolved, patterns compiled, the hash key bound. Every problem is reported
 * (as `MaskError` values, with the rule's index) so the front end can refuse the request
 * with all reasons at once rather than return data it cannot mask.
 */
import type { MaskRule } from "../contracts.js";
import { resolveDetector } from "./detectors.js";
import { cached, createUncachedHasher, parseMethod, type Hasher } from "./methods.js";

/** Distinct values the shared hasher remembers (twice this at most: methods.ts `cached`). */
const HASH_CACHE_SIZE = 65536;
import { patternDetector } from "./patterns.js";
import { maskError, type Detector, type MaskError, type Method } from "./types.js";

/** A rule on a column by name: `schema.table.column`, or a bare column name (lower case). */
export interface ColumnRule {
  column: string;
  method: Method;
  /** Index in the decision's `mask` list. */
  index: number;
}

/** A rule that scans values: a detector or a pattern, with its method. */
export interface ScanRule {
  detector: Detector;
  method: Method;
  index: number;
}

export interface CompiledMaskRules {
  columnRules: ColumnRule[];
  /** In the decision's order; that order breaks ties between overlapping matches. */
  scanRules: ScanRule[];
  /** The hasher, cached (bounded) across everything masked under these rules. */
  hash: Hasher;
  /** The same HMAC without a cache, for a per-column cache in front of it (masker.ts); absent: use `hash`. */
  hmac?: Hasher;
}

export interface MaskOptions {
  /** The gateway's key for `hash` (HMAC-SHA-256). Required: a hash without a key would be a dictionary lookup away from the value. */
  hashKey: string | Uint8Array;
}

export type CompileResult = { ok: true; rules: CompiledMaskRules } | { ok: false; errors: MaskError[] };

/**
 * Compiles `rules`. An entry with several selectors (`column` and `detector`) is taken
 * as several rules with the same method: masking more is the safe reading.
 */
export function compileMaskRules(rules: readonly MaskRule[], options: MaskOptions): CompileResult {
  const errors: MaskError[] = [];
  const columnRules: ColumnRule[] = [];
  const scanRules: ScanRule[] = [];
  const keyLength = typeof options.hashKey === "string" ? options.hashKey.length : options.hashKey.byteLength;
  rules.forEach((rule, index) => {
    const method = parseMethod(String(rule.method));
    if (typeof method === "string") {
      errors.push(maskError(index, method));
      return;
    }
    if (method.kind === "hash" && keyLength === 0) errors.push(maskError(index, "the hash method needs a gateway hash key, and none is configured"));
    let selectors = 0;
    if (typeof rule.column === "string") {
      selectors++;
      const column = rule.column.trim().toLowerCase();
      if (column === "") errors.push(maskError(index, "empty column name"));
      else columnRules.push({ column, method, index });
    }
    if (typeof rule.detector === "string") {
      selectors++;
      const detectors = resolveDetector(rule.detector);
      if (!detectors) errors.push(maskError(index, `unknown detector ${JSON.stringify(rule.detector)}`));
      else for (const detector of detectors) scanRules.push({ detector, method, index });
    }
    if (typeof rule.pattern === "string") {
      selectors++;
      const detector = patternDetector(rule.pattern);
      if (typeof detector === "string") errors.push(maskError(index, detector));
      else scanRules.push({ detector, method, index });
    }
    if (selectors === 0) errors.push(maskError(index, "a mask rule needs one of column, detector or pattern"));
  });
  if (errors.length > 0) return { ok: false, errors };
  const hmac = createUncachedHasher(options.hashKey);
  return { ok: true, rules: { columnRules, scanRules, hash: cached(hmac, HASH_CACHE_SIZE), hmac } };
}
