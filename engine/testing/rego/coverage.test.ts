import { describe, expect, it, vi } from "vitest";
import fc from "fast-check";
import { parseModule } from "../../rego/index.js";
import { evaluate } from "../../ir/interpreter.js";
import { PolicyBuilder, at, block, bool, dot, equal, local, makeObject, objectInsert, resultSetAdd, assignVar, not, call, returnLocal } from "../../ir/builder.js";
import { RObject } from "../../values/index.js";
import { coverableLines, coverageReport, percentage, toRanges } from "./coverage.js";
import { LineCollector, tracePolicy } from "./trace.js";

// The plans below call no builtin; the registry is mocked so this test does not depend on it.
vi.mock("../../builtins/index.js", () => ({ getBuiltin: () => undefined }));

const MODULE = `package cov

# a comment is never coverable

allow if {
	input.user == "alice"
	count(input.roles) > 0
}

names := [n |
	some n in input.names
	n != ""
]

default deny := false

check(x) if {
	every y in x {
		y > 1
	}
}
`;

function parse(source: string, file = "cov.rego") {
  const { module, errors } = parseModule(source, file);
  expect(errors).toEqual([]);
  return module!;
}

describe("coverable lines", () => {
  it("are rule heads and body literals, nested bodies included, never comments or braces", () => {
    expect([...coverableLines(parse(MODULE))].sort((a, b) => a - b)).toEqual([5, 6, 7, 10, 11, 12, 15, 17, 18, 19]);
  });

  it("count else heads and bodies", () => {
    const m = parse(`package e\n\np := 1 if {\n\tinput.a\n} else := 2 if {\n\tinput.b\n}\n`);
    expect([...coverableLines(m)].sort((a, b) => a - b)).toEqual([3, 4, 5, 6]);
  });
});

describe("coverage report", () => {
  it("covers a rule head only when its rule produced a value", () => {
    const module = parse(MODULE);
    const none = coverageReport([{ file: "cov.rego", module }], { evaluated: new Map([["cov.rego", new Set([6, 7])]]), produced: new Map() });
    expect(none.files["cov.rego"]!.not_covered[0]).toEqual({ start: 5, end: 5 });
    // Else branches: the second definition's last literal is row 6.
    const e = parse(`package e\n\np := 1 if {\n\tinput.a\n} else := 2 if {\n\tinput.b\n}\n`);
    const r = coverageReport([{ file: "cov.rego", module: e }], { evaluated: new Map([["cov.rego", new Set([4, 6])]]), produced: new Map([["cov.rego", new Set([6])]]) });
    expect(r.files["cov.rego"]!.covered).toEqual([{ start: 4, end: 6 }]);
    expect(r.files["cov.rego"]!.not_covered).toEqual([{ start: 3, end: 3 }]);
  });

  it("splits covered and not covered lines per file and totals them", () => {
    const module = parse(MODULE);
    const evaluated = new Map([["cov.rego", new Set([6, 7, 15, 40])]]);
    // Row 7 produced allow's value, so its head (row 5) is covered too.
    const report = coverageReport([{ file: "cov.rego", module }], { evaluated, produced: new Map([["cov.rego", new Set([7])]]) });
    const f = report.files["cov.rego"]!;
    expect(f.covered).toEqual([{ start: 5, end: 7 }, { start: 15, end: 15 }]);
    expect(f.not_covered).toEqual([{ start: 10, end: 12 }, { start: 17, end: 19 }]);
    expect([f.covered_lines, f.not_covered_lines, f.coverage]).toEqual([4, 6, 40]);
    expect(report.coverage).toBe(40);
  });

  it("totals across files, weighting by lines", () => {
    const a = parse("package a\n\np if true\n", "a.rego");
    const b = parse(MODULE, "b.rego");
    const report = coverageReport([{ file: "b.rego", module: b }, { file: "a.rego", module: a }], { evaluated: new Map([["a.rego", new Set([3])]]), produced: new Map() });
    expect(Object.keys(report.files)).toEqual(["a.rego", "b.rego"]);
    expect([report.covered_lines, report.not_covered_lines]).toEqual([1, 10]);
    expect(report.coverage).toBe(9.09);
  });

  it("rounds percentages down, so one missing line in many never reaches 100", () => {
    expect(percentage(99999, 100000)).toBe(99.99);
    expect(percentage(2, 3)).toBe(66.66);
    expect(percentage(0, 0)).toBe(100);
  });

  it("folds rows into disjoint, sorted, non-adjacent ranges holding exactly those rows", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 200 })), (rows) => {
        const ranges = toRanges(rows);
        const back = ranges.flatMap((r) => Array.from({ length: r.end - r.start + 1 }, (_, i) => r.start + i));
        expect(back).toEqual([...new Set(rows)].sort((a, b) => a - b));
        for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.start).toBeGreaterThan(ranges[i - 1]!.end + 1);
      }),
    );
  });
});

describe("tracing the IR interpreter", () => {
  // plan "t/p": row 3 reads input.user, row 4 tests it against "alice" (undefined for
  // bob, so row 5 never runs); the function at rows 10-11 runs inside a Not.
  function policy() {
    const b = new PolicyBuilder();
    const f = b.file("t.rego");
    const g = b.file("g.rego");
    b.func("g0.data.t.q", [0, 1], 2, [block(at(assignVar(bool(true), 2), g, 10), at(returnLocal(2), g, 11))]);
    b.plan("t/p", [
      block(
        at(dot(local(0), b.str("user"), 3), f, 3),
        at(equal(local(3), b.str("alice")), f, 4),
        at(makeObject(4), f, 5),
        at(objectInsert(b.str("result"), bool(true), 4), f, 5),
        at(resultSetAdd(4), f, 5),
      ),
      block(at(not(at(call("g0.data.t.q", [local(0), local(1)], 5), f, 7), at(equal(local(5), bool(false)), f, 8)), f, 6)),
    ]);
    return b.build();
  }

  it("observes exactly the statements the interpreter runs", () => {
    const base = policy();
    const collector = new LineCollector(base);
    const traced = tracePolicy(base, collector.observe);
    const result = evaluate(traced, "t/p", { input: new RObject().set("user", "bob") });
    expect(result).toEqual({ results: [] });
    expect([...collector.evaluated.get("t.rego")!].sort()).toEqual([3, 4, 6, 7, 8]);
    expect([...collector.evaluated.get("g.rego")!].sort()).toEqual([10, 11]);
  });

  it("leaves the original policy untouched and evaluates the same", () => {
    const base = policy();
    const traced = tracePolicy(base, () => {});
    const input = new RObject().set("user", "alice");
    expect(evaluate(traced, "t/p", { input })).toEqual(evaluate(base, "t/p", { input }));
    expect(base.plans.plans[0]!.blocks[0]!.stmts.length).toBe(5);
  });
});
