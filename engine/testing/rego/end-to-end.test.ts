// End to end on the real compiler and IR interpreter: fixtures on disk, results and
// coverage numbers, and the `portcullis test` command's exit codes and output.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { testCommand } from "../../../cli/commands/test.js";
import { UsageError } from "../../../cli/command.js";
import { runTests } from "./runner.js";

function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-ir-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const APP = `package app

allow if {
	input.user == "alice"
	input.method == "GET"
}

admin if {
	input.user == data.admins[_]
}

limit := data.config.limit
`;

const APP_TEST = `package app_test

import data.app

test_alice if app.allow with input as {"user": "alice", "method": "GET"}

test_bob_denied if not app.allow with input as {"user": "bob", "method": "GET"}

test_wrong if app.allow with input as {"user": "bob"}

test_false if false

test_limit if app.limit == 3

test_conflict if x
x := 1
x := 2

test_div if 1 / 0 == 1

test_loop if {
	every i in numbers.range(1, 200000) {
		i > 0
	}
}
`;

const dir = fixture({ "app.rego": APP, "app_test.rego": APP_TEST, "config/data.json": `{"limit": 3}` });

describe("IR and Wasm backends", () => {
  it.each(["ir", "wasm"])("runs tests and classifies them as OPA does (%s)", async (backend) => {
    const run = await runTests({ paths: [dir], cwd: dir, backend, run: "test_(alice|bob|wrong|false|limit|conflict|div)" });
    expect(run.backend).toBe(backend);
    expect(run.errors).toEqual([]);
    const status = Object.fromEntries(run.results.map((r) => [r.name, r.status]));
    expect(status).toEqual({
      test_alice: "pass",
      test_bob_denied: "pass",
      test_wrong: "fail",
      test_false: "fail",
      test_limit: "pass",
      test_conflict: "error",
      test_div: "error",
    });
    const byName = Object.fromEntries(run.results.map((r) => [r.name, r]));
    expect(byName.test_false!.message).toBe("test_false is undefined");
    expect(byName.test_conflict!.message).toMatch(/^eval_conflict_error: /);
    expect(byName.test_div!.message).toBe("eval_builtin_error: div: divide by zero");
    expect(byName.test_div!.error_location).toMatchObject({ file: "app_test.rego", row: 19 });
    expect(byName.test_wrong!.location).toEqual({ file: "app_test.rego", row: 9, col: 1 });
  });

  it("stops a test past --timeout with an error", async () => {
    const run = await runTests({ paths: [dir], cwd: dir, run: "test_loop", timeoutMs: 1 });
    expect(run.results[0]).toMatchObject({ name: "test_loop", status: "error", message: expect.stringMatching(/eval_cancel_error/) });
  });

  it("measures coverage: a head counts only when its rule succeeded", async () => {
    const run = await runTests({ paths: [dir], cwd: dir, run: "test_(bob_denied|limit)", coverage: true });
    const app = run.coverage!.files["app.rego"]!;
    // allow is evaluated for bob but never true, so its head (3) stays uncovered; admin
    // never runs at all.
    expect(app.covered).toContainEqual({ start: 12, end: 12 });
    expect(app.covered.some((r) => r.start <= 4 && r.end >= 4)).toBe(true);
    expect(app.not_covered).toContainEqual({ start: 3, end: 3 });
    expect(app.not_covered).toContainEqual({ start: 8, end: 9 });
    const all = await runTests({ paths: [dir], cwd: dir, run: "test_alice", coverage: true });
    expect(all.coverage!.files["app.rego"]!.covered).toEqual([{ start: 3, end: 5 }]);
  });

  it("reports compile errors as file:row:col: code: message", async () => {
    const bad = fixture({ "b_test.rego": "package b\n\ntest_a if {\n\tx == 1\n}\n" });
    const run = await runTests({ paths: [bad], cwd: bad });
    expect(run.results).toEqual([]);
    expect(run.errors[0]).toMatchObject({ code: "rego_unsafe_var_error", location: { file: "b_test.rego", row: 4 } });
  });
});

