import { describe, expect, test } from "vitest";
import { createRequire } from "node:module";
import { loadPolicy, PolicyError, type LoadedPolicy } from "../policy/index.js";
import { toJSON, RNumber, type Value } from "../values/index.js";
import type { Stmt } from "../ir/types.js";
import { generate } from "./codegen.js";
import { PolicyBuilder, block, bool, local, st } from "../ir/builder.js";

const sdk = createRequire(import.meta.url)("@open-policy-agent/opa-wasm") as {
  loadPolicy(w: Uint8Array, m?: unknown, c?: Record<string, unknown>): Promise<{ evaluate(i: unknown, e?: string | number): unknown; setData(d: unknown): void; mem: { buffer: ArrayBuffer } }>;
};

/** A policy whose rule function `g0.data.t.p` has the given body; entrypoint `t/p`. */
function rule(body: (p: PolicyBuilder) => Stmt[], setup?: (p: PolicyBuilder) => void): PolicyBuilder {
  const p = new PolicyBuilder();
  setup?.(p);
  p.func("g0.data.t.p", [0, 1], 2, [block(...body(p))], ["g0", "t", "p"]);
  p.entrypoint("t/p", "g0.data.t.p");
  return p;
}

async function load(p: PolicyBuilder, opts: Parameters<typeof loadPolicy>[1] = {}): Promise<LoadedPolicy> {
  return loadPolicy(await generate(p.build()), opts);
}

/** The `result` of the single result, or undefined for an empty result set. */
function result(rs: Value[]): unknown {
  expect(rs.length).toBeLessThanOrEqual(1);
  if (rs.length === 0) return undefined;
  return (toJSON(rs[0]!) as { result: unknown }).result;
}

async function run(p: PolicyBuilder, input?: unknown, data?: unknown): Promise<unknown> {
  const pol = await load(p, data === undefined ? {} : { data });
  return result(pol.evaluate(input));
}

const assign = (p: PolicyBuilder, v: string) => st("AssignVarOnceStmt", { source: p.str(v), target: 2 });

describe("control flow", () => {
  test("an undefined statement stops its block; the next block still runs", async () => {
    const p = new PolicyBuilder();
    p.func("g0.data.t.p", [0, 1], 2, [
      block(st("DotStmt", { source: local(0), key: p.str("missing"), target: 3 }), st("AssignVarStmt", { source: p.str("first"), target: 2 })),
      block(st("IsUndefinedStmt", { source: 2 }), st("AssignVarStmt", { source: p.str("second"), target: 2 })),
    ]);
    p.entrypoint("t/p", "g0.data.t.p");
    expect(await run(p, { x: 1 })).toBe("second");
  });

  test("a rule that never assigns is undefined: empty result set, not false", async () => {
    const p = rule((p) => [st("EqualStmt", { a: p.str("a"), b: p.str("b") }), assign(p, "no")]);
    expect((await load(p)).evaluate({})).toEqual([]);
  });

  test("Break leaves index + 1 blocks", async () => {
    const p = rule((p) => [
      st("BlockStmt", {
        blocks: [
          block(st("BlockStmt", { blocks: [block(st("BreakStmt", { index: 1 }), assign(p, "inner"))] }), assign(p, "after inner")),
        ],
      }),
      st("AssignVarStmt", { source: p.str("outer"), target: 3 }),
      st("IsUndefinedStmt", { source: 2 }),
      st("AssignVarStmt", { source: local(3), target: 2 }),
    ]);
    expect(await run(p, {})).toBe("outer");
  });

  test("Not holds when its block is undefined and fails when it is defined", async () => {
    const mk = (key: string) =>
      rule((p) => [st("NotStmt", { block: block(st("DotStmt", { source: local(0), key: p.str(key), target: 3 })) }), assign(p, "negated")]);
    expect(await run(mk("absent"), { present: 1 })).toBe("negated");
    expect(await run(mk("present"), { present: 1 })).toBeUndefined();
  });

  test("Scan visits arrays (index keys), objects (sorted keys) and sets in canonical order", async () => {
    const p = rule((p) => [
      st("MakeArrayStmt", { capacity: 0, target: 5 }),
      st("DotStmt", { source: local(0), key: p.str("c"), target: 3 }),
      st("ScanStmt", {
        source: 3, key: 6, value: 7,
        block: block(st("MakeArrayStmt", { capacity: 2, target: 8 }), st("ArrayAppendStmt", { value: local(6), array: 8 }),
          st("ArrayAppendStmt", { value: local(7), array: 8 }), st("ArrayAppendStmt", { value: local(8), array: 5 })),
      }),
      st("AssignVarStmt", { source: local(5), target: 2 }),
    ]);
    const pol = await load(p);
    expect(result(pol.evaluate({ c: ["x", "y"] }))).toEqual([[0, "x"], [1, "y"]]);
    expect(result(pol.evaluate({ c: { b: 1, a: 2, "é": 3, Z: 4 } }))).toEqual([["Z", 4], ["a", 2], ["b", 1], ["é", 3]]);
    expect(result(pol.evaluate({ c: "not a collection" }))).toEqual([]);
  });

  test("Scan over a set, with undefined bodies skipping members", async () => {
    const p = rule((p) => [
      st("MakeSetStmt", { target: 3 }),
      ...[3, 1, 2, 1].map((n) => st("SetAddStmt", { value: p.str(String(n)), set: 3 })),
      st("MakeArrayStmt", { capacity: 0, target: 5 }),
      st("ScanStmt", { source: 3, key: 6, value: 7, block: block(st("NotEqualStmt", { a: local(7), b: p.str("2") }), st("ArrayAppendStmt", { value: local(6), array: 5 })) }),
      st("AssignVarStmt", { source: local(5), target: 2 }),
    ]);
    expect(await run(p, {})).toEqual(["1", "3"]);
  });

  test("With replaces input (and data) paths for its block only, without mutating them", async () => {
    const p = rule((p) => [
      st("MakeArrayStmt", { capacity: 3, target: 5 }),
      st("WithStmt", {
        local: 0, path: [p.index("a"), p.index("b")], value: p.str("patched"),
        block: block(st("DotStmt", { source: local(0), key: p.str("a"), target: 3 }), st("DotStmt", { source: local(3), key: p.str("b"), target: 4 }),
          st("ArrayAppendStmt", { value: local(4), array: 5 }), st("DotStmt", { source: local(3), key: p.str("c"), target: 6 }),
          st("ArrayAppendStmt", { value: local(6), array: 5 })),
      }),
      st("DotStmt", { source: local(0), key: p.str("a"), target: 3 }),
      st("DotStmt", { source: local(3), key: p.str("b"), target: 4 }),
      st("ArrayAppendStmt", { value: local(4), array: 5 }),
      st("WithStmt", { local: 1, path: [], value: p.str("whole"), block: block(st("ArrayAppendStmt", { value: local(1), array: 5 })) }),
      st("AssignVarStmt", { source: local(5), target: 2 }),
    ]);
    expect(await run(p, { a: { b: "orig", c: "kept" } })).toEqual(["patched", "kept", "orig", "whole"]);
  });
});

