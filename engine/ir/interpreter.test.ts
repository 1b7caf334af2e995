import { describe, expect, it, vi } from "vitest";
import { RNumber, RObject, RSet, equal as valueEqual, fromJSON, toJSON, type Value } from "../values/index.js";
import { evaluate, formatEvalError, type EvalOptions } from "./interpreter.js";
import {
  PolicyBuilder,
  arrayAppend,
  assignInt,
  assignVar,
  assignVarOnce,
  at,
  block,
  blockStmt,
  bool,
  breakStmt,
  call,
  callDynamic,
  dot,
  equal,
  isArray,
  isDefined,
  isObject,
  isSet,
  isUndefined,
  len,
  local,
  makeArray,
  makeNull,
  makeNumberInt,
  makeNumberRef,
  makeObject,
  makeSet,
  nop,
  not,
  notEqual,
  objectInsert,
  objectInsertOnce,
  objectMerge,
  resetLocal,
  resultSetAdd,
  returnLocal,
  scan,
  setAdd,
  withStmt,
} from "./builder.js";
import type { Block, Stmt } from "./types.js";

// A fake builtin registry: tests control exactly what a builtin returns or raises.
vi.mock("../builtins/index.js", async () => {
  const { RNumber } = await import("../values/index.js");
  type Fn = (args: unknown[], ctx: { strict: boolean; nowNs: bigint; print: (m: string) => void }) => unknown;
  const table: Record<string, { name: string; arity: number; relation?: boolean; fn: Fn }> = {
    div: {
      name: "div",
      arity: 2,
      fn: (args) => {
        const [a, b] = args as [import("../values/index.js").RNumber, import("../values/index.js").RNumber];
        if (b.isZero()) return { code: "eval_builtin_error", message: "divide by zero" };
        return a.div(b);
      },
    },
    boom: {
      name: "boom",
      arity: 1,
      fn: () => {
        throw { code: "eval_type_error", message: "boom: operand 1 must be string but got number" };
      },
    },
    "time.now_ns": { name: "time.now_ns", arity: 0, fn: (_a, ctx) => RNumber.fromInt(ctx.nowNs) },
    print: {
      name: "print",
      arity: 1,
      fn: (args, ctx) => {
        ctx.print(String(args[0]));
        return true;
      },
    },
    spin: {
      name: "spin",
      arity: 0,
      fn: () => {
        const until = Date.now() + 5;
        while (Date.now() < until);
        return true;
      },
    },
    "walk.pairs": { name: "walk.pairs", arity: 1, relation: true, fn: (args) => [args[0], args[0]] },
  };
  return { getBuiltin: (name: string) => table[name] };
});

const n = (x: number) => RNumber.fromInt(x);
const J = (x: unknown) => fromJSON(x);

/** Evaluates and returns the results as plain JSON (sets as sorted arrays). */
function run(b: PolicyBuilder, options: EvalOptions = {}, plan = "q"): unknown {
  const r = evaluate(b.build(), plan, options);
  if ("error" in r) throw new Error(`unexpected error: ${formatEvalError(r.error)}`);
  return r.results.map((v) => toJSON(v));
}

function runError(b: PolicyBuilder, options: EvalOptions = {}, plan = "q") {
  const r = evaluate(b.build(), plan, options);
  if (!("error" in r)) throw new Error(`expected an error, got ${JSON.stringify(r.results.map(toJSON))}`);
  return r.error;
}

/** A plan whose single block runs `stmts` and then adds `{x: local 9}` to the result set. */
function planX(b: PolicyBuilder, ...stmts: Stmt[]): PolicyBuilder {
  return b.plan("q", [block(...stmts, ...emitX(b, 9))]);
}

function emitX(b: PolicyBuilder, source: number): Stmt[] {
  return [makeObject(99), objectInsert(b.str("x"), local(source), 99), resultSetAdd(99)];
}

