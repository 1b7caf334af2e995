import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { RNumber } from "./number.js";
import { RSet } from "./value.js";

const p = (s: string) => {
  const n = RNumber.parse(s);
  if (!n) throw new Error(`bad number ${s}`);
  return n;
};

describe("RNumber", () => {
  test("normalises equal spellings to one value", () => {
    expect(p("1.0").equals(p("1"))).toBe(true);
    expect(p("1e0").equals(p("1"))).toBe(true);
    expect(p("3.50").equals(p("35e-1"))).toBe(true);
    expect(RSet.from([p("3.5"), p("3.50"), p("35e-1")]).size).toBe(1);
    expect(p("-0").isZero()).toBe(true);
    expect(p("0.0").key()).toBe(p("0").key());
  });

  test("rejects non-numbers", () => {
    for (const s of ["", "-", "01", "1.", ".5", "1e", "abc", "+1", "0x10", " 1"]) expect(RNumber.parse(s)).toBeNull();
  });

  test("prints canonically", () => {
    expect(p("18446744073709551618").toString()).toBe("18446744073709551618");
    expect(p("1e21").toString()).toBe("1000000000000000000000");
    expect(p("1.50").toString()).toBe("1.5");
    expect(p("-0.001").toString()).toBe("-0.001");
    expect(p("1e-400").toString()).toBe("1e-400");
    expect(p("1.25e-8").toString()).toBe("1.25e-08");
    expect(p("1e5000").toString()).toBe("1e+5000");
  });

  test("integer arithmetic is exact beyond 2^64", () => {
    expect(p("18446744073709551617").add(p("1")).toString()).toBe("18446744073709551618");
    expect(p("18446744073709551617").mul(p("2")).toString()).toBe("36893488147419103234");
    expect(p("-18446744073709551617").sub(p("1")).toString()).toBe("-18446744073709551618");
    expect(p("28857836529306024611913").equals(p("28857836529306024611912"))).toBe(false);
  });

  test("decimal arithmetic is exact", () => {
    expect(p("0.1").add(p("0.2")).toString()).toBe("0.3");
    expect(p("1.5").add(p("2.5")).toString()).toBe("4");
    expect(p("2.5").mul(p("2")).isInteger()).toBe(true);
  });

  test("division: exact when terminating, else OPA's 64-bit float rounding", () => {
    expect(p("10").div(p("4")).toString()).toBe("2.5");
    expect(p("1").div(p("1024")).toString()).toBe("0.0009765625");
    expect(p("6").div(p("3")).toString()).toBe("2");
    expect(p("1").div(p("3")).toString()).toBe("0.33333333333333333334");
    expect(p("-2").div(p("3")).toString()).toBe("-0.6666666666666666667");
    expect(() => p("1").div(p("0.0"))).toThrow("divide by zero");
  });

  test("remainder follows Go's big.Int.Rem and refuses floats", () => {
    expect(p("-7").rem(p("3")).toString()).toBe("-1");
    expect(p("10").rem(p("18446744073709551616")).toString()).toBe("10");
    expect(p("18446744073709551617").rem(p("18446744073709551616")).toString()).toBe("1");
    expect(p("4.0").rem(p("3")).toString()).toBe("1");
    expect(() => p("1.1").rem(p("1"))).toThrow("modulo on floating-point number");
    expect(() => p("1").rem(p("0"))).toThrow("modulo by zero");
  });

  test("rounding", () => {
    expect(p("2.5").round().toString()).toBe("3");
    expect(p("-2.5").round().toString()).toBe("-3");
    expect(p("2.4999").round().toString()).toBe("2");
    expect(p("1.01").floor().toString()).toBe("1");
    expect(p("-1.001").floor().toString()).toBe("-2");
    expect(p("1.01").ceil().toString()).toBe("2");
    expect(p("-1.5").ceil().toString()).toBe("-1");
    expect(p("99.99999").floor().toString()).toBe("99");
  });

  test("compare across magnitudes and signs", () => {
    expect(p("1e400").compare(p("9e399"))).toBe(1);
    expect(p("-1e400").compare(p("1e-400"))).toBe(-1);
    expect(p("0.1").compare(p("0.10"))).toBe(0);
    expect(p("-2").compare(p("-1.5"))).toBe(-1);
  });

  const arbDecimal = fc
    .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: -25, max: 25 }))
    .map(([m, e]) => RNumber.of(m, e));

  test("property: parse/print round trip", () => {
    fc.assert(fc.property(arbDecimal, (n) => RNumber.parse(n.toString())!.equals(n)));
  });

  test("property: a + b - b == a", () => {
    fc.assert(fc.property(arbDecimal, arbDecimal, (a, b) => a.add(b).sub(b).equals(a)));
  });

  test("property: compare agrees with subtraction's sign", () => {
    fc.assert(fc.property(arbDecimal, arbDecimal, (a, b) => a.compare(b) === a.sub(b).sign()));
  });

  test("property: exact division inverts multiplication", () => {
    fc.assert(
      fc.property(arbDecimal, arbDecimal, (a, b) => {
        fc.pre(!b.isZero());
        return a.mul(b).div(b).equals(a);
      }),
    );
  });

  test("property: integers agree with bigint arithmetic", () => {
    fc.assert(
      fc.property(fc.bigInt(), fc.bigInt(), (x, y) => {
        const a = RNumber.fromInt(x);
        const b = RNumber.fromInt(y);
        return a.add(b).toBigInt() === x + y && a.mul(b).toBigInt() === x * y && a.sub(b).toString() === String(x - y);
      }),
    );
  });
});
