import { describe, expect, test } from "vitest";
import { call, callError, callJSON } from "./testkit.js";

describe("objects", () => {
  test("object.get with keys, paths and defaults", () => {
    expect(callJSON("object.get", { a: { b: [1, 2] } }, "a", null)).toBe('{"b":[1,2]}');
    expect(callJSON("object.get", { a: { b: [1, 2] } }, ["a", "b", 1], null)).toBe("2");
    expect(callJSON("object.get", { a: 1 }, ["a", "x"], "d")).toBe('"d"');
    expect(callJSON("object.get", { a: 1 }, "z", "d")).toBe('"d"');
    expect(callError("object.get", [], "a", 1)).toBe("eval_type_error: object.get: operand 1 must be object but got array");
  });
  test("keys, remove, filter", () => {
    expect(callJSON("object.keys", { b: 1, a: 2 })).toBe('["a","b"]');
    expect(callJSON("object.remove", { a: 1, b: 2, c: 3 }, ["a", "c"])).toBe('{"b":2}');
    expect(callJSON("object.filter", { a: 1, b: 2, c: 3 }, { a: 0, c: 0 })).toBe('{"a":1,"c":3}');
  });
  test("union merges recursively, right wins", () => {
    expect(callJSON("object.union", { a: { b: 1, c: 2 }, d: 1 }, { a: { b: 3 }, d: { x: 1 } })).toBe('{"a":{"b":3,"c":2},"d":{"x":1}}');
    expect(callJSON("object.union_n", [{ foo: 4 }, { baz: 5 }, { foo: 6 }])).toBe('{"baz":5,"foo":6}');
    expect(callJSON("object.union_n", [])).toBe("{}");
    expect(callError("object.union_n", [1])).toBe("eval_type_error: object.union_n: operand 1 must be array of objects but got array containing number");
  });
  test("subset", () => {
    expect(call("object.subset", { a: { b: 1, c: 2 }, d: 3 }, { a: { b: 1 } })).toBe(true);
    expect(call("object.subset", { a: 1 }, { a: 2 })).toBe(false);
    expect(call("object.subset", [1, 2, 3, 4], [2, 3])).toBe(true);
    expect(call("object.subset", [1, 2, 3], [1, 3])).toBe(false);
  });
});
