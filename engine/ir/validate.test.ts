import { describe, expect, it } from "vitest";
import { validatePolicy } from "./validate.js";
import { prettyPolicy, prettyPlan } from "./pretty.js";
import {
  PolicyBuilder,
  assignVar,
  at,
  block,
  blockStmt,
  breakStmt,
  call,
  dot,
  isUndefined,
  local,
  makeNumberRef,
  makeObject,
  not,
  objectInsert,
  resultSetAdd,
  returnLocal,
  scan,
  withStmt,
} from "./builder.js";
import type { Policy, Stmt } from "./types.js";

/** A small well-formed policy: a rule function and a plan that calls it. */
function good(): PolicyBuilder {
  const b = new PolicyBuilder();
  const f = b.file("test-0.rego");
  b.func("g0.data.t.p", [0, 1], 2, [block(at(dot(local(0), b.str("a"), 2), f, 3, 5)), block(returnLocal(2))], ["g0", "t", "p"]);
  b.builtin("count", 1);
  b.plan("q", [
    block(
      call("g0.data.t.p", [local(0), local(1)], 3),
      call("count", [local(3)], 4),
      makeObject(5),
      objectInsert(b.str("x"), local(4), 5),
      resultSetAdd(5),
    ),
  ]);
  return b;
}

function messages(p: Policy): string[] {
  return validatePolicy(p).map((e) => e.message);
}

/** `good()` with one extra statement at the end of the plan's block. */
function withExtra(...stmts: Stmt[]): Policy {
  const p = good().build();
  p.plans.plans[0]!.blocks[0]!.stmts.push(...stmts);
  return p;
}

describe("validatePolicy", () => {
  it("accepts a well-formed policy", () => {
    expect(validatePolicy(good().build())).toEqual([]);
  });

  it("rejects breaks that leave the plan, and accepts the deepest legal one", () => {
    expect(messages(withExtra(breakStmt(1)))).toEqual([expect.stringContaining("break index 1 leaves the plan")]);
    expect(messages(withExtra(blockStmt(block(not(breakStmt(2))))))).toEqual([]);
    expect(messages(withExtra(blockStmt(block(not(breakStmt(3))))))).toEqual([expect.stringContaining("break index 3")]);
  });

  it("rejects calls to unknown functions and arity mismatches", () => {
    expect(messages(withExtra(call("nope", [], 6)))).toEqual([expect.stringContaining("calls nope, which is neither")]);
    expect(messages(withExtra(call("g0.data.t.p", [local(0)], 6)))).toEqual([expect.stringContaining("takes 2 args, called with 1")]);
    expect(messages(withExtra(call("count", [], 6)))).toEqual([expect.stringContaining("builtin count takes 1 args")]);
  });

  it("rejects string, file and with-path indices out of range", () => {
    expect(messages(withExtra(assignVar({ type: "string_index", value: 99 }, 6)))).toEqual([
      expect.stringContaining("operand string index 99 out of range"),
    ]);
    expect(messages(withExtra(at(makeObject(6), 7, 1)))).toEqual([expect.stringContaining("file index 7 out of range")]);
    expect(messages(withExtra(withStmt(0, [42], local(0))))).toEqual([expect.stringContaining("with path string index 42")]);
  });

  it("rejects MakeNumberRef of a string that is not a number", () => {
    const b = good();
    const i = b.index("twelve");
    const p = b.build();
    p.plans.plans[0]!.blocks[0]!.stmts.push(makeNumberRef(i, 6));
    expect(messages(p)).toEqual([expect.stringContaining('"twelve" is not a number')]);
  });

  it("rejects reads of locals nothing assigns, but not IsUndefined probes", () => {
    expect(messages(withExtra(assignVar(local(40), 6)))).toEqual([expect.stringContaining("reads %40, which nothing assigns")]);
    expect(messages(withExtra(isUndefined(41)))).toEqual([]);
    // A local written only inside a scan counts as written.
    expect(messages(withExtra(scan(3, 8, 9, assignVar(local(9), 10)), assignVar(local(10), 6)))).toEqual([]);
  });

  it("rejects invalid locals, misplaced ResultSetAdd/ReturnLocal, duplicate names and unknown statements", () => {
    expect(messages(withExtra(assignVar(local(-1), 6)))).toEqual([expect.stringContaining("-1 is not a valid local")]);
    expect(messages(withExtra(returnLocal(2)))).toEqual([expect.stringContaining("ReturnLocal outside a function")]);
    const p = good().build();
    p.funcs.funcs[0]!.blocks[0]!.stmts.push(resultSetAdd(2));
    p.funcs.funcs.push(p.funcs.funcs[0]!);
    p.plans.plans[0]!.blocks[0]!.stmts.push({ type: "FrobStmt", stmt: {} } as unknown as Stmt);
    const m = messages(p);
    expect(m).toContainEqual(expect.stringContaining("ResultSetAdd inside a function"));
    expect(m).toContainEqual(expect.stringContaining("function g0.data.t.p defined twice"));
    expect(m).toContainEqual(expect.stringContaining("unknown statement type FrobStmt"));
  });

  it("reports errors as values with code and the statement's location", () => {
    const [e] = validatePolicy(withExtra(at(call("nope", [], 6), 0, 9, 2)));
    expect(e).toEqual({ code: "internal_error", message: expect.stringContaining("invalid IR: plan q"), location: { file: "test-0.rego", row: 9, col: 2 } });
  });

  it("does not throw on garbage", () => {
    expect(validatePolicy({} as Policy).length).toBeGreaterThan(0);
    expect(validatePolicy({ static: { strings: [], builtin_funcs: [], files: [] }, plans: { plans: [{ name: "q", blocks: [{} as never] }] }, funcs: { funcs: [] } }).length).toBe(1);
  });
});

describe("pretty", () => {
  it("prints statics, plans and funcs with resolved strings, locals and locations", () => {
    const text = prettyPolicy(good().build());
    expect(text).toContain('| | | #0 "a"');
    expect(text).toContain("| | | count/1");
    expect(text).toContain("| | func g0.data.t.p(%0, %1) -> %2 path=g0.t.p");
    expect(text).toContain('| | | | DotStmt source=%0 key="a"#0 target=%2  @test-0.rego:3:5');
    expect(text).toContain("| | plan q");
    expect(text).toContain("| | | | CallStmt func=g0.data.t.p args=[%0, %1] result=%3");
  });

  it("prints nested blocks indented under their statement, and can omit locations", () => {
    const b = new PolicyBuilder();
    b.plan("q", [block(not(at(breakStmt(0), b.file("f.rego"), 1)))]);
    const text = prettyPolicy(b.build(), { locations: false });
    expect(text).toContain("| | plan q\n| | | block\n| | | | NotStmt\n| | | | | block\n| | | | | | BreakStmt index=0\n");
    expect(prettyPlan(b.build(), b.build().plans.plans[0]!)).toMatch(/^plan q\n\| block/);
  });
});
