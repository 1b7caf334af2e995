/**
 * Acceptance (Wasm backend issue): OPA's conformance suite compiled to WebAssembly and
 * run by @open-policy-agent/opa-wasm agrees with the checked-in known-failures list both
 * ways, and passes >= 95% of the core-language cases and >= 85% of all cases.
 */
import { describe, expect, it } from "vitest";
import { runSuiteThroughCli } from "./suite.js";

describe("OPA conformance suite on the Wasm backend", () => {
  it("matches the known-failures list and meets the pass-rate targets", () => {
    const run = runSuiteThroughCli("wasm");
    expect(run.lastLine, run.tail).toMatch(/^\d+ passed, \d+ failed, 0 skipped$/);
    expect(run.code, run.tail).toBe(0);
    expect(run.all.total).toBeGreaterThan(400);
    expect(run.core.passed / run.core.total, run.tail).toBeGreaterThanOrEqual(0.95);
    expect(run.all.passed / run.all.total, run.tail).toBeGreaterThanOrEqual(0.85);
  }, 900_000);
});
