import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { buildIR } from "../pipeline.js";
import { evaluate } from "../ir/interpreter.js";
import { formatError } from "../errors.js";
import type { Block, Policy, Stmt } from "../ir/types.js";
import { fromJSON, toJSON } from "../values/index.js";

function build(src: string | string[], opts: { query?: string; entrypoints?: string[] } = {}): Policy {
  const sources = Array.isArray(src) ? src : [src];
  const b = buildIR({
    modules: sources.map((source, i) => ({ file: `test-${i}.rego`, source })),
    queries: opts.query ? [{ name: "q", query: opts.query }] : [],
    entrypoints: opts.entrypoints,
  });
  if (!b.policy) throw new Error(b.errors.map(formatError).join("\n"));
  expect(JSON.parse(JSON.stringify(b.policy))).toEqual(b.policy); // JSON-serialisable
  return b.policy;
}

/** Runs a query; returns the result set as JSON, or the error text. */
function run(src: string | string[], query: string, env: { input?: unknown; data?: unknown } = {}): unknown {
  const policy = build(src, { query });
  const r = evaluate(policy, "q", { input: env.input === undefined ? undefined : fromJSON(env.input), data: env.data === undefined ? undefined : fromJSON(env.data) });
  if ("error" in r) return `${r.error.code}: ${r.error.message}`;
  return r.results.map(toJSON);
}

const x = (src: string | string[], env: { input?: unknown; data?: unknown } = {}, query = "data.test.p = x") => run(src, query, env);

function stmts(blocks: Block[]): Stmt[] {
  const out: Stmt[] = [];
  const visit = (b: Block) =>
    b.stmts.forEach((s) => {
      out.push(s);
      const f = s.stmt as Record<string, unknown>;
      if (Array.isArray(f.blocks)) (f.blocks as Block[]).forEach(visit);
      if (f.block) visit(f.block as Block);
    });
  blocks.forEach(visit);
  return out;
}

describe("IR shape", () => {
  test("a complete rule is a function g0.data.<pkg>.<rule> assigning its return once", () => {
    const p = build("package test\np := 1 if input.x", { entrypoints: ["test/p"] });
    const fn = p.funcs.funcs.find((f) => f.name === "g0.data.test.p")!;
    expect(fn.path).toEqual(["g0", "test", "p"]);
    expect(fn.params).toEqual([0, 1]);
    const types = stmts(fn.blocks).map((s) => s.type);
    expect(types).toContain("AssignVarOnceStmt");
    expect(types.at(-1)).toBe("ReturnLocalStmt");
    expect(p.plans.plans.map((x) => x.name)).toEqual(["test/p"]);
    const plan = stmts(p.plans.plans[0]!.blocks);
    expect(plan.find((s) => s.type === "CallStmt")!.stmt).toMatchObject({ func: "g0.data.test.p" });
    expect(plan.at(-1)!.type).toBe("ResultSetAddStmt");
  });

  test("partial sets and objects, functions with args, builtins listed", () => {
    const p = build("package test\ns contains x if some x in [1]\no[k] := 1 if k := \"a\"\nf(a) := count(a)", { query: "data.test.f([1], y); data.test.s = s; data.test.o = o" });
    const fn = (n: string) => p.funcs.funcs.find((f) => f.name === `g0.data.test.${n}`)!;
    expect(stmts(fn("s").blocks).map((s) => s.type)).toEqual(expect.arrayContaining(["MakeSetStmt", "SetAddStmt", "ScanStmt"]));
    expect(stmts(fn("o").blocks).map((s) => s.type)).toEqual(expect.arrayContaining(["MakeObjectStmt", "ObjectInsertOnceStmt"]));
    expect(fn("f").params).toEqual([0, 1, 2]);
    expect(p.static.builtin_funcs.map((b) => b.name)).toEqual(["count"]);
    expect(p.static.builtin_funcs[0]!.decl.args).toHaveLength(1);
    expect(p.static.files.map((f) => f.value)).toContain("test-0.rego");
  });

  test("big and decimal numbers go through the string table", () => {
    const p = build("package test\np := 18446744073709551617 + 1.5", { query: "data.test.p = x" });
    const refs = stmts(p.funcs.funcs[0]!.blocks).filter((s) => s.type === "MakeNumberRefStmt");
    expect(refs.map((s) => p.static.strings[(s.stmt as { index: number }).index]!.value)).toEqual(["18446744073709551617", "1.5"]);
  });

  test("negation, with and every lower to NotStmt / WithStmt", () => {
    const p = build("package test\np if { not input.x; every v in [1] { v > 0 } }\nq if p with input.x as false", { query: "data.test.q = x" });
    const all = p.funcs.funcs.flatMap((f) => stmts(f.blocks)).map((s) => s.type);
    expect(all).toEqual(expect.arrayContaining(["NotStmt", "ScanStmt", "WithStmt"]));
  });
});