describe("portcullis test", () => {
  let out = "";
  let cwd = "";
  beforeEach(() => {
    out = "";
    cwd = process.cwd();
    process.chdir(dir);
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });
  afterEach(() => {
    process.chdir(cwd);
    vi.restoreAllMocks();
  });

  it("exits 0 when all selected tests pass (on Wasm by default), and ends with the summary line", async () => {
    expect(await testCommand.run([".", "-r", "test_(alice|limit)", "--json"])).toBe(0);
    expect(JSON.parse(out).backend).toBe("wasm");
    out = "";
    expect(await testCommand.run([".", "-r", "test_(alice|limit)", "--backend", "ir"])).toBe(0);
    expect(out.trimEnd().split("\n").at(-1)).toBe("2 passed, 0 failed");
  });

  it("exits 1 on a failure or an error", async () => {
    expect(await testCommand.run([".", "-r", "test_wrong", "--backend", "ir"])).toBe(1);
    expect(out).toContain("app_test.rego:9: test_wrong is undefined");
    expect(await testCommand.run([".", "--run", "test_div"])).toBe(1);
    expect(out).toContain("0 passed, 0 failed, 1 errors");
  });

  it("prints JSON with --json", async () => {
    expect(await testCommand.run([".", "-r", "test_alice", "--json", "--backend", "ir"])).toBe(0);
    const report = JSON.parse(out);
    expect(report.backend).toBe("ir");
    expect(report.tests).toEqual([expect.objectContaining({ package: "data.app_test", name: "test_alice", status: "pass", message: null })]);
  });

  it("fails below --threshold and passes at or above it", async () => {
    expect(await testCommand.run([".", "-r", "test_bob_denied", "--coverage", "--threshold", "50"])).toBe(1);
    expect(out).toMatch(/app\.rego: \d+\.\d\d% \(\d+\/\d+ lines\); not covered: /);
    expect(await testCommand.run([".", "-r", "test_bob_denied", "--coverage", "--threshold", "5"])).toBe(0);
  });

  it("rejects bad usage", async () => {
    await expect(testCommand.run([])).rejects.toThrow(UsageError);
    await expect(testCommand.run(["no-such-dir"])).rejects.toThrow(/no such file/);
    await expect(testCommand.run([".", "-r", "("])).rejects.toThrow(/invalid -r pattern/);
    await expect(testCommand.run([".", "--threshold", "50"])).rejects.toThrow(/needs --coverage/);
    await expect(testCommand.run([".", "--coverage", "--threshold", "abc"])).rejects.toThrow(UsageError);
    await expect(testCommand.run([".", "--bogus"])).rejects.toThrow(UsageError);
    await expect(testCommand.run([".", "--backend", "jvm"])).rejects.toThrow(/unknown --backend/);
    await expect(testCommand.run([".", "--backend", "wasm", "--coverage"])).rejects.toThrow(/need --backend ir/);
  });
});

describe("the default policy library", () => {
  const root = new URL("../../../", import.meta.url).pathname;

  it("passes all its tests compiled to Wasm", async () => {
    const run = await runTests({ paths: [join(root, "policies")], cwd: root, backend: "wasm" });
    expect(run.errors).toEqual([]);
    expect(run.results.filter((r) => r.status !== "pass")).toEqual([]);
    expect(run.results.length).toBeGreaterThan(50);
  }, 60_000);

  it("passes all its tests with at least 90% coverage", async () => {
    const run = await runTests({ paths: [join(root, "policies")], cwd: root, coverage: true });
    expect(run.errors).toEqual([]);
    expect(run.results.filter((r) => r.status !== "pass")).toEqual([]);
    expect(run.results.length).toBeGreaterThan(50);
    expect(run.coverage!.coverage).toBeGreaterThanOrEqual(90);
  });
});