describe("data statements", () => {
  test("numbers, null, booleans, objects, ObjectMerge, Len, Is*", async () => {
    const p = rule((p) => [
      st("MakeObjectStmt", { target: 5 }),
      st("MakeNumberIntStmt", { value: -42, target: 3 }),
      st("ObjectInsertStmt", { key: p.str("int"), value: local(3), object: 5 }),
      st("MakeNumberRefStmt", { index: p.index("18446744073709551617.5"), target: 3 }),
      st("ObjectInsertStmt", { key: p.str("ref"), value: local(3), object: 5 }),
      st("MakeNullStmt", { target: 3 }),
      st("ObjectInsertStmt", { key: p.str("null"), value: local(3), object: 5 }),
      st("ObjectInsertStmt", { key: p.str("bool"), value: bool(false), object: 5 }),
      st("LenStmt", { source: p.str("héllo"), target: 3 }),
      st("ObjectInsertStmt", { key: p.str("len"), value: local(3), object: 5 }),
      st("IsObjectStmt", { source: local(5) }),
      st("DotStmt", { source: local(0), key: p.str("o"), target: 6 }),
      st("ObjectMergeStmt", { a: 6, b: 5, target: 7 }),
      st("AssignVarStmt", { source: local(7), target: 2 }),
    ]);
    const pol = await load(p);
    const [r] = pol.evaluate({ o: { int: 1, extra: true } });
    const v = (r as unknown as { get(k: string): { get(k: string): Value } }).get("result");
    expect(v.get("ref")).toBeInstanceOf(RNumber);
    expect(String(v.get("ref"))).toBe("18446744073709551617.5");
    expect(toJSON(v as unknown as Value)).toMatchObject({ int: 1, extra: true, null: null, bool: false, len: 5 });
  });

  test("IsArray/IsSet fail on other types and undefined locals", async () => {
    const p = rule((p) => [st("DotStmt", { source: local(0), key: p.str("x"), target: 3 }), st("IsArrayStmt", { source: local(3) }), assign(p, "array")]);
    const pol = await load(p);
    expect(result(pol.evaluate({ x: [] }))).toBe("array");
    expect(result(pol.evaluate({ x: {} }))).toBeUndefined();
    expect(result(pol.evaluate({}))).toBeUndefined();
  });
});

