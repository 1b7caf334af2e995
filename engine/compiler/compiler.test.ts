import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { parseModule, parseQuery, printBody, printTerm } from "../rego/index.js";
import type { Module } from "../rego/ast.js";
import { formatError, type RegoError } from "../errors.js";
import { builtinLookup } from "../pipeline.js";
import { compileModules, compileQuery, nodeAt } from "./index.js";
import { packageRuleNames, resolveModule } from "./resolve.js";
import { buildRuleTree } from "./ruletree.js";

function parse(...sources: string[]): Module[] {
  return sources.map((s, i) => {
    const r = parseModule(s, `m${i}.rego`);
    if (!r.module) throw new Error(r.errors.map(formatError).join("\n"));
    return r.module;
  });
}

function compile(...sources: string[]) {
  return compileModules(parse(...sources), builtinLookup);
}

function errors(...sources: string[]): string[] {
  return compile(...sources).errors.map(formatError);
}

function ruleBody(sources: string[], path: string[], i = 0): string {
  const { policy, errors: errs } = compile(...sources);
  expect(errs.map(formatError)).toEqual([]);
  return printBody(nodeAt(policy.root, path)!.rules[i]!.body);
}

describe("stage 1: resolve refs and imports", () => {
  test("rule names of the package become data refs, across modules", () => {
    const mods = parse("package a\np if q", "package a\nq := 1");
    const errs: RegoError[] = [];
    const r = resolveModule(mods[0]!, packageRuleNames(mods).get("a")!, errs);
    expect(errs).toEqual([]);
    expect(printBody(r.rules[0]!.body)).toContain("data.a.q");
  });

  test("import aliases expand, rego.v1 is a no-op", () => {
    const body = ruleBody(["package a\nimport rego.v1\nimport data.lib.users as u\nimport input.req\np if { u[req.name] }"], ["a", "p"]);
    expect(body).toContain("data.lib.users[input.req.name]");
  });

  test("locally declared names shadow rule names", () => {
    const body = ruleBody(["package a\nq := 1\np if {\n  q := 2\n  q == 2\n}"], ["a", "p"]);
    expect(body).not.toContain("data.a.q");
  });
});

describe("stage 2: rule tree", () => {
  test("packages merge across modules; ref heads land on their static prefix", () => {
    const errs: RegoError[] = [];
    const root = buildRuleTree(parse("package a.b\np := 1", "package a\nb.q := 2\nx.y[k] := 3 if k := \"z\"", "package c"), errs);
    expect(errs).toEqual([]);
    expect(nodeAt(root, ["a", "b", "p"])!.rules[0]!.kind).toBe("complete");
    expect(nodeAt(root, ["a", "b", "q"])!.rules[0]!.kind).toBe("complete");
    const obj = nodeAt(root, ["a", "x", "y"])!.rules[0]!;
    expect(obj.kind).toBe("object");
    expect(obj.keys.map(printTerm)).toEqual(["k"]);
    expect(nodeAt(root, ["c"])).toBeDefined();
  });

  test("kinds: set, function, else chains", () => {
    const { policy } = compile("package a\ns contains 1\nf(x) := x\nc := 1 if false else := 2");
    expect(nodeAt(policy.root, ["a", "s"])!.rules[0]!.kind).toBe("set");
    expect(nodeAt(policy.root, ["a", "f"])!.rules[0]!.kind).toBe("function");
    expect(nodeAt(policy.root, ["a", "c"])!.rules[0]!.else).not.toBeNull();
  });
});

describe("stage 3: local variables", () => {
  test(":= becomes = on a fresh name; wildcards get their own names", () => {
    const body = ruleBody(["package a\np if {\n  x := [1, 2][_]\n  y := [z | z := x]\n  count(y) == 1\n}"], ["a", "p"]);
    expect(body).not.toContain(":=");
    expect(body).not.toMatch(/\b_\b/);
    expect(body).toMatch(/x\$\d+ = /);
  });

  test("some x in xs lowers to a ref iteration", () => {
    const body = ruleBody(["package a\np if {\n  some k, v in input.xs\n  v > k\n}"], ["a", "p"]);
    expect(body).toMatch(/v\$\d+ = input\.xs\[k\$\d+\]/);
  });

  test("assigning a var twice in one scope", () => {
    expect(errors("package a\np if {\n  x := 1\n  x := 2\n}")).toEqual(["m0.rego:4:3: rego_compile_error: var x assigned above"]);
  });

  test("declaring a var already used", () => {
    expect(errors("package a\np if {\n  x = 1\n  x := 2\n}")).toEqual(["m0.rego:4:3: rego_compile_error: var x referenced above"]);
  });

  test("shadowing in a comprehension is allowed", () => {
    expect(errors("package a\np if {\n  x := 1\n  y := [x | x := 2]\n  y[0] == 2\n}")).toEqual([]);
  });

  test("cannot assign to input or data", () => {
    expect(errors("package a\np if {\n  input := 1\n}")).toEqual([
      "m0.rego:3:3: rego_compile_error: variables must not shadow input (use a different variable name)",
    ]);
  });
});