describe("blocks, undefined and break", () => {
  it("an undefined statement stops its block but not the next block", () => {
    const b = new PolicyBuilder();
    b.plan("q", [
      block(equal(bool(true), bool(false)), makeNumberInt(1, 9), ...emitX(b, 9)),
      block(makeNumberInt(2, 9), ...emitX(b, 9)),
    ]);
    expect(run(b)).toEqual([{ x: 2 }]);
  });

  it("BlockStmt runs each inner block; undefined in one goes on with the next", () => {
    const b = new PolicyBuilder();
    planX(
      b,
      makeArray(9),
      blockStmt(
        block(arrayAppend(local(5), 9)), // local 5 undefined: this block stops
        block(arrayAppend(b.str("a"), 9)),
        block(arrayAppend(b.str("b"), 9)),
      ),
    );
    expect(run(b)).toEqual([{ x: ["a", "b"] }]);
  });

  it("Break 0 leaves only the current block; Break 1 also leaves the enclosing one", () => {
    const b = new PolicyBuilder();
    planX(
      b,
      makeArray(9),
      blockStmt(block(arrayAppend(b.str("a"), 9), breakStmt(0), arrayAppend(b.str("never"), 9))),
      blockStmt(
        block(blockStmt(block(arrayAppend(b.str("b"), 9), breakStmt(1), arrayAppend(b.str("never"), 9))), arrayAppend(b.str("skipped"), 9)),
        block(arrayAppend(b.str("c"), 9)),
      ),
    );
    expect(run(b)).toEqual([{ x: ["a", "b", "c"] }]);
  });

  it("a break past a BlockStmt skips the BlockStmt's remaining blocks", () => {
    const b = new PolicyBuilder();
    b.plan("q", [
      block(makeArray(9), blockStmt(block(breakStmt(1)), block(arrayAppend(b.str("never"), 9))), ...emitX(b, 9)),
      block(makeNumberInt(7, 9), ...emitX(b, 9)),
    ]);
    expect(run(b)).toEqual([{ x: 7 }]);
  });

  it("an else chain: IsDefined + Break 1 short-circuits the later branches", () => {
    // f := 1 if false else := 2 if true else := 3
    const b = new PolicyBuilder();
    b.func("g0.data.t.f", [0, 1], 2, [
      block(
        blockStmt(
          block(equal(bool(true), bool(false)), makeNumberInt(1, 3), assignVarOnce(local(3), 2), isDefined(2), breakStmt(1)),
          block(makeNumberInt(2, 3), assignVarOnce(local(3), 2), isDefined(2), breakStmt(1)),
          block(makeNumberInt(3, 3), assignVarOnce(local(3), 2), isDefined(2), breakStmt(1)),
        ),
      ),
      block(returnLocal(2)),
    ]);
    planX(b, call("g0.data.t.f", [local(0), local(1)], 9));
    expect(run(b)).toEqual([{ x: 2 }]);
  });

  it("a plan with no ResultSetAdd reached is undefined (empty result set), not false", () => {
    const b = new PolicyBuilder();
    planX(b, equal(b.str("a"), b.str("b")));
    expect(run(b)).toEqual([]);
  });
});

describe("Not", () => {
  it("is undefined when its block completes and defined when its block is undefined", () => {
    const b = new PolicyBuilder();
    b.plan("q", [
      block(not(equal(bool(true), bool(true))), makeNumberInt(1, 9), ...emitX(b, 9)),
      block(not(equal(bool(true), bool(false))), makeNumberInt(2, 9), ...emitX(b, 9)),
      block(not(breakStmt(0)), makeNumberInt(3, 9), ...emitX(b, 9)),
    ]);
    expect(run(b)).toEqual([{ x: 2 }, { x: 3 }]);
  });

  it("a break out of the Not's block past it leaves the enclosing block too", () => {
    const b = new PolicyBuilder();
    b.plan("q", [block(not(breakStmt(1)), makeNumberInt(1, 9), ...emitX(b, 9)), block(makeNumberInt(2, 9), ...emitX(b, 9))]);
    expect(run(b)).toEqual([{ x: 2 }]);
  });

  it("sees and can assign the frame's locals (negated expressions share the frame)", () => {
    const b = new PolicyBuilder();
    planX(b, makeNumberInt(5, 3), not(equal(local(3), b.str("five"))), assignVar(local(3), 9));
    expect(run(b)).toEqual([{ x: 5 }]);
  });
});

