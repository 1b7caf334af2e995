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
import { strength } from "./methods.js";
import { maskValue, scannable, scanValue } from "./kinds.js";
import type { ColumnRule, CompiledMaskRules } from "./rules.js";
import type { ColumnInfo, Method } from "./types.js";

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

  const maskField = (i: number, value: string | null): string | null => {
    if (value === null) return null;
    const a = action[i];
    if (a === PASS) return value;
    const out = a === COLUMN ? maskValue(value, { method: methods[i]! }, kinds[i]!, hash) : scanValue(value, scanRules, kinds[i]!, hash);
    if (out !== value) counts[i]!++;
    return out;
  };

  return {
    columns,
    actions: Array.from(action, (a) => (a === PASS ? "pass" : a === COLUMN ? "column" : "scan")),
    active: action.some((a) => a !== PASS),
    counts,
    maskField,
    maskRow(values) {
      const out: (string | null)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i] ?? null;
        out[i] = action[i] === PASS || v === null ? v : maskField(i, v);
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
