import { describe, expect, test } from "vitest";
import { toJSON, stringifyJSON } from "../values/index.js";
import { compile, compileWasm, loadPolicy, PolicyError } from "./index.js";
import { PolicyBuilder, block, local, st } from "../ir/builder.js";

const SOURCE = `package portcullis
import rego.v1
default decision := {"allow": false}
decision := {"allow": true, "echo": input, "limit": data.limit} if input.user == "alice"
decision := {"allow": false, "echo": input, "limit": data.limit} if input == false
fail := x if { x := 1 / input.zero }
`;

async function errorOf(f: () => unknown): Promise<PolicyError> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return e as PolicyError;
  }
  throw new Error("expected a PolicyError");
}

describe("compile + loadPolicy", () => {
  test("evaluates Rego end to end; data set at load and replaced by setData, numbers exact", async () => {
    const wasm = await compile({ modules: [{ file: "p.rego", source: SOURCE }], entrypoints: ["portcullis/decision", "data.portcullis.fail"] });
    const p = await loadPolicy(wasm, { data: { limit: 1 } });
    expect(Object.keys(p.entrypoints).sort()).toEqual(["portcullis/decision", "portcullis/fail"]);
    expect(toJSON(p.evaluate({ user: "alice" })[0]!)).toEqual({ result: { allow: true, echo: { user: "alice" }, limit: 1 } });
    p.setData({ limit: 18446744073709551617n });
    expect(stringifyJSON(p.evaluate({ user: "alice" })[0]!)).toBe('{"result":{"allow":true,"echo":{"user":"alice"},"limit":18446744073709551617}}');
    // false is an input, not "no input" (the SDK's own evaluate treats falsy as absent)
    expect(toJSON(p.evaluate(false)[0]!)).toMatchObject({ result: { allow: false, echo: false } });
    expect(toJSON(p.evaluate(undefined)[0]!)).toEqual({ result: { allow: false } });
    // non-strict: the builtin error makes the rule undefined
    expect(p.evaluate({ zero: 0 }, "portcullis/fail")).toEqual([]);
  });

  test("strict builtin errors carry the code and the call site", async () => {
    const wasm = await compile({ modules: [{ file: "p.rego", source: SOURCE }], entrypoints: ["portcullis/fail"] });
    const p = await loadPolicy(wasm, { strictBuiltinErrors: true });
    const e = await errorOf(() => p.evaluate({ zero: 0 }));
    expect(e.message).toBe("div: divide by zero");
    expect(e.code).toMatch(/^eval_(type|builtin)_error$/);
    expect(e.location?.file).toBe("p.rego");
    expect(e.location?.row).toBe(6);
  });

  test("compile errors come back as compile_error with the compiler's errors", async () => {
    const e = await errorOf(() => compile({ modules: [{ file: "bad.rego", source: "package x\np if {" }], entrypoints: ["x/p"] }));
    expect(e.code).toBe("compile_error");
    expect(e.errors.length).toBeGreaterThan(0);
    expect(e.errors[0]!.code).toBe("rego_parse_error");
  });

  test("typed failures: load_error, unknown_entrypoint, codegen_error", async () => {
    expect((await errorOf(() => loadPolicy(new Uint8Array([0, 1, 2, 3])))).code).toBe("load_error");
    const p = new PolicyBuilder();
    p.plan("a/b", block(st("ResultSetAddStmt", { value: 0 })));
    const pol = await loadPolicy(await compileWasm(p.build()));
    expect(pol.evaluate({ x: 1 }).map((v) => toJSON(v))).toEqual([{ x: 1 }]);
    expect((await errorOf(() => pol.evaluate({}, "nope"))).code).toBe("unknown_entrypoint");
    expect((await errorOf(() => pol.evaluate({}, 7))).code).toBe("unknown_entrypoint");
    const bad = new PolicyBuilder();
    bad.plan("a/b", block(st("BreakStmt", { index: 3 })));
    expect((await errorOf(() => compileWasm(bad.build()))).code).toBe("codegen_error");
    const wide = new PolicyBuilder().builtin("five", 5);
    wide.plan("a/b", block(st("CallStmt", { func: "five", args: [local(0), local(0), local(0), local(0), local(0)], result: 2 })));
    expect((await errorOf(() => compileWasm(wide.build()))).message).toContain("at most 4");
  });
});

describe("input that JSON cannot carry", () => {
  test("a set in the input (and a set as a key) reaches the module intact, not as an array", async () => {
    const { RNumber: N, RObject: O, RSet: S } = await import("../values/index.js");
    const source = "package t\n\nmember if input.foo[{1}][1] == 1\n\nkind := type_name(input.foo)\n";
    const wasm = await compile({ modules: [{ file: "t.rego", source }], entrypoints: ["t/member", "t/kind"] });
    const policy = await loadPolicy(wasm);
    const input = O.from([["foo", S.from([S.from([N.fromInt(1)])])]]);
    expect(stringifyJSON(policy.evaluate(input, "t/member")[0]!)).toBe('{"result":true}');
    expect(stringifyJSON(policy.evaluate(input, "t/kind")[0]!)).toBe('{"result":"set"}');
    // plain JSON input still takes the fast opa_eval path and means the same thing
    expect(stringifyJSON(policy.evaluate({ foo: [[1]] }, "t/kind")[0]!)).toBe('{"result":"array"}');
  });
});
