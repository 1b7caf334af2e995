/** Calls, builtin errors, With, conflicts and limits on hand-written plans. */
import { describe, expect, it, vi } from "vitest";
import { RObject, RSet, equal as valueEqual, toJSON } from "../values/index.js";
import { evaluate, formatEvalError } from "./interpreter.js";
import {
  J,
  emitX,
  n,
  planX,
  run,
  runError,
} from "./testkit.js";
import {
  PolicyBuilder,
  arrayAppend,
  assignVar,
  assignVarOnce,
  at,
  block,
  bool,
  breakStmt,
  call,
  callDynamic,
  dot,
  equal,
  local,
  makeArray,
  makeNull,
  makeNumberInt,
  makeNumberRef,
  makeObject,
  makeSet,
  not,
  objectInsert,
  objectInsertOnce,
  resultSetAdd,
  returnLocal,
  scan,
  setAdd,
  withStmt,
} from "./builder.js";


vi.mock("../builtins/index.js", () => import("./fake-builtins.js"));

describe("calls", () => {
  it("calls a plan function with extra arguments and returns its local", () => {
    const b = new PolicyBuilder();
    // f(a) := [a, a]
    b.func("g0.data.t.f", [0, 1, 2], 3, [
      block(makeArray(4), arrayAppend(local(2), 4), arrayAppend(local(2), 4), assignVarOnce(local(4), 3)),
      block(returnLocal(3)),
    ]);
    planX(b, call("g0.data.t.f", [local(0), local(1), b.str("z")], 9));
    expect(run(b)).toEqual([{ x: ["z", "z"] }]);
  });

  it("an undefined function result or argument makes the call undefined", () => {
    const b = new PolicyBuilder();
    b.func("g0.data.t.u", [0, 1], 2, [block(equal(bool(true), bool(false)), assignVarOnce(bool(true), 2)), block(returnLocal(2))]);
    b.plan("q", [
      block(call("g0.data.t.u", [local(0), local(1)], 9), ...emitX(b, 9)),
      block(call("g0.data.t.u", [local(0), local(5)], 9), ...emitX(b, 9)),
      block(makeNull(9), ...emitX(b, 9)),
    ]);
    expect(run(b)).toEqual([{ x: null }]);
  });

  it("CallDynamic resolves a function by its path and is undefined for unknown paths", () => {
    const b = new PolicyBuilder();
    b.func("g0.data.t.p", [0, 1], 2, [block(assignVarOnce(b.str("P"), 2)), block(returnLocal(2))], ["g0", "t", "p"]);
    b.plan("q", [
      block(assignVar(b.str("p"), 5), callDynamic([b.str("g0"), b.str("t"), local(5)], [0, 1], 9), ...emitX(b, 9)),
      block(callDynamic([b.str("g0"), b.str("t"), b.str("zz")], [0, 1], 9), ...emitX(b, 9)),
    ]);
    expect(run(b, { input: null })).toEqual([{ x: "P" }]);
  });

  it("memoises no-argument rules once per evaluation, and afresh inside With", () => {
    const b = new PolicyBuilder();
    const printed: string[] = [];
    // r := input, with a print side effect so we can count evaluations
    b.func("g0.data.t.r", [0, 1], 2, [block(call("print", [b.str("eval r")], 3), assignVarOnce(local(0), 2)), block(returnLocal(2))]);
    planX(
      b,
      makeArray(9),
      call("g0.data.t.r", [local(0), local(1)], 3),
      call("g0.data.t.r", [local(0), local(1)], 3),
      arrayAppend(local(3), 9),
      withStmt(0, [], b.str("other"), call("g0.data.t.r", [local(0), local(1)], 4), call("g0.data.t.r", [local(0), local(1)], 4), arrayAppend(local(4), 9)),
      call("g0.data.t.r", [local(0), local(1)], 5),
      arrayAppend(local(5), 9),
    );
    expect(run(b, { input: "in", print: (m) => printed.push(m) })).toEqual([{ x: ["in", "other", "in"] }]);
    expect(printed).toEqual(["eval r", "eval r"]);
  });

  it("relation builtins return an array that the plan scans", () => {
    const b = new PolicyBuilder();
    b.plan("q", [
      block(call("walk.pairs", [b.str("v")], 2), scan(2, 3, 4, makeObject(5), objectInsert(b.str("x"), local(3), 5), resultSetAdd(5))),
    ]);
    expect(run(b)).toEqual([{ x: 0 }, { x: 1 }]);
  });

  it("passes nowNs and print through to builtins", () => {
    const b = new PolicyBuilder();
    planX(b, call("time.now_ns", [], 9), call("print", [b.str("hello")], 3));
    const printed: string[] = [];
    expect(run(b, { nowNs: 42n, print: (m) => printed.push(m) })).toEqual([{ x: 42 }]);
    expect(printed).toEqual(["hello"]);
  });

  it("an unknown function is an error value, not a throw", () => {
    const b = new PolicyBuilder();
    planX(b, at(call("nope.nope", [], 9), b.file("test-0.rego"), 3, 5));
    const e = runError(b);
    expect(e.code).toBe("internal_error");
    expect(e.message).toContain("nope.nope");
    expect(e.location).toEqual({ file: "test-0.rego", row: 3, col: 5 });
  });
});

