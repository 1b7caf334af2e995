/**
 * Stage 3a: the test gate. Before a changed directory may replace the active policy, every
 * `test_*` rule of its `*_test.rego` files must evaluate to `true`.
 *
 * The gate runs on the IR interpreter (`engine/testing/rego`'s `ir` backend), not on Wasm:
 * it evaluates the same compiled IR the Wasm module is generated from, runs the policy
 * library's 73 tests in well under a second where the Wasm backend would pay a second
 * module compile (seconds) on every save, and it supports a per-test timeout. The policy
 * that is then served is still the Wasm one, generated from that same IR by the planner.
 */
import { IRBackend, discoverTests, type TestOutcome } from "../testing/rego/index.js";
import { fromJSON, toRegoText } from "../values/index.js";
import type { Problem } from "./types.js";

export interface GateResult {
  passed: number;
  /** Compile errors of the modules with their tests, failing and erroring tests. */
  problems: Problem[];
}

/** Runs the tests of `modules` against `data`; an empty `problems` means the gate is open. */
export async function runTestGate(modules: { file: string; source: string }[], data: unknown, timeoutMs: number): Promise<GateResult> {
  const discovered = discoverTests(modules);
  if (discovered.errors.length > 0) return { passed: 0, problems: discovered.errors.map(fromRego) };
  const tests = discovered.tests.filter((t) => !t.skip);
  if (tests.length === 0) return { passed: 0, problems: [] };

  const backend = new IRBackend({ timeoutMs });
  const prepared = await backend.prepare(modules, fromJSON(data), tests.map((t) => t.entrypoint));
  if (prepared.errors.length > 0) return { passed: 0, problems: prepared.errors.map(fromRego) };

  const problems: Problem[] = [];
  let passed = 0;
  for (const test of tests) {
    let outcome: TestOutcome;
    try {
      outcome = await backend.run(test.entrypoint);
    } catch (e) {
      outcome = { error: { code: "internal_error", message: e instanceof Error ? e.message : String(e) } };
    }
    const name = `${test.package}.${test.name}`;
    if ("error" in outcome) {
      problems.push({ code: "test_error", message: `${name}: ${outcome.error.code}: ${outcome.error.message}`, location: outcome.error.location ?? test.location });
    } else if ("undefined" in outcome) {
      problems.push({ code: "test_failed", message: `${name} is undefined`, location: test.location });
    } else if (outcome.value !== true) {
      problems.push({ code: "test_failed", message: `${name} is ${toRegoText(outcome.value)}, not true`, location: test.location });
    } else {
      passed++;
    }
  }
  return { passed, problems };
}

function fromRego(e: { code: string; message: string; location?: Problem["location"] }): Problem {
  return e.location ? { code: e.code, message: e.message, location: e.location } : { code: e.code, message: e.message };
}
