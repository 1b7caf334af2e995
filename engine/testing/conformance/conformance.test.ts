/**
 * The conformance runner's own stages: loading OPA's case files, judging outcomes, and
 * the `portcullis conformance` command end to end on small suites written here.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify as stringifyYaml } from "yaml";
import { fileURLToPath } from "node:url";
import { loadCases, isCoreTopic, type ConformanceCase } from "./cases.js";
import { judge } from "./compare.js";
import { RNumber, RObject, RSet, fromJSON } from "../../values/index.js";
import { portcullis } from "../../../cli/run-cli.js";

const suiteDir = fileURLToPath(new URL("../../../../shared/opa-conformance", import.meta.url));

function aCase(over: Partial<ConformanceCase>): ConformanceCase {
  return { file: "t/x.yaml", topic: "t", note: "n", query: "data.test.p = x", modules: [], strictError: false, sortBindings: false, ...over };
}
const bindings = (o: Record<string, unknown>) => fromJSON(o);

describe("loading OPA's case files", () => {
  const { cases, errors } = loadCases(suiteDir);

  it("reads every file of ../shared/opa-conformance without errors", () => {
    expect(errors).toEqual([]);
    const manifest = readFileSync(join(suiteDir, "MANIFEST.txt"), "utf8").split("\n").filter((l) => l.endsWith(".yaml"));
    expect(new Set(cases.map((c) => c.file)).size).toBe(manifest.length);
    expect(cases.length).toBeGreaterThan(400);
  });

  it("keeps integers beyond 2^53 exact", () => {
    const dir = mkdtempSync(join(tmpdir(), "conf-big-"));
    mkdirSync(join(dir, "t"));
    writeFileSync(join(dir, "t", "a.yaml"), "cases:\n  - note: big\n    query: x = 1\n    data: {n: 18446744073709551617}\n    want_result: [{x: 1}]\n");
    const loaded = loadCases(dir).cases[0]!;
    expect((loaded.data as { n: unknown }).n).toBe(18446744073709551617n);
    expect(loaded.wantResult).toEqual([{ x: 1 }]);
  });

  it("classifies core-language topics, including prefix families", () => {
    expect(isCoreTopic("withkeyword")).toBe(true);
    expect(isCoreTopic("partialsetdoc")).toBe(true);
    expect(isCoreTopic("compositereferences")).toBe(true);
    expect(isCoreTopic("strings")).toBe(false);
    expect(isCoreTopic("regexsplit")).toBe(false);
  });
});

describe("judging an outcome", () => {
  it("compares result sets ignoring order, with sets as sorted arrays", () => {
    const c = aCase({ wantResult: [{ x: [1, 2] }, { x: "a" }] });
    const got = [bindings({ x: "a" }), (() => { const o = new RObject(); o.set("x", RSet.from([RNumber.fromInt(2), RNumber.fromInt(1)])); return o; })()];
    expect(judge(c, { kind: "results", results: got })).toEqual({ pass: true });
  });

  it("fails on a missing or extra result, and says what it got", () => {
    const c = aCase({ wantResult: [{ x: 1 }] });
    const verdict = judge(c, { kind: "results", results: [bindings({ x: 1 }), bindings({ x: 2 })] });
    expect(verdict.pass).toBe(false);
    expect(verdict.pass === false && verdict.reason).toContain('"x":2');
    expect(judge(c, { kind: "results", results: [] }).pass).toBe(false);
  });

  it("treats an empty want_result as undefined", () => {
    const c = aCase({ wantResult: [] });
    expect(judge(c, { kind: "results", results: [] }).pass).toBe(true);
    expect(judge(c, { kind: "results", results: [bindings({ x: true })] }).pass).toBe(false);
  });

  it("compares numbers by value (1.0 == 1) and exactly beyond 2^53", () => {
    expect(judge(aCase({ wantResult: [{ x: 1 }] }), { kind: "results", results: [bindings({ x: RNumber.parse("1.0") })] }).pass).toBe(true);
    const big = aCase({ wantResult: [{ x: 18446744073709551617n }] });
    expect(judge(big, { kind: "results", results: [bindings({ x: RNumber.parse("18446744073709551617") })] }).pass).toBe(true);
    expect(judge(big, { kind: "results", results: [bindings({ x: RNumber.parse("18446744073709551616") })] }).pass).toBe(false);
  });

  it("sorts array bindings only when sort_bindings is set", () => {
    const got = [bindings({ x: [2, 1] })];
    expect(judge(aCase({ wantResult: [{ x: [1, 2] }] }), { kind: "results", results: got }).pass).toBe(false);
    expect(judge(aCase({ wantResult: [{ x: [1, 2] }], sortBindings: true }), { kind: "results", results: got }).pass).toBe(true);
  });

  it("matches want_error_code exactly and want_error as a substring of OPA's error text", () => {
    const c = aCase({ wantErrorCode: "eval_type_error", wantError: "test-0.rego:4: eval_type_error: count: operand 1" });
    const error = { code: "eval_type_error" as const, message: "count: operand 1 must be one of {array, object, set, string} but got number", location: { file: "test-0.rego", row: 4, col: 3 } };
    expect(judge(c, { kind: "error", error })).toEqual({ pass: true });
    expect(judge(c, { kind: "error", error: { ...error, code: "eval_builtin_error" } }).pass).toBe(false);
    expect(judge(c, { kind: "error", error: { ...error, location: { file: "test-0.rego", row: 5, col: 1 } } }).pass).toBe(false);
    expect(judge(c, { kind: "results", results: [] }).pass).toBe(false);
  });

  it("fails a case that wants results but got an error, quoting the error", () => {
    const verdict = judge(aCase({ wantResult: [{ x: 1 }] }), { kind: "error", error: { code: "rego_parse_error", message: "unexpected }" } });
    expect(verdict).toEqual({ pass: false, reason: "unexpected error: rego_parse_error: unexpected }" });
  });

  it("checks want_defined", () => {
    expect(judge(aCase({ wantDefined: true }), { kind: "results", results: [bindings({})] }).pass).toBe(true);
    expect(judge(aCase({ wantDefined: true }), { kind: "results", results: [] }).pass).toBe(false);
    expect(judge(aCase({ wantDefined: false }), { kind: "results", results: [] }).pass).toBe(true);
  });
});

describe("portcullis conformance on a small suite", () => {
  const dir = mkdtempSync(join(tmpdir(), "conf-suite-"));
  mkdirSync(join(dir, "basics"));
  writeFileSync(
    join(dir, "basics", "cases.yaml"),
    stringifyYaml({
      cases: [
        { note: "basics/passes", query: "data.test.p = x", modules: ["package test\n\np := input.a + 1\n"], input: { a: 41 }, want_result: [{ x: 42 }] },
        { note: "basics/wrong expectation", query: "data.test.p = x", modules: ["package test\n\np := 1\n"], want_result: [{ x: 2 }] },
        {
          note: "basics/runs too long",
          query: "data.test.p = x",
          modules: ["package test\n\np := count([[x, y] | some x in numbers.range(1, 5000); some y in numbers.range(1, 5000)])\n"],
          want_result: [{ x: 25000000 }],
        },
        { note: "basics/after the slow one", query: "x = 1 + 1", modules: [], want_result: [{ x: 2 }] },
      ],
    }),
  );
  const none = join(dir, "none.json");
  writeFileSync(none, JSON.stringify({ backend: "ir", failures: [] }));

  it("prints failures with reasons and ends with exactly 'N passed, M failed, K skipped'", () => {
    const r = portcullis(["conformance", dir, "--backend", "ir", "--known-failures", none, "--timeout-ms", "300"]);
    const lines = r.stdout.trim().split("\n");
    expect(lines.at(-1)).toBe("2 passed, 2 failed, 0 skipped");
    expect(r.stdout).toContain("FAIL basics/cases.yaml: basics/wrong expectation");
    // the IR interpreter's own deadline
    expect(r.stdout).toMatch(/basics\/runs too long\n\s+unexpected error: .*eval_cancel_error/);
    expect(r.code).toBe(1);
  });

  it("cuts off a case with the hard limit (the worker is replaced) and goes on with the next", () => {
    // A Wasm module has no deadline of its own: only the runner's hard limit stops it.
    const r = portcullis(["conformance", dir, "--backend", "wasm", "--known-failures", none, "--timeout-ms", "300", "--json"]);
    const byNote = Object.fromEntries(r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { note: string; status: string; reason: string | null }).map((o) => [o.note, o]));
    expect(byNote["basics/runs too long"]).toMatchObject({ status: "failed", reason: "timed out after 1600 ms" });
    expect(byNote["basics/after the slow one"]?.status).toBe("passed");
  });

  it("prints one JSON object per case with --json, and --filter selects cases", () => {
    const r = portcullis(["conformance", dir, "--json", "--filter", "passes", "--known-failures", none]);
    const objects = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({ file: "basics/cases.yaml", note: "basics/passes", status: "passed", reason: null });
    expect(r.stderr.trim().split("\n").at(-1)).toBe("1 passed, 0 failed, 0 skipped");
    expect(r.code).toBe(0);
  });

  it("accepts listed known failures, and flags a listed case that now passes", () => {
    const known = join(dir, "known.json");
    writeFileSync(known, JSON.stringify({
      backend: "ir",
      failures: [
        { file: "basics/cases.yaml", note: "basics/wrong expectation", reason: "the expectation is wrong on purpose" },
        { file: "basics/cases.yaml", note: "basics/passes", reason: "stale entry" },
      ],
    }));
    const r = portcullis(["conformance", dir, "--filter", "basics/passes", "--known-failures", known]);
    expect(r.stdout).toContain("NOW PASSES (remove it from the known-failures list): basics/cases.yaml: basics/passes");
    expect(r.code).toBe(1);
    const ok = portcullis(["conformance", dir, "--filter", "wrong", "--known-failures", known]);
    expect(ok.stdout).toContain("FAIL (known) basics/cases.yaml: basics/wrong expectation");
    expect(ok.code).toBe(0);
  });

  it("runs cases on the Wasm backend (the default) through the official SDK", () => {
    const r = portcullis(["conformance", dir, "--filter", "basics/", "--no-known-failures", "--json", "--timeout-ms", "300"]);
    const statuses = Object.fromEntries(r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { note: string; status: string }).map((o) => [o.note, o.status]));
    expect(statuses["basics/passes"]).toBe("passed");
    expect(statuses["basics/wrong expectation"]).toBe("failed");
    expect(r.code).toBe(1);
  });

  it("exits 2 on a bad backend or a missing directory", () => {
    expect(portcullis(["conformance", dir, "--backend", "go"]).code).toBe(2);
    expect(portcullis(["conformance", join(dir, "nope")]).code).toBe(2);
  });
});