describe("calls", () => {
  test("IR functions with arguments, native builtins and the host fallback for big numbers", async () => {
    const p = new PolicyBuilder();
    p.func("g0.data.t.double", [0, 1, 2], 3, [block(st("CallStmt", { func: "plus", args: [local(2), local(2)], result: 3 }))], ["g0", "t", "double"]);
    p.func("g0.data.t.p", [0, 1], 2, [block(
      st("DotStmt", { source: local(0), key: p.str("n"), target: 3 }),
      st("CallStmt", { func: "g0.data.t.double", args: [local(0), local(1), local(3)], result: 4 }),
      st("AssignVarOnceStmt", { source: local(4), target: 2 }),
    )], ["g0", "t", "p"]);
    p.entrypoint("t/p", "g0.data.t.p");
    const pol = await load(p);
    expect(result(pol.evaluate({ n: 21 }))).toBe(42);
    expect(String((pol.evaluate({ n: RNumber.fromInt(2n ** 70n) })[0] as unknown as { get(k: string): Value }).get("result"))).toBe(String(2n ** 71n));
    expect(result(pol.evaluate({ n: 1.25 }))).toBe(2.5);
    expect(pol.builtins).toEqual({ plus: 0 });
  });

  test("native string builtins, with the host handling non-ASCII case mapping", async () => {
    const p = rule((p) => [
      st("DotStmt", { source: local(0), key: p.str("s"), target: 3 }),
      st("CallStmt", { func: "upper", args: [local(3)], result: 4 }),
      st("CallStmt", { func: "startswith", args: [local(4), p.str("AB")], result: 5 }),
      st("EqualStmt", { a: local(5), b: bool(true) }),
      st("AssignVarOnceStmt", { source: local(4), target: 2 }),
    ]);
    const pol = await load(p);
    expect(result(pol.evaluate({ s: "abc" }))).toBe("ABC");
    expect(result(pol.evaluate({ s: "abé" }))).toBe("ABÉ");
    expect(result(pol.evaluate({ s: "xbc" }))).toBeUndefined();
  });

  test("host builtins receive sets and exact numbers intact", async () => {
    const seen: Value[][] = [];
    const p = rule((p) => [
      st("MakeSetStmt", { target: 3 }),
      st("SetAddStmt", { value: p.str("b"), set: 3 }),
      st("SetAddStmt", { value: p.str("a"), set: 3 }),
      st("MakeNumberRefStmt", { index: p.index("0.1"), target: 4 }),
      st("CallStmt", { func: "test.echo", args: [local(3), local(4)], result: 5 }),
      st("AssignVarOnceStmt", { source: local(5), target: 2 }),
    ], (p) => p.builtin("test.echo", 2));
    const pol = await load(p, { builtins: { "test.echo": (args) => (seen.push(args), args[0]) } });
    expect(pol.evaluate({})).toHaveLength(1);
    expect(seen[0]!.map(String)).toEqual([String(seen[0]![0]), "0.1"]);
    expect(seen[0]![0]!.constructor.name).toBe("RSet");
  });

  test("CallDynamic dispatches on a path computed at run time", async () => {
    const p = new PolicyBuilder();
    p.func("g0.data.t.a", [0, 1], 2, [block(st("AssignVarStmt", { source: p.str("A"), target: 2 }))], ["g0", "t", "a"]);
    p.func("g0.data.t.b", [0, 1], 2, [block(st("AssignVarStmt", { source: p.str("B"), target: 2 }))], ["g0", "t", "b"]);
    p.func("g0.data.t.p", [0, 1], 2, [block(
      st("DotStmt", { source: local(0), key: p.str("which"), target: 3 }),
      st("CallDynamicStmt", { path: [p.str("g0"), p.str("t"), local(3)], args: [0, 1], result: 4 }),
      st("AssignVarStmt", { source: local(4), target: 2 }),
    )], ["g0", "t", "p"]);
    p.entrypoint("t/p", "g0.data.t.p");
    const pol = await load(p);
    expect(result(pol.evaluate({ which: "a" }))).toBe("A");
    expect(result(pol.evaluate({ which: "b" }))).toBe("B");
    expect(result(pol.evaluate({ which: "c" }))).toBeUndefined();
  });
});

