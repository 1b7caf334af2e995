/**
 * The benchmark harness: timing with warm-up, medians and percentiles, and a printed
 * table. Benchmarks report; they never assert (machines here are shared and noisy, so
 * compare ratios within one run rather than absolute numbers across runs).
 */

import { collectPolicyDir } from "../engine/bundle/index.js";

export interface Timing {
  /** Median microseconds per operation. */
  medianUs: number;
  p90Us: number;
  /** Operations measured (after warm-up). */
  samples: number;
}

export interface MeasureOptions {
  /** Runs before measuring, to let the JIT settle. */
  warmup?: number;
  /** Measured runs, each timed on its own. */
  samples?: number;
  /** Operations per sample, for operations too fast to time one by one. */
  batch?: number;
}

export function measure(fn: () => unknown, options: MeasureOptions = {}): Timing {
  const warmup = options.warmup ?? 50;
  const samples = options.samples ?? 200;
  const batch = options.batch ?? 1;
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let b = 0; b < batch; b++) fn();
    times.push(Number(process.hrtime.bigint() - start) / 1000 / batch);
  }
  return summarise(times);
}

export async function measureAsync(fn: () => Promise<unknown>, options: MeasureOptions = {}): Promise<Timing> {
  const warmup = options.warmup ?? 20;
  const samples = options.samples ?? 100;
  const batch = options.batch ?? 1;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let b = 0; b < batch; b++) await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1000 / batch);
  }
  return summarise(times);
}

function summarise(times: number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { medianUs: at(0.5), p90Us: at(0.9), samples: times.length };
}

/** One row of a report: a label and columns of already formatted values. */
export type Row = Record<string, string>;

export function formatUs(us: number): string {
  if (us >= 1000_000) return `${(us / 1000_000).toFixed(2)} s`;
  if (us >= 1000) return `${(us / 1000).toFixed(2)} ms`;
  return `${us.toFixed(2)} µs`;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(2)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

export function table(title: string, rows: Row[]): string {
  if (rows.length === 0) return `${title}\n  (no rows)\n`;
  const columns = Object.keys(rows[0]!);
  const width = (c: string) => Math.max(c.length, ...rows.map((r) => (r[c] ?? "").length));
  const line = (cells: string[]) => "  " + cells.map((cell, i) => (i === 0 ? cell.padEnd(width(columns[i]!)) : cell.padStart(width(columns[i]!)))).join("  ");
  return [title, line(columns), line(columns.map((c) => "-".repeat(width(c)))), ...rows.map((r) => line(columns.map((c) => r[c] ?? "")))].join("\n") + "\n";
}

/**
 * The policy modules of a directory as the compiler takes them, tests left out: what a
 * gateway compiles (collected as bundles collect them, `engine/bundle`).
 */
export function policySources(dir: string): { file: string; source: string }[] {
  return collectPolicyDir(dir)
    .modules.filter((m) => !m.path.endsWith("_test.rego"))
    .map((m) => ({ file: m.path, source: m.source }));
}
