/**
 * Helpers shared by the watch tests: temp policy trees, event waits, log capture. Not part
 * of the public API (index.ts does not export it).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { PolicyWatcher } from "./watcher.js";
import type { LogRecord, Rejected, Reloaded } from "./types.js";

export function tempTree(prefix: string, files: Record<string, string>): { root: string; write(path: string, text: string): void; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const write = (p: string, text: string) => {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  };
  for (const [p, text] of Object.entries(files)) write(p, text);
  return { root, write, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** A decision policy whose result carries `v`, so a test can tell versions apart. */
export function decisionRego(v: number, allowWhen = "input.x == 1"): string {
  return `package portcullis\n\ndecision := {"allow": allow, "v": ${v}}\n\ndefault allow := false\n\nallow if ${allowWhen}\n`;
}

export const DECISION_TEST = `package portcullis_test\n\nimport data.portcullis\n\ntest_allow if portcullis.decision.allow with input as {"x": 1}\n\ntest_deny if not portcullis.decision.allow with input as {"x": 2}\n`;

export function nextEvent<E extends "reloaded" | "rejected">(w: PolicyWatcher, name: E, timeoutMs = 10_000): Promise<E extends "reloaded" ? Reloaded : Rejected> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      w.off(name, on as never);
      reject(new Error(`no ${name} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (e: unknown) => {
      clearTimeout(timer);
      w.off(name, on as never);
      resolve(e as never);
    };
    w.on(name, on as never);
  });
}

export function captureLog(): { records: LogRecord[]; logger: (r: LogRecord) => void; text(): string } {
  const records: LogRecord[] = [];
  return { records, logger: (r) => records.push(r), text: () => records.map((r) => [r.message, ...(r.details ?? [])].join("\n")).join("\n") };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
