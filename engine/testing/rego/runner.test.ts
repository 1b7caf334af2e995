import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { regoError } from "../../errors.js";
import { toJSON, type Value } from "../../values/index.js";
import type { TestBackend, TestOutcome } from "./backend.js";
import { discoverTests } from "./discover.js";
import { loadPaths, type SourceFile } from "./load.js";
import { formatJSON, formatText, summaryLine } from "./report.js";
import { compileFilter, runTests } from "./runner.js";

/** Writes `files` (path → text) under a fresh temporary directory and returns it. */
function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-test-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** A backend that answers from a table, recording what it was asked to compile. */
class FakeBackend implements TestBackend {
  readonly name = "fake";
  prepared: { modules: SourceFile[]; data: Value; entrypoints: string[] } | undefined;
  constructor(
    private readonly answers: Record<string, TestOutcome>,
    private readonly compileErrors = [] as ReturnType<typeof regoError>[],
  ) {}
  async prepare(modules: SourceFile[], data: Value, entrypoints: string[]) {
    this.prepared = { modules, data, entrypoints };
    return { errors: this.compileErrors };
  }
  async run(entrypoint: string): Promise<TestOutcome> {
    return this.answers[entrypoint] ?? { undefined: true };
  }
}

const POLICY = `package app

allow if input.user == "alice"
`;

const TESTS = `package app_test

import data.app

test_alice if app.allow with input as {"user": "alice"}

test_bob if app.allow with input as {"user": "bob"}

test_boom if 1 / 0

todo_test_later if false

helper(x) := x

test_alice if true
`;

const NESTED = `package app.nested.deep_test

test_inner if true
`;

describe("discovery", () => {
  it("finds test_* rules of *_test.rego files only, in nested packages, once per name", () => {
    const d = discoverTests([
      { file: "p/app.rego", source: POLICY + "\ntest_not_a_test if true\n" },
      { file: "p/app_test.rego", source: TESTS },
      { file: "p/nested/deep_test.rego", source: NESTED },
    ]);
    expect(d.errors).toEqual([]);
    expect(d.tests.map((t) => `${t.package}.${t.name}`)).toEqual([
      "data.app_test.test_alice",
      "data.app_test.test_bob",
      "data.app_test.test_boom",
      "data.app_test.todo_test_later",
      "data.app.nested.deep_test.test_inner",
    ]);
    expect(d.tests[0]).toMatchObject({ entrypoint: "app_test/test_alice", location: { file: "p/app_test.rego", row: 5 }, skip: false });
    expect(d.tests[4]!.entrypoint).toBe("app/nested/deep_test/test_inner");
    expect(d.tests[3]!.skip).toBe(true);
    expect(d.modules).toHaveLength(3);
  });

  it("reports parse errors with their location", () => {
    const d = discoverTests([{ file: "bad_test.rego", source: "package x\n\ntest_a if {\n" }]);
    expect(d.errors.length).toBeGreaterThan(0);
    expect(d.errors[0]).toMatchObject({ code: "rego_parse_error", location: { file: "bad_test.rego" } });
  });
});

describe("loading", () => {
  it("merges data files by directory path and keeps big numbers exact", () => {
    const dir = fixture({
      "data.json": `{"top": 1}`,
      "a/b/data.json": `{"n": 18446744073709551617}`,
      "a/data.yaml": "list: [x, y]\nb:\n  m: true\n",
      "a/p.rego": "package a\n",
      "a/input.json": `{"ignored": true}`,
    });
    const loaded = loadPaths([dir], dir);
    expect(loaded.errors).toEqual([]);
    expect(loaded.modules.map((m) => m.file)).toEqual(["a/p.rego"]);
    const data = loaded.data as { top: number; a: { list: string[]; b: { n: { toString(): string }; m: boolean } } };
    expect(String(data.top)).toBe("1");
    expect(data.a.list).toEqual(["x", "y"]);
    expect(data.a.b.m).toBe(true);
    expect(data.a.b.n.toString()).toBe("18446744073709551617");
  });

  it("reports conflicting data files", () => {
    const dir = fixture({ "data.json": `{"a": {"k": 1}}`, "a/data.json": `{"k": 2}` });
    const loaded = loadPaths([dir], dir);
    expect(loaded.errors.map((e) => e.message).join()).toMatch(/conflicts at a\.k/);
  });
});

