/**
 * Stage 5 of the conformance runner: summarise a run, compare it with the known
 * failures, and render the text the CLI prints.
 */
import type { CaseReport, SuiteReport } from "./runner.js";
import { caseKey, type KnownFailure } from "./known-failures.js";

export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  core: { passed: number; total: number };
  byTopic: Map<string, { passed: number; total: number }>;
  /** Failures not in the known-failures list: regressions. */
  unexpectedFailures: CaseReport[];
  /** Listed as known failures but passing now: the list must be updated. */
  unexpectedPasses: CaseReport[];
}

export function summarise(report: SuiteReport, known: Map<string, KnownFailure>): Summary {
  const byTopic = new Map<string, { passed: number; total: number }>();
  const core = { passed: 0, total: 0 };
  const unexpectedFailures: CaseReport[] = [];
  const unexpectedPasses: CaseReport[] = [];
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const c of report.cases) {
    const topic = byTopic.get(c.topic) ?? { passed: 0, total: 0 };
    byTopic.set(c.topic, topic);
    if (c.status === "skipped") {
      skipped++;
      continue;
    }
    topic.total++;
    if (c.core) core.total++;
    const isKnown = known.has(caseKey(c.file, c.note));
    if (c.status === "passed") {
      passed++;
      topic.passed++;
      if (c.core) core.passed++;
      if (isKnown) unexpectedPasses.push(c);
    } else {
      failed++;
      if (!isKnown) unexpectedFailures.push(c);
    }
  }
  return { passed, failed, skipped, core, byTopic, unexpectedFailures, unexpectedPasses };
}

const percent = (n: number, d: number) => (d === 0 ? "n/a" : `${((100 * n) / d).toFixed(1)}%`);

export function renderText(report: SuiteReport, summary: Summary, known: Map<string, KnownFailure>, verbose: boolean): string {
  const lines: string[] = [];
  for (const e of report.fileErrors) lines.push(`ERROR ${e.file}: ${e.message}`);
  for (const c of report.cases) {
    if (c.status === "passed" && !verbose) continue;
    const tag = c.status === "passed" ? "PASS" : c.status === "skipped" ? "SKIP" : known.has(caseKey(c.file, c.note)) ? "FAIL (known)" : "FAIL";
    lines.push(`${tag} ${c.file}: ${c.note}${c.reason ? `\n    ${c.reason}` : ""}`);
  }
  lines.push("", "by topic:");
  for (const [topic, t] of [...summary.byTopic].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${topic.padEnd(28)} ${String(t.passed).padStart(4)}/${String(t.total).padEnd(4)} ${percent(t.passed, t.total)}`);
  }
  lines.push(
    "",
    `core-language topics: ${summary.core.passed}/${summary.core.total} (${percent(summary.core.passed, summary.core.total)})`,
    `all cases: ${summary.passed}/${summary.passed + summary.failed} (${percent(summary.passed, summary.passed + summary.failed)})`,
  );
  if (known.size > 0) {
    lines.push(`known failures listed: ${known.size}`);
    for (const c of summary.unexpectedFailures) lines.push(`  NEW FAILURE (not in the known-failures list): ${c.file}: ${c.note}`);
    for (const c of summary.unexpectedPasses) lines.push(`  NOW PASSES (remove it from the known-failures list): ${c.file}: ${c.note}`);
  }
  lines.push(summaryLine(summary));
  return lines.join("\n");
}

/** The runner's last line, exactly `N passed, M failed, K skipped`. */
export function summaryLine(summary: Summary): string {
  return `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`;
}

export function caseJson(c: CaseReport): string {
  return JSON.stringify({ file: c.file, note: c.note, status: c.status, reason: c.reason ?? null, topic: c.topic, ms: c.ms });
}
