import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { RNumber } from "./number.js";
import { RObject, RSet, keyOf, typeName, type Value } from "./value.js";
import { compare, compareStrings, equal } from "./compare.js";

const n = (x: number | string) => (typeof x === "number" ? RNumber.fromInt(x) : RNumber.parse(x)!);

/** Arbitrary Rego values, including sets and objects with composite keys. */
const arbValue: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -5, max: 5 }).map((i) => RNumber.fromInt(i)),
    fc.constantFrom("1.5", "1.50", "-0.25", "1e3", "18446744073709551617").map((s) => RNumber.parse(s)!),
    fc.constantFrom("", "a", "b", "ab", "\uffff", "😀", "é"),
    fc.array(tie("v"), { maxLength: 3 }),
    fc.array(fc.tuple(tie("v"), tie("v")), { maxLength: 3 }).map((es) => RObject.from(es)),
    fc.array(tie("v"), { maxLength: 3 }).map((vs) => RSet.from(vs)),
  ),
})).v;

describe("order and equality", () => {
  test("type order null < boolean < number < string < array < object < set", () => {
    const ordered: Value[] = [null, false, true, n(-1), n(2), "", "a", [], [n(1)], new RObject(), RObject.from([["a", n(1)]]), new RSet(), RSet.from([n(1)])];
    for (let i = 0; i < ordered.length; i++)
      for (let j = 0; j < ordered.length; j++) expect(compare(ordered[i]!, ordered[j]!)).toBe(Math.sign(i - j));
  });

  test("strings order by UTF-8 bytes, not UTF-16 units", () => {
    // U+FF5E (3 UTF-8 bytes) < U+1F600 (4 bytes), but its UTF-16 unit 0xFF5E > 0xD83D.
    expect(compareStrings("\uff5e", "😀")).toBe(-1);
    expect("\uff5e" < "😀").toBe(false);
    expect(compareStrings("\ue000", "\ud7ff")).toBe(1);
    expect(compareStrings("ab", "abc")).toBe(-1);
  });

  test("objects compare key, then value, then size", () => {
    const a = RObject.from([["a", n(2)]]);
    const b = RObject.from([["a", n(1)], ["b", n(0)]]);
    expect(compare(a, b)).toBe(1); // value 2 > 1 decides before b's extra key
    expect(compare(RObject.from([["a", n(1)]]), b)).toBe(-1);
    expect(compare(RObject.from([["b", n(0)]]), b)).toBe(1); // key "b" > "a"
  });

  test("sets compare by sorted members", () => {
    expect(compare(RSet.from([n(3), n(1)]), RSet.from([n(1), n(2)]))).toBe(1);
    expect(compare(RSet.from([n(1)]), RSet.from([n(2), n(1)]))).toBe(-1);
  });

  test("collections iterate in sorted order and look up composite keys", () => {
    const o = RObject.from([["b", n(1)], [[n(1)], "arr"], [n(1.0), "num"], [RSet.from([n(1)]), "set"]]);
    expect(o.keys().map(typeName)).toEqual(["number", "string", "array", "set"]);
    expect(o.get([n("1.0")])).toBe("arr");
    expect(o.get(RSet.from([n("1.00")]))).toBe("set");
    expect(o.get("zz")).toBeUndefined();
    o.delete("b");
    expect(o.size).toBe(3);
    const s = RSet.from(["b", "a", n(3), "a"]);
    expect(s.values().map(keyOf)).toEqual([n(3), "a", "b"].map(keyOf));
  });

  test("property: compare is antisymmetric and consistent with equal and keyOf", () => {
    fc.assert(
      fc.property(arbValue, arbValue, (a, b) => {
        const c = compare(a, b);
        expect(compare(b, a)).toBe(c === 0 ? 0 : -c);
        expect(c === 0).toBe(equal(a, b));
        expect(keyOf(a) === keyOf(b)).toBe(equal(a, b));
      }),
      { numRuns: 500 },
    );
  });

  test("property: compare is transitive", () => {
    fc.assert(
      fc.property(arbValue, arbValue, arbValue, (a, b, c) => {
        const [x, y, z] = [a, b, c].sort(compare);
        expect(compare(x!, y!)).toBeLessThanOrEqual(0);
        expect(compare(y!, z!)).toBeLessThanOrEqual(0);
        expect(compare(x!, z!)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });

  test("property: set membership is by value", () => {
    fc.assert(
      fc.property(fc.array(arbValue, { maxLength: 6 }), (vs) => {
        const s = RSet.from(vs);
        for (const v of vs) expect(s.has(v)).toBe(true);
        expect(s.size).toBe(new Set(vs.map(keyOf)).size);
      }),
    );
  });
});