describe("builtin errors", () => {
  function divPlan() {
    const b = new PolicyBuilder();
    const file = b.file("test-0.rego");
    b.plan("q", [
      block(makeNumberInt(1, 2), makeNumberInt(0, 3), at(call("div", [local(2), local(3)], 9), file, 4, 7), ...emitX(b, 9)),
      block(makeNumberInt(5, 9), ...emitX(b, 9)),
    ]);
    return b;
  }

  it("make the call undefined when not strict", () => {
    expect(run(divPlan())).toEqual([{ x: 5 }]);
  });

  it("fail the evaluation with the builtin's code, name-prefixed message and the statement's location when strict", () => {
    const e = runError(divPlan(), { strictBuiltinErrors: true });
    expect(e).toEqual({ code: "eval_builtin_error", message: "div: divide by zero", location: { file: "test-0.rego", row: 4, col: 7 } });
    expect(formatEvalError(e)).toBe("test-0.rego:4: eval_builtin_error: div: divide by zero");
  });

  it("thrown BuiltinErrors behave like returned ones and keep their code; the name is not doubled", () => {
    const b = new PolicyBuilder();
    b.plan("q", [block(call("boom", [b.str("a")], 9), ...emitX(b, 9))]);
    expect(run(b)).toEqual([]);
    const e = runError(b, { strictBuiltinErrors: true });
    expect(e.code).toBe("eval_type_error");
    expect(e.message).toBe("boom: operand 1 must be string but got number");
  });
});

describe("With", () => {
  it("replaces the value at a path for the block only, copying instead of mutating", () => {
    const b = new PolicyBuilder();
    const input = J({ a: { b: 1, c: 2 }, d: 3 });
    planX(
      b,
      makeArray(9),
      withStmt(0, [b.index("a"), b.index("b")], b.str("new"), arrayAppend(local(0), 9)),
      arrayAppend(local(0), 9),
    );
    expect(run(b, { input })).toEqual([{ x: [{ a: { b: "new", c: 2 }, d: 3 }, { a: { b: 1, c: 2 }, d: 3 }] }]);
    expect(toJSON(input)).toEqual({ a: { b: 1, c: 2 }, d: 3 });
  });

  it("creates missing or scalar intermediates as objects, and replaces undefined input", () => {
    const b = new PolicyBuilder();
    planX(b, withStmt(0, [b.index("p"), b.index("q")], bool(true), assignVar(local(0), 9)));
    expect(run(b)).toEqual([{ x: { p: { q: true } } }]);
    expect(run(b, { input: J({ p: 7, z: 1 }) })).toEqual([{ x: { p: { q: true }, z: 1 } }]);
  });

  it("nests: inner with sees the outer replacement and both are undone in order", () => {
    const b = new PolicyBuilder();
    planX(
      b,
      makeArray(9),
      withStmt(
        1,
        [b.index("a")],
        b.str("A"),
        withStmt(1, [b.index("b")], b.str("B"), arrayAppend(local(1), 9)),
        arrayAppend(local(1), 9),
      ),
      arrayAppend(local(1), 9),
    );
    expect(run(b, { data: J({ c: 1 }) })).toEqual([{ x: [{ a: "A", b: "B", c: 1 }, { a: "A", c: 1 }, { c: 1 }] }]);
  });

  it("an undefined statement in the block does not make the with undefined; Break 1 leaves the enclosing block", () => {
    const b = new PolicyBuilder();
    b.plan("q", [
      block(makeArray(9), withStmt(0, [], bool(true), equal(bool(true), bool(false))), arrayAppend(b.str("after"), 9), ...emitX(b, 9)),
      block(withStmt(0, [], bool(true), breakStmt(1)), makeNull(9), ...emitX(b, 9)),
    ]);
    expect(run(b)).toEqual([{ x: ["after"] }]);
  });

  it("restores the local even when the block raises", () => {
    const b = new PolicyBuilder();
    b.plan("q", [block(withStmt(0, [], bool(true), makeNumberInt(1, 2), makeNumberInt(0, 3), call("div", [local(2), local(3)], 4)))]);
    expect(runError(b, { input: "x", strictBuiltinErrors: true }).code).toBe("eval_builtin_error");
  });
});

