/**
 * Stage 4 of `portcullis test`: turn a `TestRun` into what the user reads, in the shape
 * of `opa test -v`: results grouped by file, the reason under each FAIL/ERROR, then the
 * closing `N passed, M failed` line (`, K errors` / `, S skipped` only when non-zero).
 */
import { formatError } from "../../errors.js";
import type { CoverageReport, LineRange } from "./coverage.js";
import { summarize, type TestResult, type TestRun } from "./runner.js";

const RULE = "-".repeat(80);

const LABEL: Record<TestResult["status"], string> = { pass: "PASS", fail: "FAIL", error: "ERROR", skip: "SKIPPED" };

/** `1.234ms`, or `850µs` under a millisecond. */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  return `${ms.toFixed(ms < 10 ? 3 : 1)}ms`;
}

export function summaryLine(results: TestResult[]): string {
  const s = summarize(results);
  let line = `${s.passed} passed, ${s.failed} failed`;
  if (s.errors > 0) line += `, ${s.errors} errors`;
  if (s.skipped > 0) line += `, ${s.skipped} skipped`;
  return line;
}

function ranges(rs: LineRange[]): string {
  return rs.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`)).join(", ");
}

export function formatCoverage(c: CoverageReport): string {
  const lines = ["Coverage:"];
  for (const [file, f] of Object.entries(c.files)) {
    const total = f.covered_lines + f.not_covered_lines;
    let line = `  ${file}: ${f.coverage.toFixed(2)}% (${f.covered_lines}/${total} lines)`;
    if (f.not_covered.length > 0) line += `; not covered: ${ranges(f.not_covered)}`;
    lines.push(line);
  }
  const total = c.covered_lines + c.not_covered_lines;
  lines.push(`  total: ${c.coverage.toFixed(2)}% (${c.covered_lines}/${total} lines)`);
  return lines.join("\n");
}

/** The human report. Compile errors replace it (`file:row:col: code: message` each). */
export function formatText(run: TestRun): string {
  if (run.errors.length > 0) return run.errors.map(formatError).join("\n") + "\n";
  const out: string[] = [];
  let file: string | undefined;
  for (const r of run.results) {
    if (r.location.file !== file) {
      file = r.location.file;
      out.push(`${file}:`);
    }
    out.push(`${r.package}.${r.name}: ${LABEL[r.status]} (${formatDuration(r.duration_ms)})`);
    if (r.status === "fail") out.push(`  ${r.location.file}:${r.location.row}: ${r.message ?? "failed"}`);
    if (r.status === "error") {
      const at = r.error_location ?? r.location;
      out.push(`  ${at.file}:${at.row}: ${r.message ?? "error"}`);
    }
  }
  if (run.coverage) {
    out.push(RULE);
    out.push(formatCoverage(run.coverage));
  }
  out.push(RULE);
  out.push(summaryLine(run.results));
  return out.join("\n") + "\n";
}

/** The `--json` report: one object per test, the summary, and coverage when asked. */
export function formatJSON(run: TestRun): string {
  const report = {
    backend: run.backend,
    errors: run.errors.map((e) => ({ code: e.code, message: e.message, ...(e.location ? { location: e.location } : {}) })),
    tests: run.results.map((r) => ({
      package: r.package,
      name: r.name,
      location: r.location,
      status: r.status,
      duration_ms: r.duration_ms,
      message: r.message ?? null,
      ...(r.error_location ? { error_location: r.error_location } : {}),
    })),
    summary: summarize(run.results),
    ...(run.coverage ? { coverage: run.coverage } : {}),
  };
  return JSON.stringify(report, null, 2) + "\n";
}
