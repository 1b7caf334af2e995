import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { RNumber, RObject, equal, fromJSON, parseJSON, stringifyJSON, type Value } from "../values/index.js";
import { isPlainJSON, readResultSet, toJSONText } from "./io.js";

const exact = (x: unknown) => stringifyJSON(fromJSON(x));
const same = (a: Value, b: Value) => expect(equal(a, b), `${stringifyJSON(a)} vs ${stringifyJSON(b)}`).toBe(true);

describe("input to JSON text", () => {
  test("property: the fast path reads back as the exact serialiser's value", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.double({ noNaN: true, noDefaultInfinity: true }), (v, d) => {
        for (const x of [v, { d, v }]) same(parseJSON(toJSONText(x)), parseJSON(exact(x)));
      }),
      { numRuns: 300 },
    );
  });

  test("whatever JSON.stringify would write differently takes the exact path", () => {
    const odd: unknown[] = [
      { a: undefined }, [1, , 2], 1e21, 1e-7, 2n ** 70n, RNumber.parse("0.10")!, new Map([["k", 1]]),
      new Set([1]), { toJSON: () => 1 }, new RObject().set(RNumber.fromInt(1), "x"), Number.NaN, [() => 1],
    ];
    for (const x of odd) expect(isPlainJSON(x), String(x)).toBe(false);
    expect(toJSONText({ a: undefined, b: 2n ** 70n })).toBe('{"a":null,"b":1180591620717411303424}');
    expect(toJSONText(new Map([["k", new Set([2, 1])]]))).toBe('{"k":[1,2]}');
    expect(() => toJSONText(Number.NaN)).toThrow(/cannot serialise/);
    expect(isPlainJSON({ a: [1, "x", null, true, { b: 0.5 }] })).toBe(true);
  });
});

describe("result set from JSON text", () => {
  test("property: the JSON.parse path equals the exact parser when numbers are safe integers", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify([{ result: v }], (_k, x) => (typeof x === "number" ? Math.trunc(x % 1e15) : x))), (text) => {
        const fast = readResultSet(text, true);
        const slow = readResultSet(text, false);
        expect(fast.length).toBe(slow.length);
        fast.forEach((v, i) => same(v, slow[i]!));
      }),
      { numRuns: 300 },
    );
  });

  test("big and decimal numbers stay exact on the exact path", () => {
    expect(stringifyJSON(readResultSet('[{"result":[18446744073709551617,0.10]}]', false)[0]!)).toBe('{"result":[18446744073709551617,0.1]}');
    expect(readResultSet("{}", true)).toEqual([]);
  });
});
