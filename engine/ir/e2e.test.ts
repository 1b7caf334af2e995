/**
 * End to end through the real pipeline: Rego source → buildIR → validate → evaluate,
 * with the real builtins. These pin the interpreter's side of the contract with the
 * planner (how rules, else chains, with and conflicts are lowered).
 */
import { describe, expect, it } from "vitest";
import { buildIR } from "../pipeline.js";
import { fromJSON, toJSON, type Value } from "../values/index.js";
import { evaluate, formatEvalError, type EvalOptions } from "./interpreter.js";
import { validatePolicy } from "./validate.js";
import type { RegoError } from "../errors.js";

function build(modules: string[], query: string) {
  const built = buildIR({
    modules: modules.map((source, i) => ({ file: `test-${i}.rego`, source })),
    queries: [{ name: "q", query }],
  });
  expect(built.errors).toEqual([]);
  expect(validatePolicy(built.policy!)).toEqual([]);
  return built.policy!;
}

function query(modules: string[], q: string, options: EvalOptions = {}): unknown[] | RegoError {
  const r = evaluate(build(modules, q), "q", options);
  return "error" in r ? r.error : r.results.map((v) => toJSON(v));
}

const input = (x: unknown): EvalOptions => ({ input: fromJSON(x) });

describe("rules end to end", () => {
  it("complete, partial set and partial object rules", () => {
    const m = `package t
p := 1
s contains x if { some x in input.xs; x > 1 }
o[k] := v if { some k, v in input.m; v != 0 }`;
    expect(query([m], "x := data.t.p")).toEqual([{ x: 1 }]);
    expect(query([m], "x := data.t.s", input({ xs: [1, 2, 3, 2] }))).toEqual([{ x: [2, 3] }]);
    expect(query([m], "x := data.t.o", input({ m: { a: 1, b: 0 } }))).toEqual([{ x: { a: 1 } }]);
  });

  it("functions, else chains and defaults", () => {
    const m = `package t
f(x) := "neg" if { x < 0 } else := "zero" if { x == 0 } else := "pos"
default d := "none"
d := input.v if { input.v }`;
    expect(query([m], "a := data.t.f(-1); b := data.t.f(0); c := data.t.f(3)")).toEqual([{ a: "neg", b: "zero", c: "pos" }]);
    expect(query([m], "x := data.t.d", input({}))).toEqual([{ x: "none" }]);
    expect(query([m], "x := data.t.d", input({ v: "set" }))).toEqual([{ x: "set" }]);
  });

  it("an undefined input does not stop rules that never read it", () => {
    const m = `package t
p := 1
q if { input.x }`;
    expect(query([m], "x := data.t.p")).toEqual([{ x: 1 }]);
    expect(query([m], "x := data.t.q")).toEqual([]);
  });

  it("negation, every, comprehensions and iteration produce OPA's result sets", () => {
    const m = `package t
allow if { not input.blocked; every x in input.xs { x < 10 } }
ys := [y | some y in input.xs; y % 2 == 1]`;
    expect(query([m], "x := data.t.allow", input({ xs: [1, 2] }))).toEqual([{ x: true }]);
    expect(query([m], "x := data.t.allow", input({ xs: [1, 20] }))).toEqual([]);
    expect(query([m], "x := data.t.allow", input({ blocked: true, xs: [] }))).toEqual([]);
    expect(query([m], "x := data.t.ys", input({ xs: [1, 2, 3] }))).toEqual([{ x: [1, 3] }]);
    expect(query([m], "some x in input.xs", input({ xs: ["a", "b", "a"] }))).toEqual([{ x: "a" }, { x: "b" }]);
  });

  it("with replaces input and data for one literal only", () => {
    const m = `package t
p := input.v
q := data.cfg.level
r := [a, b] if { a := p with input.v as 2; b := p }`;
    expect(query([m], "x := data.t.r", input({ v: 1 }))).toEqual([{ x: [2, 1] }]);
    expect(query([m], "x := data.t.q with data.cfg.level as 7", { data: fromJSON({ cfg: { level: 1 } }) })).toEqual([{ x: 7 }]);
  });
});

