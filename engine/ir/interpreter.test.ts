/** Control flow and data statements on hand-written plans. */
import { describe, expect, it, vi } from "vitest";
import { RNumber, RObject, RSet, toJSON, type Value } from "../values/index.js";
import { evaluate } from "./interpreter.js";
import { J, emitX, n, planX, run } from "./testkit.js";
import {
  PolicyBuilder,
  arrayAppend,
  assignInt,
  assignVar,
  assignVarOnce,
  block,
  blockStmt,
  bool,
  breakStmt,
  call,
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
  objectMerge,
  resetLocal,
  resultSetAdd,
  returnLocal,
  scan,
  setAdd,
} from "./builder.js";
import type { Block } from "./types.js";

vi.mock("../builtins/index.js", () => import("./fake-builtins.js"));

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

