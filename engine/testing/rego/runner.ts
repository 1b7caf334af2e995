/**
 * Stage 3 of `portcullis test`: select tests, compile once, run each, collect results
 * and coverage. Everything the CLI prints is computed here, as values.
 */
import { RE2JS } from "re2js";
import { regoError, type Location, type RegoError } from "../../errors.js";
import { fromJSON, toRegoText } from "../../values/index.js";
import type { TestBackend, TestOutcome } from "./backend.js";
import { BACKENDS, DEFAULT_BACKEND } from "./backends.js";
import { coverageReport, type CoverageReport } from "./coverage.js";
import { discoverTests, type TestCase } from "./discover.js";
import { loadPaths } from "./load.js";

export type TestStatus = "pass" | "fail" | "error" | "skip";

/** One test's result; `message` explains a FAIL or ERROR. */
export interface TestResult {
  package: string;
  name: string;
  location: Location;
  status: TestStatus;
  duration_ms: number;
  message?: string;
  /** Where an ERROR was raised, when the evaluator knows. */
  error_location?: Location;
}

export interface TestRun {
  results: TestResult[];
  /** Load, parse and compile errors: when any, no test ran. */
  errors: RegoError[];
  coverage?: CoverageReport;
  backend: string;
}

export interface RunTestsOptions {
  paths: string[];
  /** RE2 pattern over `<package>.<name>` (`data.a.b.test_x`). */
  run?: string;
  timeoutMs?: number;
  coverage?: boolean;
  /** A backend name from `BACKENDS` (default: wasm, or ir for coverage/timeout), or an instance. */
  backend?: string | TestBackend;
  cwd?: string;
}

/** Compiles `-r`'s pattern; a bad pattern is a message, for the CLI to report as usage. */
export function compileFilter(pattern: string | undefined): ((test: TestCase) => boolean) | { error: string } {
  if (pattern === undefined) return () => true;
  try {
    const re = RE2JS.compile(pattern);
    return (t) => re.matcher(`${t.package}.${t.name}`).find();
  } catch (e) {
    return { error: `invalid -r pattern: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export async function runTests(options: RunTestsOptions): Promise<TestRun> {
  const filter = compileFilter(options.run);
  const backendName = typeof options.backend === "object" ? options.backend.name : (options.backend ?? DEFAULT_BACKEND);
  if (typeof filter !== "function") return { results: [], errors: [regoError("internal_error", filter.error)], backend: backendName };

  const loaded = loadPaths(options.paths, options.cwd);
  const discovered = discoverTests(loaded.modules);
  const errors = [...loaded.errors, ...discovered.errors];
  if (errors.length > 0) return { results: [], errors, backend: backendName };

  const selected = discovered.tests.filter(filter);
  const runnable = selected.filter((t) => !t.skip);
  const backend = makeBackend(options);
  if ("code" in backend) return { results: [], errors: [backend], backend: backendName };

  const results: TestResult[] = [];
  // Compiled even when no test is selected, so compile errors are never hidden by `-r`.
  const prepared = await backend.prepare(loaded.modules, fromJSON(loaded.data), runnable.map((t) => t.entrypoint));
  if (prepared.errors.length > 0) return { results: [], errors: prepared.errors, backend: backend.name };
  for (const test of selected) {
    if (test.skip) {
      results.push({ package: test.package, name: test.name, location: test.location, status: "skip", duration_ms: 0 });
      continue;
    }
    const started = performance.now();
    let outcome: TestOutcome;
    try {
      outcome = await backend.run(test.entrypoint);
    } catch (e) {
      outcome = { error: regoError("internal_error", e instanceof Error ? e.message : String(e)) };
    }
    const duration = performance.now() - started;
    results.push(judge(test, outcome, duration));
  }

  const run: TestRun = { results, errors: [], backend: backend.name };
  if (options.coverage) {
    const observed = backend.observedLines?.();
    if (observed) run.coverage = coverageReport(discovered.modules, observed);
  }
  return run;
}

/**
 * Coverage needs to observe evaluation and a timeout needs to interrupt it; only the IR
 * interpreter can do either, so they choose it unless a backend is named.
 */
function makeBackend(options: RunTestsOptions): TestBackend | RegoError {
  if (typeof options.backend === "object") return options.backend;
  const needsIR = options.coverage || options.timeoutMs !== undefined;
  const name = options.backend ?? (needsIR ? "ir" : DEFAULT_BACKEND);
  const make = BACKENDS[name];
  if (!make) return regoError("internal_error", `unknown test backend ${JSON.stringify(name)} (known: ${Object.keys(BACKENDS).join(", ")})`);
  if (options.coverage && name !== "ir") return regoError("internal_error", `--coverage needs the ir backend, not ${name}`);
  const backendOptions = { coverage: options.coverage ?? false, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) };
  return make(backendOptions);
}

/** PASS only for the value `true`; anything else defined, or undefined, is a FAIL. */
function judge(test: TestCase, outcome: TestOutcome, duration: number): TestResult {
  const base = { package: test.package, name: test.name, location: test.location, duration_ms: round(duration) };
  if ("error" in outcome) {
    const r: TestResult = { ...base, status: "error", message: `${outcome.error.code}: ${outcome.error.message}` };
    if (outcome.error.location) r.error_location = outcome.error.location;
    return r;
  }
  if ("undefined" in outcome) return { ...base, status: "fail", message: `${test.name} is undefined` };
  if (outcome.value === true) return { ...base, status: "pass" };
  return { ...base, status: "fail", message: `${test.name} is ${toRegoText(outcome.value)}, not true` };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export interface Summary {
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
}

export function summarize(results: TestResult[]): Summary {
  const count = (s: TestStatus) => results.filter((r) => r.status === s).length;
  return { passed: count("pass"), failed: count("fail"), errors: count("error"), skipped: count("skip") };
}
