/**
 * Stage 7: the per-result masker. Built once per result description (a PostgreSQL
 * RowDescription, a MySQL column-definition set) from the compiled rules, it decides per
 * column, ahead of any row, what happens to that column's values:
 *  - `pass`: no rule applies; the value is copied;
 *  - `column`: a column rule applies; every non-NULL value is replaced (kinds.ts);
 *  - `scan`: detector/pattern rules apply and the kind is scannable; values are scanned.
 * A column rule wins over scanning (the whole value is already hidden).
 *
 * Which column rule applies to a column (names compared case-insensitively):
 *  - the column has a `qualifiedName` (`schema.table.column`): a rule naming exactly that,
 *    or a rule with a bare name equal to its last segment;
 *  - it has none (a computed column, `lower(email) AS email`): a rule whose last segment
 *    equals the output name, so renaming a masked column through an expression does not
 *    unmask it (detectors still scan it too when it is text).
 * Several rules on one column: the strongest method wins (null > redact > hash > partial).
 */
import { cached, maskString, REDACTED, strength } from "./methods.js";
import { maskValue, scannable, scanValue } from "./kinds.js";
import { profileBytes, punctBits, satisfies } from "./prefilter.js";
import type { ColumnRule, CompiledMaskRules } from "./rules.js";
import type { ColumnInfo, ColumnKind, Method } from "./types.js";

export type ColumnAction = "pass" | "column" | "scan";

export interface Masker {
  readonly columns: readonly ColumnInfo[];
  /** Per column, what is done to its values. */
  readonly actions: readonly ColumnAction[];
  /** False when every column passes: the front end may forward rows without decoding them. */
  readonly active: boolean;
  /** Per column, how many values were masked so far (for the recording). */
  readonly counts: Uint32Array;
  /** The masked copy of one row (`null` is SQL NULL). The input is not modified. */
  maskRow(values: readonly (string | null)[]): (string | null)[];
  /** One field, for front ends that rewrite a row field by field. */
  maskField(column: number, value: string | null): string | null;
  /**
   * Whether the non-NULL value whose text-format UTF-8 bytes are `bytes[start, end)` may
   * come out of `maskField` changed. `false` is certain (no column rule, and no scan rule
   * can match: prefilter.ts), so the front end may copy those bytes without decoding
   * them, and forward a row with no such field as it came. Cheap: one pass, no allocation.
   */
  maskNeeded(column: number, bytes: Uint8Array, start: number, end: number): boolean;
  /** `counts` keyed by column (qualified name when known), only columns with masked values. */
  maskedByColumn(): Record<string, number>;
}

const PASS = 0, COLUMN = 1, SCAN = 2;

export function createMasker(rules: CompiledMaskRules, columns: readonly ColumnInfo[]): Masker {
  const n = columns.length;
  const action = new Uint8Array(n);
  const methods: (Method | undefined)[] = new Array(n).fill(undefined);
  const scanRules = rules.scanRules;
  const hash = rules.hash;
  const counts = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const method = columnMethod(rules.columnRules, columns[i]!);
    if (method) {
      action[i] = COLUMN;
      methods[i] = method;
    } else if (scanRules.length > 0 && scannable(columns[i]!.kind)) action[i] = SCAN;
  }
  const kinds = columns.map((c) => c.kind);
  const fns = columns.map((c, i) => columnFunction(action[i]!, methods[i], c.kind, rules));
  // A scan column's bytes can skip decoding only when no rule could match them; JSON
  // with a backslash escape may spell a character (`\u0040`) its bytes do not show.
  const scanNeeds = scanRules.map((r) => r.detector.needs);
  const backslash = punctBits("\\");

  const maskField = (i: number, value: string | null): string | null => {
    if (value === null) return null;
    if (action[i] === PASS) return value;
    const out = fns[i]!(value);
    if (out !== value) counts[i]!++;
    return out;
  };

  const maskNeeded = (i: number, bytes: Uint8Array, start: number, end: number): boolean => {
    const a = action[i];
    if (a !== SCAN) return a === COLUMN;
    const p = profileBytes(bytes, start, end);
    if (kinds[i] === "json" && (p.punct & backslash) !== 0) return true;
    for (const needs of scanNeeds) if (needs === undefined || satisfies(p, needs)) return true;
    return false;
  };

  return {
    columns,
    actions: Array.from(action, (a) => (a === PASS ? "pass" : a === COLUMN ? "column" : "scan")),
    active: action.some((a) => a !== PASS),
    counts,
    maskField,
    maskNeeded,
    maskRow(values) {
      const out: (string | null)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i] ?? null;
        if (action[i] === PASS || v === null) out[i] = v;
        else {
          const m = fns[i]!(v);
          if (m !== v) counts[i]!++;
          out[i] = m;
        }
      }
      return out;
    },
    maskedByColumn() {
      const byColumn: Record<string, number> = {};
      for (let i = 0; i < n; i++) {
        if (counts[i] === 0) continue;
        const key = columns[i]!.qualifiedName ?? columns[i]!.name;
        byColumn[key] = (byColumn[key] ?? 0) + counts[i]!;
      }
      return byColumn;
    },
  };
}

/** Distinct values remembered per hashed column (twice this at most: methods.ts `cached`). */
const COLUMN_HASH_CACHE = 16384;

/**
 * What a column does to one non-NULL value, decided once per column. The common column
 * rules on text get direct paths (a constant for `redact`; a per-column cache in front
 * of `hash`, so a column's repeated values stay cached however many distinct values
 * other columns or free text pass through the shared hasher); everything else goes
 * through kinds.ts as the general path.
 */
function columnFunction(a: number, method: Method | undefined, kind: ColumnKind, rules: CompiledMaskRules): (value: string) => string | null {
  const hash = rules.hash;
  if (a === SCAN) {
    const scanRules = rules.scanRules;
    return (value) => scanValue(value, scanRules, kind, hash);
  }
  if (a !== COLUMN || method === undefined) return (value) => value;
  if (kind === "text") {
    if (method.kind === "redact" || method.kind === "zero") return () => REDACTED;
    if (method.kind === "hash") {
      const hmac = rules.hmac ?? hash;
      return cached((value) => maskString(value, method, hmac)!, COLUMN_HASH_CACHE);
    }
  }
  const rule = { method };
  return (value) => maskValue(value, rule, kind, hash);
}

const lastSegment = (name: string): string => name.slice(name.lastIndexOf(".") + 1);

/** The method of the strongest column rule that applies to `column`, if any. */
export function columnMethod(rules: readonly ColumnRule[], column: ColumnInfo): Method | undefined {
  const qualified = column.qualifiedName?.toLowerCase();
  const name = column.name.toLowerCase();
  let best: Method | undefined;
  for (const rule of rules) {
    const applies = qualified !== undefined
      ? rule.column === qualified || (!rule.column.includes(".") && rule.column === lastSegment(qualified))
      : lastSegment(rule.column) === name;
    if (applies && (best === undefined || strength(rule.method) > strength(best))) best = rule.method;
  }
  return best;
}
