/**
 * Property tests: random small plans from a grammar of well-formed statements never make
 * the interpreter throw (every failure is a returned error value), evaluation is
 * deterministic, and the validator accepts everything the grammar builds.
 */
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { RNumber, RObject, RSet, keyOf, type Value } from "../values/index.js";
import { evaluate, type EvalResult } from "./interpreter.js";
import { validatePolicy } from "./validate.js";
import { prettyPolicy } from "./pretty.js";
import * as B from "./builder.js";
import type { Block, Func, Operand, Policy, Stmt } from "./types.js";

// Deterministic fake builtins: one that works, one that fails like a builtin, one that
// crashes like a bug. The real registry is exercised end to end elsewhere.
vi.mock("../builtins/index.js", async () => {
  const { RNumber } = await import("../values/index.js");
  return {
    getBuiltin: (name: string) =>
      ({
        "fake.count": { name, arity: 1, fn: (a: unknown[]) => (Array.isArray(a[0]) ? RNumber.fromInt(a[0].length) : undefined) },
        "fake.fail": {
          name,
          arity: 1,
          fn: () => {
            throw Object.assign(new Error("fake.fail: nope"), { code: "eval_builtin_error" });
          },
        },
        "fake.crash": {
          name,
          arity: 0,
          fn: () => {
            throw new TypeError("cannot read properties of undefined");
          },
        },
      })[name],
  };
});

const STRINGS = ["a", "b", "g0", "f0", "f1", "1", "2.5", "-3", "1e2", "0"];
const NUMBER_STRINGS = [5, 6, 7, 8, 9];
const LOCALS = 8; // 0 input, 1 data, 2..7 scratch; 7 is every function's return
const BUILTINS: [string, number][] = [
  ["fake.count", 1],
  ["fake.fail", 1],
  ["fake.crash", 0],
];

const localArb = fc.integer({ min: 0, max: LOCALS - 1 });
const scratchArb = fc.integer({ min: 2, max: LOCALS - 1 });
const operandArb: fc.Arbitrary<Operand> = fc.oneof(
  { weight: 4, arbitrary: localArb.map(B.local) },
  { weight: 1, arbitrary: fc.boolean().map(B.bool) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: STRINGS.length - 1 }).map((value) => ({ type: "string_index" as const, value })) },
);

/** Which functions a body may call: only later ones, so the call graph has no cycles. */
interface Scope {
  callable: Func[];
  inFunc: boolean;
}

function leafArb(scope: Scope, depth: number): fc.Arbitrary<Stmt> {
  const leaves: fc.Arbitrary<Stmt>[] = [
    fc.integer({ min: 0, max: depth - 1 }).map(B.breakStmt),
    fc.constant(B.nop()),
    fc.tuple(operandArb, operandArb).map(([a, b]) => B.equal(a, b)),
    fc.tuple(operandArb, operandArb).map(([a, b]) => B.notEqual(a, b)),
    operandArb.map(B.isArray),
    operandArb.map(B.isObject),
    operandArb.map(B.isSet),
    localArb.map(B.isDefined),
    localArb.map(B.isUndefined),
    fc.tuple(operandArb, operandArb, scratchArb).map(([s, k, t]) => B.dot(s, k, t)),
    fc.tuple(operandArb, scratchArb).map(([s, t]) => B.len(s, t)),
    fc.tuple(operandArb, scratchArb).map(([s, t]) => B.assignVar(s, t)),
    fc.tuple(operandArb, scratchArb).map(([s, t]) => B.assignVarOnce(s, t)),
    fc.tuple(fc.integer({ min: -5, max: 5 }), scratchArb).map(([v, t]) => B.assignInt(v, t)),
    scratchArb.map(B.resetLocal),
    scratchArb.map(B.makeNull),
    fc.tuple(fc.integer({ min: -1000, max: 1000 }), scratchArb).map(([v, t]) => B.makeNumberInt(v, t)),
    fc.tuple(fc.constantFrom(...NUMBER_STRINGS), scratchArb).map(([i, t]) => B.makeNumberRef(i, t)),
    scratchArb.map((t) => B.makeArray(t)),
    scratchArb.map(B.makeObject),
    scratchArb.map(B.makeSet),
    fc.tuple(operandArb, scratchArb).map(([v, a]) => B.arrayAppend(v, a)),
    fc.tuple(operandArb, operandArb, scratchArb).map(([k, v, o]) => B.objectInsert(k, v, o)),
    fc.tuple(operandArb, operandArb, scratchArb).map(([k, v, o]) => B.objectInsertOnce(k, v, o)),
    fc.tuple(localArb, localArb, scratchArb).map(([a, b, t]) => B.objectMerge(a, b, t)),
    fc.tuple(operandArb, scratchArb).map(([v, s]) => B.setAdd(v, s)),
    fc.tuple(fc.constantFrom(...BUILTINS), localArb, scratchArb).map(([[name, arity], a, r]) =>
      B.call(name, arity ? [B.local(a)] : [], r),
    ),
    fc.tuple(fc.array(operandArb, { maxLength: 3 }), scratchArb).map(([path, r]) => B.callDynamic(path, [0, 1], r)),
  ];
  if (scope.inFunc) leaves.push(fc.constant(B.returnLocal(LOCALS - 1)));
  else leaves.push(localArb.map(B.resultSetAdd));
  if (scope.callable.length > 0) {
    leaves.push(
      fc.tuple(fc.constantFrom(...scope.callable), operandArb, scratchArb).map(([fn, extra, r]) =>
        B.call(fn.name, fn.params.length === 3 ? [B.local(0), B.local(1), extra] : [B.local(0), B.local(1)], r),
      ),
    );
  }
  return fc.oneof(...leaves);
}