describe("Scan", () => {
  function scanPlan(b: PolicyBuilder, source: Value) {
    // x = [[k, v], ...] over the scanned collection
    b.plan("q", [
      block(
        makeArray(9),
        dot(local(0), b.str("c"), 2),
        scan(2, 3, 4, makeArray(5), arrayAppend(local(3), 5), arrayAppend(local(4), 5), arrayAppend(local(5), 9)),
        ...emitX(b, 9),
      ),
    ]);
    return run(b, { input: new RObject().set("c", source) });
  }

  it("iterates arrays as (index, value) in order", () => {
    expect(scanPlan(new PolicyBuilder(), ["b", "a"])).toEqual([{ x: [[0, "b"], [1, "a"]] }]);
  });

  it("iterates objects as (key, value) in key order", () => {
    const obj = RObject.from([["z", n(1)], ["a", n(2)], [n(10), n(3)]]);
    expect(scanPlan(new PolicyBuilder(), obj)).toEqual([{ x: [[10, 3], ["a", 2], ["z", 1]] }]);
  });

  it("iterates sets as (member, member) in sorted order", () => {
    const set = RSet.from(["b", n(2), "a", null]);
    expect(scanPlan(new PolicyBuilder(), set)).toEqual([{ x: [[null, null], [2, 2], ["a", "a"], ["b", "b"]] }]);
  });

  it("is undefined over scalars and empty collections", () => {
    for (const source of ["abc", n(1), null, [], new RObject(), new RSet()] as Value[]) {
      const b = new PolicyBuilder();
      b.plan("q", [block(dot(local(0), b.str("c"), 2), scan(2, 3, 4, nop()), makeNumberInt(1, 9), ...emitX(b, 9))]);
      expect(run(b, { input: new RObject().set("c", source) })).toEqual([]);
    }
  });

  it("an undefined statement or Break 0 in the body only ends that iteration", () => {
    const b = new PolicyBuilder();
    b.plan("q", [
      block(
        dot(local(0), b.str("c"), 2),
        scan(2, 3, 4, notEqual(local(4), b.str("skip")), makeObject(5), objectInsert(b.str("x"), local(4), 5), resultSetAdd(5)),
      ),
    ]);
    expect(run(b, { input: J({ c: ["a", "skip", "b"] }) })).toEqual([{ x: "a" }, { x: "b" }]);
  });

  it("a Break 1 in the body stops the scan and leaves the enclosing block", () => {
    const b = new PolicyBuilder();
    b.plan("q", [
      block(
        makeArray(9),
        dot(local(0), b.str("c"), 2),
        scan(2, 3, 4, arrayAppend(local(4), 9), equal(local(4), b.str("stop")), breakStmt(1)),
        arrayAppend(b.str("after"), 9),
        ...emitX(b, 9),
      ),
      block(...emitX(b, 9)),
    ]);
    expect(run(b, { input: J({ c: ["a", "stop", "b"] }) })).toEqual([{ x: ["a", "stop"] }]);
  });

  it("scans a snapshot: adding to the scanned set inside the body does not extend the scan", () => {
    const b = new PolicyBuilder();
    planX(
      b,
      makeSet(9),
      setAdd(b.str("a"), 9),
      scan(9, 3, 4, makeArray(5), arrayAppend(local(4), 5), setAdd(local(5), 9)),
    );
    expect(run(b)).toEqual([{ x: ["a", ["a"]] }]); // string sorts before array
  });

  it("duplicate ResultSetAdd values are added once, in first-seen order", () => {
    const b = new PolicyBuilder();
    b.plan("q", [
      block(dot(local(0), b.str("c"), 2), scan(2, 3, 4, makeObject(5), objectInsert(b.str("x"), local(4), 5), resultSetAdd(5))),
    ]);
    expect(run(b, { input: J({ c: [2, 1, 2, 1.0, 3] }) })).toEqual([{ x: 2 }, { x: 1 }, { x: 3 }]);
  });
});