describe("errors end to end", () => {
  it("complete-rule conflicts", () => {
    const m = `package t
p := 1
p := 2 if { input.two }`;
    expect(query([m], "x := data.t.p", input({}))).toEqual([{ x: 1 }]);
    const e = query([m], "x := data.t.p", input({ two: true })) as RegoError;
    expect(e.code).toBe("eval_conflict_error");
    expect(e.message).toContain("rule data.t.p produced conflicting values");
    expect(e.message).toContain("complete rules must not produce multiple outputs");
  });

  it("function conflicts", () => {
    const m = `package t
f(x) := 1 if { x > 0 }
f(x) := 2 if { x > 1 }`;
    const e = query([m], "x := data.t.f(5)") as RegoError;
    expect(e.code).toBe("eval_conflict_error");
    expect(e.message).toContain("function data.t.f produced conflicting values for the same inputs");
  });

  it("object key conflicts in partial object rules", () => {
    const m = `package t
o[k] := v if { some k, v in {"a": 1} }
o[k] := v if { k := "a"; v := 2 }`;
    const e = query([m], "x := data.t.o") as RegoError;
    expect(e.code).toBe("eval_conflict_error");
    expect(e.message).toContain("object keys must be unique");
  });

  it("builtin errors: undefined when not strict, located and OPA-formatted when strict", () => {
    const m = `package t

p if {
	x := 1 / input.d
}`;
    expect(query([m], "x := data.t.p", input({ d: 0 }))).toEqual([]);
    const r = evaluate(build([m], "x := data.t.p"), "q", { input: fromJSON({ d: 0 }), strictBuiltinErrors: true });
    expect("error" in r && formatEvalError(r.error)).toBe("test-0.rego:4: eval_builtin_error: div: divide by zero");
  });

  it("a timeout stops a long evaluation with eval_cancel_error", () => {
    const m = `package t
n := count([1 | some a in numbers.range(1, 300); some b in numbers.range(1, 300); some c in numbers.range(1, 300)])`;
    const e = query([m], "x := data.t.n", { timeoutMs: 20 }) as RegoError;
    expect(e.code).toBe("eval_cancel_error");
  });
});

describe("memoisation", () => {
  it("a rule used inside a loop is evaluated once (linear, not quadratic)", () => {
    const m = `package t
big contains x if { some x in numbers.range(1, 2000) }
hits := count([x | some x in numbers.range(1, 2000); big[x]])`;
    const started = Date.now();
    expect(query([m], "x := data.t.hits")).toEqual([{ x: 2000 }]);
    // Without the memo this is 2000 × 2000 set inserts; generous bound, not a benchmark.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("counts evaluations: a no-argument rule runs once per evaluation however often it is referenced", () => {
    const m = `package t
r := x if { print("r"); x := 3 }
s := [y | some i in numbers.range(1, 40); y := r + i]`;
    const printed: string[] = [];
    const got = query([m], "x := count(data.t.s)", { print: (msg) => printed.push(msg) });
    expect(got).toEqual([{ x: 40 }]);
    expect(printed.length).toBe(1);
  });

  it("results under with are not served from the memo of the plain evaluation", () => {
    const m = `package t
p := input.v
q := [p, p2, p] if { p2 := p with input.v as "w" }`;
    expect(query([m], "x := data.t.q", input({ v: "v" }))).toEqual([{ x: ["v", "w", "v"] }]);
  });
});

describe("determinism", () => {
  it("object and set iteration follows OPA's sort order regardless of input order", () => {
    const m = `package t
ks := [k | some k, _ in input.o]`;
    const a = query([m], "x := data.t.ks", input({ o: { b: 1, a: 2, c: 3 } }));
    const b = query([m], "x := data.t.ks", input({ o: { c: 3, b: 1, a: 2 } }));
    expect(a).toEqual([{ x: ["a", "b", "c"] }]);
    expect(b).toEqual(a);
  });

  it("evaluates the same policy twice to the same results (no state leaks between evaluations)", () => {
    const policy = build([`package t\ns contains x if { some x in input.xs }`], "x := data.t.s");
    const run = (xs: Value) => evaluate(policy, "q", { input: fromJSON({ xs }) });
    const first = run(fromJSON([1, 2]));
    run(fromJSON([3]));
    expect(run(fromJSON([1, 2]))).toEqual(first);
  });
});