describe("end to end: rules", () => {
  test("complete rules, and their run-time conflict", () => {
    expect(x("package test\np := 1")).toEqual([{ x: 1 }]);
    expect(x("package test\np := 1 if false")).toEqual([]);
    expect(x("package test\np := v if v := [1, 2][_]")).toEqual(`eval_conflict_error: rule data.test.p produced conflicting values (complete rules must not produce multiple outputs)`);
  });

  test("partial sets and objects; object key conflicts", () => {
    expect(x("package test\np contains v if some v in [3, 1, 3]")).toEqual([{ x: [1, 3] }]);
    expect(x("package test\np[k] := v if some k, v in {\"a\": 1}")).toEqual([{ x: { a: 1 } }]);
    expect(x("package test\np[k] := v if { some v in [1, 2]; k := \"a\" }")).toEqual("eval_conflict_error: rule data.test.p: object keys must be unique");
  });

  test("ref heads and the package document merged with base data", () => {
    const src = "package test\na.b[c].d := 1 if some c in [\"x\", \"y\"]\na.b.x.e := 2\nq := 3";
    expect(run(src, "data.test.a.b = x")).toEqual([{ x: { x: { d: 1, e: 2 }, y: { d: 1 } } }]);
    expect(run("package test\nq := 3", "data.test = x", { data: { test: { base: 1 } } })).toEqual([{ x: { q: 3, base: 1 } }]);
    expect(run("package test\ng[k] contains v if some k, v in [\"a\", \"b\", \"a\"]", "data.test.g = x")).toEqual([{ x: { "0": ["a"], "1": ["b"], "2": ["a"] } }]);
    expect(run("package test\ng[x][y] contains 1 if { some x in [\"a\"]; some y in [\"b\", \"c\"] }", "data.test.g = x")).toEqual([{ x: { a: { b: [1], c: [1] } } }]);
  });

  test("else chains and default", () => {
    const src = "package test\np := 1 if input.a else := 2 if input.b else := 3\ndefault q := 0\nq := 9 if input.q";
    expect(x(src, { input: { a: true } })).toEqual([{ x: 1 }]);
    expect(x(src, { input: { b: true } })).toEqual([{ x: 2 }]);
    expect(x(src, { input: {} })).toEqual([{ x: 3 }]);
    expect(run(src, "data.test.q = x", { input: {} })).toEqual([{ x: 0 }]);
    expect(run(src, "data.test.q = x", { input: { q: 1 } })).toEqual([{ x: 9 }]);
  });

  test("functions: several definitions, patterns, conflicts", () => {
    const src = "package test\nf(1) := \"one\"\nf(x) := \"big\" if { is_number(x); x > 10 }\nf([a, b]) := a + b\ng(x) := x\ng(x) := 2";
    expect(run(src, "data.test.f(1, a); data.test.f(11, b); data.test.f([1, 2], c)")).toEqual([{ a: "one", b: "big", c: 3 }]);
    expect(run(src, "data.test.f(5, a)")).toEqual([]);
    expect(run(src, "data.test.g(1, a)")).toEqual("eval_conflict_error: function data.test.g produced conflicting values for the same inputs (functions must not produce multiple outputs for same inputs)");
  });

  test("dynamic dispatch over data", () => {
    const src = ["package a.x\np := 1", "package a.y\np := 2"];
    expect(run(src, "v := data.a[k].p", { data: { a: { z: { p: 3 } } } })).toEqual([
      { k: "x", v: 1 },
      { k: "y", v: 2 },
      { k: "z", v: 3 },
    ]);
  });
});

