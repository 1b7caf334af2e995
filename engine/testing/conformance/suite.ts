/**
 * Shared by the per-backend acceptance tests: run OPA's suite in ../shared through the
 * CLI, as users run it, and read the rates from its report.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { portcullis } from "../../../cli/run-cli.js";

export const suiteDir = fileURLToPath(new URL("../../../../shared/opa-conformance", import.meta.url).href.replace("/dist/", "/"));

export interface SuiteRun {
  code: number | null;
  lastLine: string;
  core: { passed: number; total: number };
  all: { passed: number; total: number };
  /** The report's tail, for assertion messages. */
  tail: string;
}

function rate(stdout: string, label: string): { passed: number; total: number } {
  const m = new RegExp(`${label}: (\\d+)/(\\d+)`).exec(stdout);
  if (!m) throw new Error(`no '${label}' line in:\n${stdout.slice(-2000)}`);
  return { passed: Number(m[1]), total: Number(m[2]) };
}

export function runSuiteThroughCli(backend: "ir" | "wasm"): SuiteRun {
  const r = portcullis(["conformance", suiteDir, "--backend", backend], undefined, 900_000);
  const lines = r.stdout.trim().split("\n");
  return {
    code: r.code,
    lastLine: lines.at(-1) ?? "",
    core: rate(r.stdout, "core-language topics"),
    all: rate(r.stdout, "all cases"),
    tail: lines.slice(-60).join("\n") + r.stderr.slice(-1000),
  };
}

/**
 * The acceptance test for one backend: the run agrees with the checked-in known-failures
 * list both ways (exit 0), and the pass rates meet the targets. Each backend has
 * its own test file so that vitest runs them in parallel.
 */
export function describeSuiteAcceptance(backend: "ir" | "wasm", targets: { core: number; all: number }): void {
  describe(`OPA conformance suite on the ${backend} backend`, () => {
    it(`matches the known-failures list, passes >= ${targets.core * 100}% of core-language and >= ${targets.all * 100}% of all cases`, () => {
      const run = runSuiteThroughCli(backend);
      expect(run.lastLine, run.tail).toMatch(/^\d+ passed, \d+ failed, 0 skipped$/);
      expect(run.code, run.tail).toBe(0);
      expect(run.all.total).toBeGreaterThan(400);
      expect(run.core.passed / run.core.total, run.tail).toBeGreaterThanOrEqual(targets.core);
      expect(run.all.passed / run.all.total, run.tail).toBeGreaterThanOrEqual(targets.all);
    }, 900_000);
  });
}