describe("conflicts", () => {
  function twoValues(name: string, params: number[]) {
    const b = new PolicyBuilder();
    const file = b.file("test-0.rego");
    const args = params.map((p) => local(p < 2 ? p : 0));
    b.func(name, params, 8, [
      block(at(assignVarOnce(b.str("one"), 8), file, 3)),
      block(at(assignVarOnce(b.str("two"), 8), file, 4)),
      block(returnLocal(8)),
    ]);
    planX(b, call(name, args, 9));
    return b;
  }

  it("complete rules: AssignVarOnce with a different value raises eval_conflict_error", () => {
    const e = runError(twoValues("g0.data.a.b", [0, 1]), { input: null });
    expect(e.code).toBe("eval_conflict_error");
    expect(e.message).toBe("rule data.a.b produced conflicting values (complete rules must not produce multiple outputs)");
    expect(e.location).toEqual({ file: "test-0.rego", row: 4, col: 1 });
  });

  it("functions: the message names the function and its inputs", () => {
    const e = runError(twoValues("g0.data.a.f", [0, 1, 2]), { input: null });
    expect(e.code).toBe("eval_conflict_error");
    expect(e.message).toBe(
      "function data.a.f produced conflicting values for the same inputs (functions must not produce multiple outputs for same inputs)",
    );
  });

  it("assigning the same value twice is not a conflict (1 and 1.0 are the same)", () => {
    const b = new PolicyBuilder();
    b.func("g0.data.a.b", [0, 1], 2, [
      block(makeNumberInt(1, 3), assignVarOnce(local(3), 2)),
      block(makeNumberRef(b.index("1.0"), 3), assignVarOnce(local(3), 2)),
      block(returnLocal(2)),
    ]);
    planX(b, call("g0.data.a.b", [local(0), local(1)], 9));
    expect(run(b)).toEqual([{ x: 1 }]);
  });

  it("ObjectInsertOnce: same key with a different value raises, same value does not", () => {
    const b = new PolicyBuilder();
    b.func("g0.data.a.obj", [0, 1], 2, [
      block(makeObject(2)),
      block(objectInsertOnce(b.str("k"), b.str("v"), 2)),
      block(objectInsertOnce(b.str("k"), b.str("v"), 2)),
      block(dot(local(0), b.str("clash"), 3), objectInsertOnce(b.str("k"), local(3), 2)),
      block(returnLocal(2)),
    ]);
    planX(b, call("g0.data.a.obj", [local(0), local(1)], 9));
    expect(run(b, { input: J({}) })).toEqual([{ x: { k: "v" } }]);
    const e = runError(b, { input: J({ clash: "w" }) });
    expect(e.code).toBe("eval_conflict_error");
    expect(e.message).toBe("rule data.a.obj: object keys must be unique");
  });
});

describe("errors and limits", () => {
  it("an unknown plan name is an error value", () => {
    const e = runError(new PolicyBuilder(), {}, "missing");
    expect(e.code).toBe("internal_error");
  });

  it("a deadline aborts a long evaluation with eval_cancel_error", () => {
    const b = new PolicyBuilder();
    // Scan a 2000-element array, calling a slow builtin each time: ~10 s without the deadline.
    b.plan("q", [block(dot(local(0), b.str("xs"), 2), scan(2, 3, 4, call("spin", [], 5), makeNull(9), ...emitX(b, 9)))]);
    const input = new RObject().set("xs", Array.from({ length: 2000 }, (_, i) => n(i)));
    const started = Date.now();
    const e = runError(b, { input, timeoutMs: 50 });
    expect(e.code).toBe("eval_cancel_error");
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it("runaway recursion in a malformed plan is an error value, not a stack overflow", () => {
    const b = new PolicyBuilder();
    b.func("g0.data.t.loop", [0, 1, 2], 3, [block(call("g0.data.t.loop", [local(0), local(1), local(2)], 3)), block(returnLocal(3))]);
    planX(b, call("g0.data.t.loop", [local(0), local(1), b.str("x")], 9));
    expect(runError(b).code).toBe("internal_error");
  });

  it("results are RObjects built by the plan, compared by value", () => {
    const b = new PolicyBuilder();
    planX(b, makeSet(9), setAdd(b.str("a"), 9));
    const r = evaluate(b.build(), "q", {});
    expect("results" in r && valueEqual(r.results[0]!, RObject.from([["x", RSet.from(["a"])]]))).toBe(true);
  });
});
