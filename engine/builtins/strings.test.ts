import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { RNumber } from "../values/index.js";
import { call, callError, callJSON } from "./testkit.js";

describe("strings", () => {
  test("split_n takes the first or last n parts", () => {
    expect(callJSON("strings.split_n", "a.b.c.d", ".", 2)).toBe('["a","b"]');
    expect(callJSON("strings.split_n", "a.b.c.d", ".", -2)).toBe('["c","d"]');
    expect(callJSON("strings.split_n", "a.b.c.d", ".", 0)).toBe("[]");
    expect(callJSON("strings.split_n", "abc", "", -2)).toBe('["b","c"]');
    expect(callError("strings.split_n", "a.b.c", ".", 1.5)).toBe(
      "eval_type_error: strings.split_n: operand 3 must be integer number but got floating-point number",
    );
  });
  test("any_prefix_match / any_suffix_match and their errors", () => {
    expect(call("strings.any_prefix_match", ["a/b", "c"], "a/")).toBe(true);
    expect(call("strings.any_suffix_match", "x.com", ["y", ".com"])).toBe(true);
    expect(callError("strings.any_prefix_match", 1, "a")).toBe(
      "eval_type_error: strings.any_prefix_match: operand 1 must be one of {string, set, array} but got number",
    );
    expect(callError("strings.any_suffix_match", "a", ["a", 1])).toBe(
      "eval_type_error: strings.any_suffix_match: operand 2 must be array of strings but got array containing number",
    );
  });
  test("code point positions", () => {
    expect(callJSON("substring", "aåäö", 2, -1)).toBe('"äö"');
    expect(callJSON("substring", "åäö", 4, -1)).toBe('""');
    expect(callJSON("substring", "abcdefgh", 2, 10000)).toBe('"cdefgh"');
    expect(callError("substring", "abc", -1, 1)).toBe("eval_builtin_error: substring: negative offset");
    expect(callJSON("indexof", "😀aäb", "b")).toBe("3");
    expect(callJSON("indexof", "abc", "z")).toBe("-1");
    expect(callJSON("indexof_n", "aaa", "aa")).toBe("[0,1]");
    expect(callJSON("strings.reverse", "a😀b")).toBe('"b😀a"');
  });
  test("trim family with Go semantics", () => {
    expect(callJSON("trim", "...foo.bar...", ".o")).toBe('"foo.bar"');
    expect(callJSON("trim_left", "xxaxx", "x")).toBe('"axx"');
    expect(callJSON("trim_right", "xxaxx", "x")).toBe('"xxa"');
    expect(callJSON("trim_prefix", "prefix-x", "prefix-")).toBe('"x"');
    expect(callJSON("trim_suffix", "x.rego", ".rego")).toBe('"x"');
    expect(callJSON("trim_space", "\t\u00a0 hi \n")).toBe('"hi"');
  });
  test("replace, replace_n, count, concat, format_int", () => {
    expect(callJSON("replace", "aaa", "a", "b")).toBe('"bbb"');
    expect(callJSON("replace", "ab", "", "-")).toBe('"-a-b-"');
    expect(callJSON("strings.replace_n", { a: "1", b: "2" }, "abc")).toBe('"12c"');
    expect(callJSON("strings.count", "cheese", "e")).toBe("3");
    expect(callJSON("strings.count", "five", "")).toBe("5");
    expect(callJSON("concat", ",", ["a", "b"])).toBe('"a,b"');
    expect(callError("concat", ",", 1)).toBe("eval_type_error: concat: operand 2 must be one of {set, array} but got number");
    expect(callJSON("format_int", 255, 16)).toBe('"ff"');
    expect(callJSON("format_int", -3.9, 10)).toBe('"-3"');
  });
  test("property: split then concat round-trips", () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1, maxLength: 3 }), (s, sep) => {
        expect(call("concat", sep, call("split", s, sep))).toBe(s);
      }),
    );
  });
  test("property: sprintf %d equals format_int base 10", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (i) => {
        const n = RNumber.fromInt(i);
        expect(call("sprintf", "%d", [n])).toBe(call("format_int", n, 10));
      }),
    );
  });
});

describe("sprintf (Go fmt)", () => {
  test("verbs", () => {
    expect(call("sprintf", "hi %v", [["there", 5, 3.14]])).toBe('hi ["there", 5, 3.14]');
    expect(call("sprintf", "hi %.2f", [3.1415])).toBe("hi 3.14");
    expect(call("sprintf", "hi %s", [true])).toBe("hi true");
    expect(call("sprintf", "%s", [RNumber.parse("123456789123456789123")])).toBe("123456789123456789123");
    expect(call("sprintf", "%s", [5])).toBe("%!s(int=5)");
    expect(call("sprintf", "%d %x %X %o %b %5d|%-4d|%05d", [10, 255, 255, 8, 5, 42, 7, -42])).toBe("10 ff FF 10 101    42|7   |-0042");
    expect(call("sprintf", "%q %x", ["a\"b", "hi"])).toBe('"a\\"b" 6869');
    expect(call("sprintf", "%e %g %v %v", [1234.5678, 0.000012, 1234567.5, 0.5])).toBe("1.234568e+03 1.2e-05 1.2345675e+06 0.5");
    expect(call("sprintf", "%v %v", [{ a: [1] }, new Set()])).toBe('{"a": [1]} set()');
    expect(call("sprintf", "100%% %d", [])).toBe("100% %!d(MISSING)");
    expect(call("sprintf", "x", [1])).toBe("x%!(EXTRA int=1)");
    expect(call("sprintf", "%t", [true])).toBe("%!t(string=true)");
  });
});

describe("sprintf %c and %q on integers follow Go", () => {
  test("valid runes print; escapes as strconv.QuoteRune", () => {
    expect(callJSON("sprintf", "%c%c", [72, 105])).toBe('"Hi"');
    expect(callJSON("sprintf", "%q", [97])).toBe(`"'a'"`);
    expect(callJSON("sprintf", "%q", [10])).toBe(`"'\\\\n'"`);
    expect(callJSON("sprintf", "%q", [0])).toBe(`"'\\\\x00'"`);
  });

  test("negative, surrogate and out-of-range values become U+FFFD instead of throwing", () => {
    for (const n of [-1, 0xd800, 0x110000]) {
      expect(callJSON("sprintf", "%q", [n])).toBe(`"'\uFFFD'"`);
      expect(callJSON("sprintf", "%c", [n])).toBe('"\uFFFD"');
    }
  });
});
