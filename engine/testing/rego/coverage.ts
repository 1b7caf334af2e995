/**
 * Coverage, as `opa test --coverage` reports it: per file, which coverable lines were
 * evaluated. Coverable lines are those that start a rule head or a body literal (nested
 * bodies of comprehensions and `every` included), so comments, blank lines and the
 * continuation lines of a long literal never count against a file.
 *
 * A literal's row is covered when any of its statements ran; a head's row when its rule
 * produced a value (or anything on that row ran, as for one-line rules).
 */
import type { Body, Module, Rule, Term, Expr } from "../../rego/index.js";
import type { LineObservations } from "./backend.js";

/** A run of consecutive rows, both ends inclusive. */
export interface LineRange {
  start: number;
  end: number;
}

export interface FileCoverage {
  covered: LineRange[];
  not_covered: LineRange[];
  covered_lines: number;
  not_covered_lines: number;
  /** Percentage, 0–100; 100 for a file with no coverable line. */
  coverage: number;
}

export interface CoverageReport {
  files: Record<string, FileCoverage>;
  covered_lines: number;
  not_covered_lines: number;
  coverage: number;
}

/** The rows of `module` that coverage counts. */
export function coverableLines(module: Module): Set<number> {
  const rows = new Set<number>();
  for (const rule of module.rules) addRule(rule, rows);
  return rows;
}

function addRule(rule: Rule, rows: Set<number>): void {
  for (let r: Rule | null = rule; r; r = r.else) {
    rows.add(r.head.location.row);
    addBody(r.body, rows);
    for (const t of [r.head.value, r.head.key, ...(r.head.args ?? [])]) if (t) addTerm(t, rows);
  }
}

function addBody(body: Body, rows: Set<number>): void {
  for (const lit of body) {
    rows.add(lit.location.row);
    addExpr(lit.expr, rows);
    for (const w of lit.with) addTerm(w.value, rows);
  }
}

function addExpr(e: Expr, rows: Set<number>): void {
  switch (e.type) {
    case "some":
      return;
    case "somein":
      for (const t of [e.key, e.value, e.collection]) if (t) addTerm(t, rows);
      return;
    case "every":
      addTerm(e.domain, rows);
      addBody(e.body, rows);
      return;
    default:
      addTerm(e, rows);
  }
}

/** Only the bodies nested in terms (comprehensions) add rows. */
function addTerm(t: Term, rows: Set<number>): void {
  switch (t.type) {
    case "ref":
      t.terms.forEach((x) => addTerm(x, rows));
      return;
    case "call":
      t.args.forEach((x) => addTerm(x, rows));
      return;
    case "array":
    case "set":
      t.items.forEach((x) => addTerm(x, rows));
      return;
    case "object":
      for (const [k, v] of t.entries) {
        addTerm(k, rows);
        addTerm(v, rows);
      }
      return;
    case "arraycomprehension":
    case "setcomprehension":
      addTerm(t.term, rows);
      addBody(t.body, rows);
      return;
    case "objectcomprehension":
      addTerm(t.key, rows);
      addTerm(t.value, rows);
      addBody(t.body, rows);
      return;
    default:
      return;
  }
}

/** Consecutive rows folded into ranges: [1, 2, 3, 7] → 1-3, 7. */
export function toRanges(rows: Iterable<number>): LineRange[] {
  const sorted = [...new Set(rows)].sort((a, b) => a - b);
  const out: LineRange[] = [];
  for (const row of sorted) {
    const last = out[out.length - 1];
    if (last && row === last.end + 1) last.end = row;
    else out.push({ start: row, end: row });
  }
  return out;
}

/**
 * Percentage rounded down to two decimals, so a threshold of 100 fails while any line
 * is not covered (OPA rounded to the nearest once, and 99.999 passed 100).
 */
export function percentage(covered: number, total: number): number {
  if (total === 0) return 100;
  return Math.floor((covered * 10000) / total) / 100;
}

/**
 * Each rule definition's head row and the rows its value can be produced on: from its
 * last body literal up to the next head (the planner places the producing statement on
 * a row of that literal, which may span lines).
 */
export function ruleHeads(module: Module): { head: number; from: number; to: number }[] {
  const defs: { head: number; from: number }[] = [];
  for (const rule of module.rules) {
    for (let r: Rule | null = rule; r; r = r.else) {
      const last = r.body[r.body.length - 1];
      defs.push({ head: r.head.location.row, from: last ? last.location.row : r.head.location.row });
    }
  }
  const heads = defs.map((d) => d.head).sort((a, b) => a - b);
  return defs.map((d) => ({ ...d, to: (heads.find((h) => h > d.from) ?? Infinity) - 1 }));
}

/**
 * The rows of `module` counted as covered: every evaluated row, plus the head of every
 * rule that produced a value (OPA covers a head when its rule succeeds).
 */
export function coveredRows(module: Module, evaluated: Set<number>, produced: Set<number>): Set<number> {
  const rows = new Set(evaluated);
  for (const { head, from, to } of ruleHeads(module)) {
    for (const p of produced) {
      if (p >= from && p <= to) {
        rows.add(head);
        break;
      }
    }
  }
  return rows;
}

/** Coverage of `modules` given what was observed during the tests. */
export function coverageReport(modules: { file: string; module: Module }[], observed: LineObservations): CoverageReport {
  const files: Record<string, FileCoverage> = {};
  let covered = 0;
  let notCovered = 0;
  for (const { file, module } of [...modules].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
    const coverable = coverableLines(module);
    const none = new Set<number>();
    const seen = coveredRows(module, observed.evaluated.get(file) ?? none, observed.produced.get(file) ?? none);
    const yes = [...coverable].filter((r) => seen.has(r));
    const no = [...coverable].filter((r) => !seen.has(r));
    files[file] = {
      covered: toRanges(yes),
      not_covered: toRanges(no),
      covered_lines: yes.length,
      not_covered_lines: no.length,
      coverage: percentage(yes.length, coverable.size),
    };
    covered += yes.length;
    notCovered += no.length;
  }
  return { files, covered_lines: covered, not_covered_lines: notCovered, coverage: percentage(covered, covered + notCovered) };
}