describe("end to end: expressions", () => {
  test("comprehensions, negation, some and every", () => {
    expect(run("package test\np := [x * 2 | some x in input]", "data.test.p = x", { input: [1, 2] })).toEqual([{ x: [2, 4] }]);
    expect(run("package test", "x := {k: v | some k, v in [\"a\"]}")).toEqual([{ x: { "0": "a" } }]);
    expect(run("package test", "not 1 == 2; x := 1")).toEqual([{ x: 1 }]);
    expect(run("package test\np if every v in input { v > 0 }", "data.test.p = x", { input: [1, 2] })).toEqual([{ x: true }]);
    expect(run("package test\np if every v in input { v > 1 }", "data.test.p = x", { input: [1, 2] })).toEqual([]);
    expect(run("package test\np if every v in input { v > 1 }", "data.test.p = x", { input: [] })).toEqual([{ x: true }]);
  });

  test("membership and iteration", () => {
    expect(run("package test", "2 in [1, 2]; x := 1")).toEqual([{ x: 1 }]);
    expect(run("package test", "\"a\", 1 in {\"a\": 1}; x := 1")).toEqual([{ x: 1 }]);
    expect(run("package test", "x := input.xs[_]", { input: { xs: [1, 2] } })).toEqual([{ x: 1 }, { x: 2 }]);
    expect(run("package test", "input.o[k] = 2", { input: { o: { a: 1, b: 2 } } })).toEqual([{ k: "b" }]);
    expect(run("package test", "data.a[k]", { data: { a: { x: true, y: false } } })).toEqual([{ k: "x" }]);
  });

  test("unification of composite patterns", () => {
    expect(run("package test", "[x, y] = [1, 2]")).toEqual([{ x: 1, y: 2 }]);
    expect(run("package test", "{\"a\": x} = input", { input: { a: 5 } })).toEqual([{ x: 5 }]);
    expect(run("package test", "[x, [y, 3]] = [1, [2, z]]")).toEqual([{ x: 1, y: 2, z: 3 }]);
    expect(run("package test", "[x, 2] = [1, 3]")).toEqual([]);
  });

  test("builtins by name, queries with no vars", () => {
    expect(run("package test", "count([1, 2]) == 2")).toEqual([{}]);
    expect(run("package test", "x := sprintf(\"%d\", [5])")).toEqual([{ x: "5" }]);
  });
});

describe("end to end: with", () => {
  const src = [
    "package test",
    "p := input.x",
    "q := data.base.v",
    "r := p + 1",
    "f(a) := a",
    "g(a) := a * 10",
    "h := f(1)",
    "c := count([1, 2, 3])",
  ].join("\n");
  test("input and base data", () => {
    expect(run(src, "x := data.test.p with input.x as 7")).toEqual([{ x: 7 }]);
    expect(run(src, "x := data.test.q with data.base.v as 8")).toEqual([{ x: 8 }]);
    expect(run(src, "x := data.test.r with input as {\"x\": 1}; y := input", { input: { x: 5 } })).toEqual([{ x: 2, y: { x: 5 } }]);
  });
  test("virtual documents, also through other rules", () => {
    expect(run(src, "x := data.test.r with data.test.p as 100")).toEqual([{ x: 101 }]);
  });
  test("functions and builtins, also through other rules", () => {
    expect(run(src, "x := data.test.h with data.test.f as data.test.g")).toEqual([{ x: 10 }]);
    expect(run(src, "x := data.test.h with data.test.f as 5")).toEqual([{ x: 5 }]);
    expect(run(src, "x := data.test.c with count as 1")).toEqual([{ x: 1 }]);
    expect(run(src, "v := 4; x := data.test.c with count as v")).toEqual([{ v: 4, x: 4 }]);
  });
});

describe("property: plans agree with arithmetic", () => {
  test("sum of a filtered array comprehension", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 8 }), fc.integer({ min: -1000, max: 1000 }), (xs, t) => {
        const out = run("package test\np := sum([v | some v in input.xs; v > input.t])", "data.test.p = x", { input: { xs, t } });
        expect(out).toEqual([{ x: xs.filter((v) => v > t).reduce((a, b) => a + b, 0) }]);
      }),
      { numRuns: 30 },
    );
  });
});