describe("stage 4: conflicts, undefined functions, arity", () => {
  test("complete and partial rules under one path", () => {
    expect(errors("package a\np := 1\np contains 2")).toEqual(["m0.rego:2:1: rego_type_error: conflicting rules data.a.p found"]);
  });

  test("function arity mismatch between definitions", () => {
    expect(errors("package a\nf(x) := 1\nf(x, y) := 2")).toEqual(["m0.rego:2:1: rego_type_error: conflicting rules data.a.f found"]);
  });

  test("default twice", () => {
    expect(errors("package a\ndefault p := 1\ndefault p := 2")).toEqual(["m0.rego:3:1: rego_type_error: multiple default rules data.a.p found"]);
  });

  test("undefined function and builtin arity", () => {
    expect(errors("package a\np if foo(1)\nq if count(1, 2, 3)")).toEqual([
      "m0.rego:2:6: rego_type_error: undefined function foo",
      "m0.rego:3:6: rego_type_error: count: arity mismatch",
    ]);
  });

  test("calling a rule that is not a function", () => {
    expect(errors("package a\nq := 1\np if q(1)")).toEqual(["m0.rego:3:6: rego_type_error: undefined function data.a.q"]);
  });

  test("user function arity; one extra argument is the output", () => {
    expect(errors("package a\nf(x) := x\np if f(1, 1)\nq if f(1, 2, 3)")).toEqual(["m0.rego:4:6: rego_type_error: data.a.f: arity mismatch"]);
  });
});

describe("stage 5: safety and reordering", () => {
  test("literals are reordered so vars are bound before use", () => {
    const body = ruleBody(["package a\np if {\n  y > 1\n  y = x + 1\n  x = 2\n}"], ["a", "p"]);
    expect(body.split(/\n|;/).map((s) => s.trim()).filter(Boolean)).toEqual(["x = 2", "y = x + 1", "y > 1"]);
  });

  test("unsafe var in a body, in a head, in a negation", () => {
    expect(errors("package a\np if {\n  x > 1\n}")).toEqual(["m0.rego:3:3: rego_unsafe_var_error: var x is unsafe"]);
    expect(errors("package a\np := y if {\n  true\n}")).toEqual(["m0.rego:2:6: rego_unsafe_var_error: var y is unsafe"]);
    expect(errors("package a\nq contains 1\np if {\n  not q[x]\n}")).toEqual(["m0.rego:4:9: rego_unsafe_var_error: var x is unsafe"]);
  });

  test("errors are gathered, not stopped at the first", () => {
    expect(errors("package a\np if x > 1\nq if y > 1\nr if foo()")).toHaveLength(3);
  });

  test("head refs may iterate (`q := xs[_]`)", () => {
    expect(errors("package a\nxs := [1]\nq := xs[_]")).toEqual([]);
  });

  test("queries: output vars keep the user's names", () => {
    const { policy } = compile("package a\np := 1");
    const q = compileQuery(parseQuery("x := data.a.p; y = x; _ = 1", "query.rego").body!, policy, builtinLookup);
    expect(q.errors).toEqual([]);
    expect(q.query.outputs.map(([, u]) => u)).toEqual(["x", "y"]);
  });

  test("property: any order of a chain of assignments compiles, in dependency order", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 7 }).chain((n) => fc.tuple(fc.constant(n), fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }))), ([n, order]) => {
        const lits = [...Array(n).keys()].map((i) => (i === 0 ? "v0 = 1" : `v${i} = v${i - 1} + 1`));
        const src = `package a\np if {\n${order.map((i) => "  " + lits[i]).join("\n")}\n}`;
        const body = ruleBody([src], ["a", "p"]);
        for (let i = 1; i < n; i++) expect(body.indexOf(`v${i - 1} =`)).toBeLessThan(body.indexOf(`v${i} =`));
      }),
      { numRuns: 50 },
    );
  });
});

describe("stage 6: recursion", () => {
  test("mutual and self recursion, with the cycle spelled out", () => {
    expect(errors("package a\np if q\nq if p")).toEqual([
      "m0.rego:2:1: rego_recursion_error: rule data.a.p is recursive: data.a.p -> data.a.q -> data.a.p",
      "m0.rego:3:1: rego_recursion_error: rule data.a.q is recursive: data.a.q -> data.a.p -> data.a.q",
    ]);
    expect(errors("package a\nf(x) := f(x)")[0]).toContain("rego_recursion_error: rule data.a.f is recursive: data.a.f -> data.a.f");
  });

  test("references through a package count", () => {
    expect(errors("package a\np := data.a")[0]).toContain("rule data.a.p is recursive");
  });
});
