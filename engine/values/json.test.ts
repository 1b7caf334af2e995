import { describe, expect, it, test } from "vitest";
import fc from "fast-check";
import { LosslessNumber } from "lossless-json";
import { RNumber } from "./number.js";
import { RObject, RSet } from "./value.js";
import { equal } from "./compare.js";
import { JSONSyntaxError, fromJSON, parseJSON, stringifyJSON, stringifyPlainJSON, toJSON } from "./json.js";
import { toRegoText } from "./text.js";

describe("JSON", () => {
  test("parse keeps big integers and decimals exact", () => {
    const v = parseJSON('{"n": 18446744073709551617, "d": 1.50, "s": "\\ud83d\\ude00", "a": [true, null]}') as RObject;
    expect((v.get("n") as RNumber).toString()).toBe("18446744073709551617");
    expect((v.get("d") as RNumber).toString()).toBe("1.5");
    expect(v.get("s")).toBe("😀");
    expect(stringifyJSON(v)).toBe('{"a":[true,null],"d":1.5,"n":18446744073709551617,"s":"😀"}');
  });

  test("later duplicate keys win, as in Go", () => {
    expect(stringifyJSON(parseJSON('{"a":1,"a":2}'))).toBe('{"a":2}');
  });

  test("syntax errors are reported as JSONSyntaxError", () => {
    for (const bad of ["", "{", "[1,]", '{"a" 1}', "01", "tru", '"\\x"', "1 2"]) {
      expect(() => parseJSON(bad)).toThrow(JSONSyntaxError);
    }
  });

  test("sets become sorted arrays; non-string keys use Rego text", () => {
    const v = RObject.from([[RNumber.fromInt(1), RSet.from(["b", "a"])], [["x"], null]]);
    expect(stringifyJSON(v)).toBe('{"1":["a","b"],"[\\"x\\"]":null}');
    expect(toRegoText(new RSet())).toBe("set()");
    expect(toRegoText(v)).toBe('{1: {"a", "b"}, ["x"]: null}');
  });

  test("Go escapes and indentation", () => {
    expect(stringifyJSON("<a&b>", { goEscapes: true })).toBe('"\\u003ca\\u0026b\\u003e"');
    expect(stringifyJSON(RObject.from([["a", [RNumber.ONE]]]), { indent: "  " })).toBe('{\n  "a": [\n    1\n  ]\n}');
  });

  test("fromJSON/toJSON: JS numbers, bigint and LosslessNumber", () => {
    expect(equal(fromJSON({ a: 0.1, b: 10n, c: new LosslessNumber("1.0") }), parseJSON('{"a":0.1,"b":10,"c":1}'))).toBe(true);
    const out = toJSON(parseJSON('{"x":[18446744073709551617, 2.5, {"y": 1}]}')) as { x: unknown[] };
    expect(out.x[0]).toBeInstanceOf(LosslessNumber);
    expect(out.x[1]).toBe(2.5);
    expect(out.x[2]).toEqual({ y: 1 });
  });

  test("property: stringify then parse is the identity on JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (j) => {
        const v = fromJSON(j);
        return equal(parseJSON(stringifyJSON(v)), v);
      }),
    );
  });
});

describe("non-string object keys in JSON", () => {
  it("are written as their compact JSON text, as OPA does", () => {
    const inner = RObject.from([["3", RNumber.fromInt(4)]]);
    const o = RObject.from([[RNumber.fromInt(1), RNumber.fromInt(2)], [inner, RNumber.fromInt(5)]]);
    expect(toJSON(o)).toEqual({ "1": 2, '{"3":4}': 5 });
    expect(stringifyJSON(o)).toBe('{"1":2,"{\\"3\\":4}":5}');
  });
});

describe("stringifyPlainJSON", () => {
  it("writes exactly what stringifyJSON(fromJSON(x)) writes, whenever it answers", () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.jsonValue(), (x) => {
        const fast = stringifyPlainJSON(x);
        if (fast !== undefined) {
          answered++;
          expect(fast).toBe(stringifyJSON(fromJSON(x)));
        }
      }),
      { numRuns: 500 },
    );
    expect(answered).toBeGreaterThan(100); // it must not dodge the comparison by declining
  });

  it("declines what it would write differently", () => {
    expect(stringifyPlainJSON({ a: 1.5 })).toBeUndefined();
    expect(stringifyPlainJSON({ a: 2n ** 70n })).toBeUndefined();
    expect(stringifyPlainJSON({ a: undefined })).toBeUndefined();
    expect(stringifyPlainJSON(new Map())).toBeUndefined();
    expect(stringifyPlainJSON({ b: [1, "x", null, true], a: { "é": 1, z: 2 } })).toBe('{"a":{"z":2,"é":1},"b":[1,"x",null,true]}');
  });
});
