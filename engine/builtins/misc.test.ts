import { describe, expect, test } from "vitest";
import { callError, callJSON, printed } from "./testkit.js";
import { getBuiltin } from "./registry.js";

describe("walk, print and the builtins a gateway refuses", () => {
  test("walk lists every [path, value] pair, parents first, and is a relation", () => {
    expect(callJSON("walk", { a: [1] })).toBe('[[[],{"a":[1]}],[["a"],[1]],[["a",0],1]]');
    expect(getBuiltin("walk")?.relation).toBe(true);
  });

  test("print writes through the context", () => {
    printed.length = 0;
    expect(callJSON("print", "hello")).toBe("true");
    expect(printed).toEqual(["hello"]);
  });

  test("http.send is declared (so `with http.send as …` can mock it) but refuses network calls", () => {
    expect(getBuiltin("http.send")?.arity).toBe(1);
    expect(callError("http.send", { method: "GET", url: "http://127.0.0.1/" })).toMatch(/^eval_builtin_error: http\.send: network calls from policies are disabled/);
  });

  test("io.jwt.decode_verify is declared but refuses, pointing at input.identity", () => {
    expect(getBuiltin("io.jwt.decode_verify")?.arity).toBe(2);
    expect(callError("io.jwt.decode_verify", "a.b.c", {})).toContain("input.identity");
  });

  test("opa.runtime exists for policies (and mocks) that use it, and exposes nothing", () => {
    expect(callJSON("opa.runtime")).toBe("{}");
  });
});