describe("data statements", () => {
  it("Dot on arrays takes integer indices only", () => {
    const b = new PolicyBuilder();
    const one = b.index("1");
    const half = b.index("0.5");
    b.plan("q", [
      block(dot(local(0), b.str("a"), 2), makeNumberRef(one, 3), dot(local(2), local(3), 9), ...emitX(b, 9)),
      block(dot(local(0), b.str("a"), 2), makeNumberRef(half, 3), dot(local(2), local(3), 9), ...emitX(b, 9)),
      block(dot(local(0), b.str("a"), 2), makeNumberInt(-1, 3), dot(local(2), local(3), 9), ...emitX(b, 9)),
      block(dot(local(0), b.str("a"), 2), dot(local(2), b.str("0"), 9), ...emitX(b, 9)),
    ]);
    expect(run(b, { input: J({ a: ["p", "q"] }) })).toEqual([{ x: "q" }]);
  });

  it("Dot on objects by any key value, on sets by membership, and undefined on scalars", () => {
    const b = new PolicyBuilder();
    b.plan("q", [
      block(dot(local(0), b.str("o"), 2), makeNumberInt(1, 3), dot(local(2), local(3), 9), ...emitX(b, 9)),
      block(dot(local(0), b.str("s"), 2), dot(local(2), b.str("m"), 9), ...emitX(b, 9)),
      block(dot(local(0), b.str("s"), 2), dot(local(2), b.str("absent"), 9), ...emitX(b, 9)),
      block(dot(local(0), b.str("str"), 2), makeNumberInt(0, 3), dot(local(2), local(3), 9), ...emitX(b, 9)),
    ]);
    const input = RObject.from([
      ["o", RObject.from([[n(1), "one"]])],
      ["s", RSet.from(["m"])],
      ["str", "abc"],
    ]);
    expect(run(b, { input })).toEqual([{ x: "one" }, { x: "m" }]);
  });

  it("Len counts arrays, objects, sets and string code points", () => {
    const b = new PolicyBuilder();
    const blocks: Block[] = ["a", "o", "s", "t", "n"].map((k) =>
      block(dot(local(0), b.str(k), 2), len(local(2), 9), ...emitX(b, 9)),
    );
    b.plan("q", blocks);
    const input = RObject.from([
      ["a", [n(1), n(2), n(3)] as Value],
      ["o", J({ p: 1 })],
      ["s", RSet.from([n(1), n(2)])],
      ["t", "h€😀"],
      ["n", n(4)],
    ]);
    expect(run(b, { input })).toEqual([{ x: 3 }, { x: 1 }, { x: 2 }]);
  });

  it("Equal uses value equality (1 == 1.0) and NotEqual is its negation", () => {
    const b = new PolicyBuilder();
    const a = b.index("1.0");
    b.plan("q", [
      block(makeNumberInt(1, 2), makeNumberRef(a, 3), equal(local(2), local(3)), makeNumberInt(1, 9), ...emitX(b, 9)),
      block(makeNumberInt(1, 2), makeNumberRef(a, 3), notEqual(local(2), local(3)), makeNumberInt(2, 9), ...emitX(b, 9)),
      block(makeNumberInt(1, 2), notEqual(local(2), b.str("1")), makeNumberInt(3, 9), ...emitX(b, 9)),
    ]);
    expect(run(b)).toEqual([{ x: 1 }, { x: 3 }]);
  });

  it("MakeNumberRef keeps big integers and decimals exact", () => {
    const b = new PolicyBuilder();
    const big = b.index("18446744073709551617");
    planX(b, makeNumberRef(big, 9));
    const r = evaluate(b.build(), "q", {});
    const x = "results" in r ? (r.results[0] as RObject).get("x") : undefined;
    expect(x instanceof RNumber && x.toString()).toBe("18446744073709551617");
    expect(x instanceof RNumber && x.equals(RNumber.parse("18446744073709551616")!.add(RNumber.ONE))).toBe(true);
  });

  it("type tests, IsDefined/IsUndefined, ResetLocal, MakeNull, AssignInt", () => {
    const b = new PolicyBuilder();
    b.plan("q", [
      block(dot(local(0), b.str("a"), 2), isArray(local(2)), assignInt(1, 9), ...emitX(b, 9)),
      block(dot(local(0), b.str("a"), 2), isObject(local(2)), assignInt(2, 9), ...emitX(b, 9)),
      block(isObject(local(0)), isSet(local(0)), assignInt(3, 9), ...emitX(b, 9)),
      block(makeNull(4), isDefined(4), resetLocal(4), isUndefined(4), assignInt(4, 9), ...emitX(b, 9)),
      block(isArray(b.str("s")), assignInt(5, 9), ...emitX(b, 9)),
    ]);
    expect(run(b, { input: J({ a: [] }) })).toEqual([{ x: 1 }, { x: 4 }]);
  });

  it("builds arrays, objects and sets; ObjectMerge merges nested objects without mutating", () => {
    const b = new PolicyBuilder();
    planX(b, dot(local(0), b.str("a"), 2), dot(local(0), b.str("b"), 3), objectMerge(2, 3, 9), makeSet(4), setAdd(local(9), 4));
    const input = J({ a: { x: 1, n: { p: 1 } }, b: { x: 2, y: 3, n: { q: 2 } } });
    const before = JSON.stringify(toJSON(input));
    expect(run(b, { input })).toEqual([{ x: { x: 1, y: 3, n: { p: 1, q: 2 } } }]);
    expect(JSON.stringify(toJSON(input))).toBe(before);
  });

  it("ObjectMerge: where either side is not an object, a wins (base data shadows virtual docs)", () => {
    const b = new PolicyBuilder();
    b.plan("q", [
      block(dot(local(0), b.str("s"), 2), dot(local(0), b.str("b"), 3), objectMerge(2, 3, 9), ...emitX(b, 9)),
      block(dot(local(0), b.str("b"), 2), dot(local(0), b.str("s"), 3), objectMerge(2, 3, 9), ...emitX(b, 9)),
    ]);
    expect(run(b, { input: J({ s: "str", b: { k: 1 } }) })).toEqual([{ x: "str" }, { x: { k: 1 } }]);
  });

  it("operations on undefined locals are undefined", () => {
    const b = new PolicyBuilder();
    b.plan("q", [
      block(assignVar(local(7), 9), ...emitX(b, 9)),
      block(makeArray(9), arrayAppend(local(7), 9), ...emitX(b, 9)),
      block(makeObject(9), objectInsert(local(7), bool(true), 9), ...emitX(b, 9)),
      block(equal(local(7), local(7)), makeNull(9), ...emitX(b, 9)),
      block(len(local(7), 9), ...emitX(b, 9)),
    ]);
    expect(run(b)).toEqual([]);
  });
});

describe("input and data", () => {
  it("an absent input leaves local 0 undefined; null input is defined", () => {
    const b = new PolicyBuilder();
    b.plan("q", [block(isDefined(0), assignVar(local(0), 9), ...emitX(b, 9))]);
    expect(run(b)).toEqual([]);
    expect(run(b, { input: null })).toEqual([{ x: null }]);
  });

  it("data defaults to an empty object", () => {
    const b = new PolicyBuilder();
    planX(b, assignVar(local(1), 9));
    expect(run(b)).toEqual([{ x: {} }]);
    expect(run(b, { data: J({ a: 1 }) })).toEqual([{ x: { a: 1 } }]);
  });
});

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
