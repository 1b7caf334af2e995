import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { RNumber, equal } from "../values/index.js";
import { BUILTINS } from "./registry.js";
import { call, callError, callJSON, json, set } from "./testkit.js";

describe("arithmetic", () => {
  test("exact big integers", () => {
    expect(callJSON("plus", json("18446744073709551617"), 1)).toBe("18446744073709551618");
    expect(callJSON("mul", json("18446744073709551617"), 2)).toBe("36893488147419103234");
    expect(callJSON("rem", 10, json("18446744073709551616"))).toBe("10");
    expect(callJSON("rem", 100, json("-18446744073709551616"))).toBe("100");
  });
  test("division and errors with OPA's wording", () => {
    expect(callJSON("div", 1, 4)).toBe("0.25");
    expect(callError("div", 1, 0)).toBe("eval_builtin_error: div: divide by zero");
    expect(callError("rem", 1.1, 1)).toBe("eval_builtin_error: rem: modulo on floating-point number");
    expect(callError("rem", 1, 0)).toBe("eval_builtin_error: rem: modulo by zero");
    expect(callError("plus", "a", 1)).toBe("eval_type_error: plus: operand 1 must be number but got string");
  });
  test("minus: numbers and set difference, with OPA's type errors", () => {
    expect(callJSON("minus", 1.5, 0.5)).toBe("1");
    expect(callJSON("minus", set(1, 2, 3), set(2))).toBe("[1,3]");
    expect(callError("minus", set(1), 1)).toBe("eval_type_error: minus: operand 2 must be set but got number");
    expect(callError("minus", 1, set(1))).toBe("eval_type_error: minus: operand 2 must be number but got set");
    expect(callError("minus", "x", 1)).toBe("eval_type_error: minus: operand 1 must be one of {number, set} but got string");
  });
  test("rounding family", () => {
    expect(callJSON("round", -2.5)).toBe("-3");
    expect(callJSON("floor", -1.001)).toBe("-2");
    expect(callJSON("ceil", 1.01)).toBe("2");
    expect(callJSON("abs", -3.5)).toBe("3.5");
  });
  test("numbers.range and range_step", () => {
    expect(callJSON("numbers.range", 1, 3)).toBe("[1,2,3]");
    expect(callJSON("numbers.range", 2, -1)).toBe("[2,1,0,-1]");
    expect(callJSON("numbers.range_step", 0, 10, 4)).toBe("[0,4,8]");
    expect(callJSON("numbers.range_step", 10, 0, 4)).toBe("[10,6,2]");
    expect(callError("numbers.range_step", 0, 10, 0)).toBe("eval_builtin_error: numbers.range_step: step must be a positive number above zero");
    expect(callError("numbers.range", 1.5, 2)).toBe("eval_type_error: numbers.range: operand 1 must be integer number but got floating-point number");
  });
  test("comparison operators use the total order", () => {
    expect(call("lt", null, false)).toBe(true);
    expect(call("gte", "b", "a")).toBe(true);
    expect(call("equal", 1, 1.0)).toBe(true);
    expect(call("neq", json("28857836529306024611913"), json("28857836529306024611912"))).toBe(true);
  });
  test("every builtin declares its arity consistently", () => {
    for (const [name, b] of BUILTINS) {
      expect(b.name).toBe(name);
      expect(b.decl?.args.length).toBe(b.arity);
    }
  });
  test("property: plus then minus is the identity on decimals", () => {
    const dec = fc.tuple(fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }), fc.integer({ min: -10, max: 10 })).map(([m, e]) => RNumber.of(m, e));
    fc.assert(fc.property(dec, dec, (a, b) => equal(call("minus", call("plus", a, b), b)!, a)));
  });
});