describe("running", () => {
  const dir = fixture({ "app.rego": POLICY, "app_test.rego": TESTS, "nested/deep_test.rego": NESTED, "nested/data.json": `{"limit": 3}` });
  const answers: Record<string, TestOutcome> = {
    "app_test/test_alice": { value: true },
    "app_test/test_bob": { undefined: true },
    "app_test/test_boom": { error: regoError("eval_builtin_error", "div: divide by zero", { file: "app_test.rego", row: 9, col: 12 }) },
    "app/nested/deep_test/test_inner": { value: "yes" },
  };

  it("classifies pass, fail (undefined or not true), error and skip", async () => {
    const backend = new FakeBackend(answers);
    const run = await runTests({ paths: [dir], cwd: dir, backend });
    expect(run.errors).toEqual([]);
    expect(run.results.map((r) => [r.name, r.status])).toEqual([
      ["test_alice", "pass"],
      ["test_bob", "fail"],
      ["test_boom", "error"],
      ["todo_test_later", "skip"],
      ["test_inner", "fail"],
    ]);
    expect(run.results[1]!.message).toBe("test_bob is undefined");
    expect(run.results[4]!.message).toBe('test_inner is "yes", not true');
    expect(run.results[2]).toMatchObject({ message: "eval_builtin_error: div: divide by zero", error_location: { row: 9 } });
    // Everything compiled together, the skipped test is not an entrypoint, data placed by path.
    expect(backend.prepared!.modules.map((m) => m.file)).toEqual(["app.rego", "app_test.rego", "nested/deep_test.rego"]);
    expect(backend.prepared!.entrypoints).toEqual(["app_test/test_alice", "app_test/test_bob", "app_test/test_boom", "app/nested/deep_test/test_inner"]);
    expect(toJSON(backend.prepared!.data)).toEqual({ nested: { limit: 3 } });
  });

  it("prints results like opa test, with locations and the closing line", async () => {
    const run = await runTests({ paths: [dir], cwd: dir, backend: new FakeBackend(answers) });
    const text = formatText(run);
    expect(text).toMatch(/^app_test\.rego:\n/);
    expect(text).toMatch(/data\.app_test\.test_alice: PASS \(\d+(\.\d+)?(µs|ms)\)/);
    expect(text).toContain("data.app_test.test_bob: FAIL");
    expect(text).toContain("  app_test.rego:7: test_bob is undefined");
    expect(text).toContain("  app_test.rego:9: eval_builtin_error: div: divide by zero");
    expect(text).toContain("data.app_test.todo_test_later: SKIPPED");
    expect(text.trimEnd().split("\n").at(-1)).toBe("1 passed, 2 failed, 1 errors, 1 skipped");
  });

  it("prints a JSON report with one object per test", async () => {
    const run = await runTests({ paths: [dir], cwd: dir, backend: new FakeBackend(answers) });
    const json = JSON.parse(formatJSON(run));
    expect(json.summary).toEqual({ passed: 1, failed: 2, errors: 1, skipped: 1 });
    expect(json.tests[1]).toMatchObject({
      package: "data.app_test",
      name: "test_bob",
      location: { file: "app_test.rego", row: 7, col: 1 },
      status: "fail",
      message: "test_bob is undefined",
    });
    expect(typeof json.tests[0].duration_ms).toBe("number");
  });

  it("selects tests with -r over <package>.<name> (RE2)", async () => {
    const backend = new FakeBackend(answers);
    const run = await runTests({ paths: [dir], cwd: dir, backend, run: "app_test\\.test_(alice|bob)$" });
    expect(run.results.map((r) => r.name)).toEqual(["test_alice", "test_bob"]);
    expect(backend.prepared!.entrypoints).toEqual(["app_test/test_alice", "app_test/test_bob"]);
    const nested = await runTests({ paths: [dir], cwd: dir, backend: new FakeBackend(answers), run: "nested" });
    expect(nested.results.map((r) => r.name)).toEqual(["test_inner"]);
  });

  it("rejects a pattern RE2 does not accept", () => {
    expect(compileFilter("(")).toMatchObject({ error: expect.stringMatching(/missing closing/) });
    // Lookahead is Perl, not RE2.
    expect(compileFilter("(?=x)")).toHaveProperty("error");
  });

  it("reports parse and compile errors instead of results", async () => {
    const bad = fixture({ "x_test.rego": "package x\n\ntest_a if {\n" });
    const parsed = await runTests({ paths: [bad], cwd: bad, backend: new FakeBackend({}) });
    expect(parsed.results).toEqual([]);
    expect(formatText(parsed)).toMatch(/^x_test\.rego:\d+:\d+: rego_parse_error: /);

    const compileError = regoError("rego_unsafe_var_error", "var x is unsafe", { file: "app.rego", row: 3, col: 10 });
    const compiled = await runTests({ paths: [dir], cwd: dir, backend: new FakeBackend(answers, [compileError]) });
    expect(compiled.results).toEqual([]);
    expect(formatText(compiled)).toBe("app.rego:3:10: rego_unsafe_var_error: var x is unsafe\n");
  });

  it("omits the error count from the closing line when there are none", () => {
    const r = { package: "data.a", name: "test_a", location: { file: "a", row: 1, col: 1 }, duration_ms: 0 };
    expect(summaryLine([{ ...r, status: "pass" }, { ...r, status: "fail" }])).toBe("1 passed, 1 failed");
    expect(summaryLine([])).toBe("0 passed, 0 failed");
  });

  it("turns a backend that throws into an ERROR, not a crash", async () => {
    const backend = new FakeBackend({});
    backend.run = async () => {
      throw new Error("wasm trap");
    };
    const run = await runTests({ paths: [dir], cwd: dir, backend, run: "test_alice" });
    expect(run.results[0]).toMatchObject({ status: "error", message: "internal_error: wasm trap" });
  });
});
