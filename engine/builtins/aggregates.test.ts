import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { RSet, equal, fromJSON } from "../values/index.js";
import { call, callError, callJSON, json, set } from "./testkit.js";

describe("aggregates and membership", () => {
  test("count counts code points of strings", () => {
    expect(callJSON("count", "aå😀")).toBe("3");
    expect(callJSON("count", set(1, 1, 2))).toBe("2");
    expect(callError("count", 1)).toBe("eval_type_error: count: operand 1 must be one of {array, object, set, string} but got number");
  });
  test("sum, product, max, min, sort", () => {
    expect(callJSON("sum", [1, 2.5, json("18446744073709551617")])).toBe("18446744073709551620.5");
    expect(callJSON("product", set(2, 3))).toBe("6");
    expect(callError("sum", [1, "a"])).toBe("eval_type_error: sum: operand 1 must be array of numbers but got array containing string");
    expect(callError("sum", 1)).toBe("eval_type_error: sum: operand 1 must be one of {set, array} but got number");
    expect(callJSON("max", [1, "a", null])).toBe('"a"');
    expect(call("max", [])).toBeUndefined();
    expect(callJSON("min", set(3, 1))).toBe("1");
    expect(callJSON("sort", [3, "a", 1, null])).toBe('[null,1,3,"a"]');
  });
  test("all / any", () => {
    expect(call("all", [])).toBe(true);
    expect(call("all", [true, 1])).toBe(false);
    expect(call("any", set(false, true))).toBe(true);
    expect(call("any", [])).toBe(false);
  });
  test("internal.member_2 and member_3", () => {
    expect(call("internal.member_2", 1, [1])).toBe(true);
    expect(call("internal.member_2", 1, { foo: 1 })).toBe(true);
    expect(call("internal.member_2", "foo", { foo: 1 })).toBe(false);
    expect(call("internal.member_2", "a", "abc")).toBe(false);
    expect(call("internal.member_3", "foo", 1, { foo: 1 })).toBe(true);
    expect(call("internal.member_3", 1, "b", ["a", "b"])).toBe(true);
    expect(call("internal.member_3", 2, 2, set(2))).toBe(true);
  });
  test("property: union/intersection laws", () => {
    const arbSet = fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 6 }).map((xs) => RSet.from(xs.map((x) => fromJSON(x))));
    fc.assert(
      fc.property(arbSet, arbSet, arbSet, (a, b, c) => {
        const u = (x: RSet, y: RSet) => call("or", x, y) as RSet;
        const i = (x: RSet, y: RSet) => call("and", x, y) as RSet;
        expect(equal(u(a, b), u(b, a))).toBe(true);
        expect(equal(i(a, u(b, c)), u(i(a, b), i(a, c)))).toBe(true);
        expect(equal(call("union", RSet.from([a, b, c]))!, u(u(a, b), c))).toBe(true);
        expect(equal(call("intersection", RSet.from([a, b]))!, i(a, b))).toBe(true);
        expect(equal(call("minus", a, b)!, call("minus", a, i(a, b))!)).toBe(true);
      }),
    );
  });
  test("arrays", () => {
    expect(callJSON("array.concat", [1], [2, 3])).toBe("[1,2,3]");
    expect(callJSON("array.slice", [1, 2, 3, 4], 1, 3)).toBe("[2,3]");
    expect(callJSON("array.slice", [1, 2, 3], -5, 10)).toBe("[1,2,3]");
    expect(callJSON("array.slice", [1, 2, 3], 2, 1)).toBe("[]");
    expect(callJSON("array.reverse", [1, 2, 3])).toBe("[3,2,1]");
  });
});