describe("conflicts abort with the interpreter's wording", () => {
  test("complete rule", async () => {
    const p = rule((p) => [assign(p, "a"), st("AssignVarOnceStmt", { source: p.str("b"), target: 2 }, { file: p.file("t.rego"), row: 3, col: 5 })]);
    const pol = await load(p);
    const err = (() => { try { pol.evaluate({}); } catch (e) { return e; } })() as PolicyError;
    expect(err).toBeInstanceOf(PolicyError);
    expect(err.code).toBe("eval_conflict_error");
    expect(err.message).toBe("rule data.t.p produced conflicting values (complete rules must not produce multiple outputs)");
    expect(err.location).toEqual({ file: "t.rego", row: 3, col: 5 });
  });

  test("same value twice is not a conflict", async () => {
    expect(await run(rule((p) => [assign(p, "a"), assign(p, "a")]), {})).toBe("a");
  });

  test("function and object key", async () => {
    const p = new PolicyBuilder();
    p.func("g0.data.t.f", [0, 1, 2], 3, [block(st("AssignVarOnceStmt", { source: p.str("x"), target: 3 }), st("AssignVarOnceStmt", { source: p.str("y"), target: 3 }))]);
    p.func("g0.data.t.p", [0, 1], 2, [block(st("CallStmt", { func: "g0.data.t.f", args: [local(0), local(1), p.str("1")], result: 2 }))]);
    p.func("g0.data.t.o", [0, 1], 2, [block(st("MakeObjectStmt", { target: 2 }), st("ObjectInsertOnceStmt", { key: p.str("k"), value: p.str("1"), object: 2 }),
      st("ObjectInsertOnceStmt", { key: p.str("k"), value: p.str("2"), object: 2 }))]);
    p.entrypoint("t/p", "g0.data.t.p");
    p.plan("t/o", block(st("CallStmt", { func: "g0.data.t.o", args: [local(0), local(1)], result: 2 }), st("ResultSetAddStmt", { value: 2 })));
    const pol = await load(p);
    expect(() => pol.evaluate({}, "t/p")).toThrow("function data.t.f produced conflicting values for the same inputs (functions must not produce multiple outputs for same inputs)");
    expect(() => pol.evaluate({}, "t/o")).toThrow("rule data.t.o: object keys must be unique");
  });
});

describe("the SDK", () => {
  const simple = () =>
    rule((p) => [
      st("DotStmt", { source: local(0), key: p.str("user"), target: 3 }),
      st("DotStmt", { source: local(1), key: p.str("admins"), target: 4 }),
      st("CallStmt", { func: "internal.member_2", args: [local(3), local(4)], result: 5 }),
      st("AssignVarOnceStmt", { source: local(5), target: 2 }),
    ]);

  test("loads our modules on both paths (opa_eval and the eval context) with equal results", async () => {
    const data = { admins: ["alice", "bob"] };
    const fast = await sdk.loadPolicy(await generate(simple().build(), { abiMinor: 3 }));
    const legacy = await sdk.loadPolicy(await generate(simple().build(), { abiMinor: 1 }));
    fast.setData(data);
    legacy.setData(data);
    for (const input of [{ user: "alice" }, { user: "carol" }, {}, [1, { user: "x" }]]) {
      const a = fast.evaluate(input, "t/p");
      expect(a).toEqual(legacy.evaluate(input, "t/p"));
    }
    expect(fast.evaluate({ user: "bob" })).toEqual([{ result: true }]);
    expect(legacy.evaluate({ user: "carol" })).toEqual([{ result: false }]);
    expect(fast.evaluate({})).toEqual([]);
    // our own loader drives both paths too
    const ours = await loadPolicy(await generate(simple().build(), { abiMinor: 1 }), { data });
    expect(result(ours.evaluate({ user: "alice" }))).toBe(true);
  });

  test("100,000 evaluations stay within the first evaluation's memory plus one page", async () => {
    const pol = await sdk.loadPolicy(await generate(simple().build()));
    pol.setData({ admins: Array.from({ length: 50 }, (_, i) => `user${i}`) });
    const input = { user: "user49", padding: "x".repeat(2000) };
    pol.evaluate(input);
    const high = pol.mem.buffer.byteLength;
    for (let i = 0; i < 100_000; i++) pol.evaluate(input);
    expect(pol.mem.buffer.byteLength).toBeLessThanOrEqual(high + 65536);
  }, 60_000);

  test("modules import only env.* and declare no memory maximum above 5 pages", async () => {
    const wasm = await generate(simple().build());
    const mod = new WebAssembly.Module(wasm);
    const imports = WebAssembly.Module.imports(mod);
    expect(imports.every((i) => i.module === "env")).toBe(true);
    expect(imports.find((i) => i.kind === "memory")?.name).toBe("memory");
    const exportNames = WebAssembly.Module.exports(mod).map((e) => e.name);
    for (const n of ["opa_eval", "eval", "opa_eval_ctx_new", "entrypoints", "builtins", "opa_json_dump", "opa_value_dump", "opa_heap_ptr_set", "opa_wasm_abi_version"]) {
      expect(exportNames).toContain(n);
    }
    expect(exportNames.some((n) => n.startsWith("rt_") || n.startsWith("b_"))).toBe(false);
    // instantiates with the SDK's default memory
    await sdk.loadPolicy(wasm);
  });
});