function stmtArb(scope: Scope, depth: number, budget: number): fc.Arbitrary<Stmt> {
  const leaf = leafArb(scope, depth);
  if (budget <= 0) return leaf;
  const inner = () => blockArb(scope, depth + 1, budget - 1);
  return fc.oneof(
    { weight: 8, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(inner(), { minLength: 1, maxLength: 3 }).map((bs) => B.blockStmt(...bs)) },
    { weight: 1, arbitrary: inner().map((b) => B.not(...b.stmts)) },
    { weight: 1, arbitrary: fc.tuple(localArb, scratchArb, scratchArb, inner()).map(([s, k, v, b]) => B.scan(s, k, v, ...b.stmts)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(0, 1), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }), operandArb, inner())
        .map(([l, path, v, b]) => B.withStmt(l, path, v, ...b.stmts)),
    },
  );
}

function blockArb(scope: Scope, depth: number, budget: number): fc.Arbitrary<Block> {
  return fc.array(stmtArb(scope, depth, budget), { maxLength: 6 }).map((stmts) => B.block(...stmts));
}

/** Every body starts by writing all scratch locals, so no read is of a never-written local. */
const prologue = (): Block => B.block(...Array.from({ length: LOCALS - 2 }, (_, i) => B.makeNull(i + 2)), B.resetLocal(LOCALS - 1));

const policyArb: fc.Arbitrary<Policy> = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }))
  .chain(([nFuncs, extraParam]) => {
    // Shapes first (names, params), then bodies: function i may call only j > i.
    const shapes: Func[] = Array.from({ length: nFuncs }, (_, i) => ({
      name: `g0.data.t.f${i}`,
      params: extraParam[i] ? [0, 1, 2] : [0, 1],
      return: LOCALS - 1,
      blocks: [],
      path: ["g0", "t", `f${i}`],
    }));
    const funcBodies = shapes.map((fn, i) =>
      fc.array(blockArb({ callable: shapes.slice(i + 1), inFunc: true }, 1, 2), { maxLength: 3 }),
    );
    // Like planner output, each plan block ends by adding a result (so results are common).
    const planBlock = fc
      .tuple(blockArb({ callable: shapes, inFunc: false }, 1, 2), scratchArb)
      .map(([b, l]) => B.block(...b.stmts, B.resultSetAdd(l)));
    const planBody = fc.array(planBlock, { minLength: 1, maxLength: 3 });
    return fc.tuple(planBody, fc.tuple(...funcBodies)).map(([planBlocks, bodies]) => {
      const b = new B.PolicyBuilder();
      for (const s of STRINGS) b.index(s);
      for (const [name, arity] of BUILTINS) b.builtin(name, arity);
      shapes.forEach((fn, i) =>
        b.func(fn.name, fn.params, fn.return, [prologueFor(fn), ...bodies[i]!, B.block(B.returnLocal(fn.return))], fn.path),
      );
      b.plan("q", [prologue(), ...planBlocks]);
      return b.build();
    });
  });

function prologueFor(fn: Func): Block {
  // Params keep their values: only the other scratch locals are initialised.
  return B.block(...prologue().stmts.filter((s) => !("target" in s.stmt) || !fn.params.includes(s.stmt.target)));
}

const valueArb: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -3, max: 3 }).map((i) => RNumber.fromInt(i)),
    fc.constantFrom("a", "b", "0", ""),
    fc.array(tie("v"), { maxLength: 3 }),
    fc.array(fc.tuple(fc.constantFrom<Value>("a", "b", "c"), tie("v")), { maxLength: 3 }).map((es) => RObject.from(es)),
    fc.array(tie("v"), { maxLength: 3 }).map((vs) => RSet.from(vs)),
  ),
})).v;

function fingerprint(r: EvalResult): string {
  return "error" in r ? `E ${r.error.code} ${r.error.message}` : `R ${r.results.map(keyOf).join(" ")}`;
}

describe("interpreter properties", () => {
  it("never throws, is deterministic, and the validator accepts grammar-built plans", () => {
    fc.assert(
      fc.property(policyArb, fc.option(valueArb, { nil: undefined }), valueArb, fc.boolean(), (policy, input, data, strict) => {
        expect(validatePolicy(policy)).toEqual([]);
        const options = { input, data, strictBuiltinErrors: strict, nowNs: 1n, timeoutMs: 10_000 };
        let first: EvalResult;
        try {
          first = evaluate(policy, "q", options);
        } catch (e) {
          throw new Error(`evaluate threw ${String(e)} on\n${prettyPolicy(policy)}`);
        }
        expect(fingerprint(evaluate(policy, "q", options))).toBe(fingerprint(first));
        if ("error" in first) expect(first.error.code).toMatch(/^(eval_|internal_error)/);
        // pretty never throws either
        expect(prettyPolicy(policy)).toContain("plan q");
      }),
      { numRuns: 400 },
    );
  });

  it("with input/data never mutates the caller's values", () => {
    fc.assert(
      fc.property(policyArb, valueArb, valueArb, (policy, input, data) => {
        const before = [keyOf(input), keyOf(data)];
        evaluate(policy, "q", { input, data });
        expect([keyOf(input), keyOf(data)]).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });
});
