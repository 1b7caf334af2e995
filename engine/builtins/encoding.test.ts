import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { call, callError, callJSON, ctx, printed, set } from "./testkit.js";
import { json } from "./testkit.js";

describe("encodings", () => {
  test("json marshal/unmarshal keep numbers exact and escape like Go", () => {
    expect(call("json.marshal", { b: [json("18446744073709551617"), set(2, 1)], a: "<&>" })).toBe(
      '{"a":"\\u003c\\u0026\\u003e","b":[18446744073709551617,[1,2]]}',
    );
    expect(callJSON("json.unmarshal", '{"x": 1.50}')).toBe('{"x":1.5}');
    expect(call("json.is_valid", "{")).toBe(false);
    expect(callError("json.unmarshal", "{").startsWith("eval_builtin_error: json.unmarshal:")).toBe(true);
    expect(callJSON("json.filter", { a: { b: 1, c: 2 }, d: 3 }, ["a/b", "d"])).toBe('{"a":{"b":1},"d":3}');
    expect(callJSON("json.remove", { a: { b: 1, c: 2 }, d: 3 }, ["a/b"])).toBe('{"a":{"c":2},"d":3}');
  });
  test("yaml", () => {
    expect(callJSON("yaml.unmarshal", "a: 1\nb: [x, 18446744073709551617]\n")).toBe('{"a":1,"b":["x",18446744073709551617]}');
    expect(call("yaml.marshal", { a: [1] })).toBe("a:\n  - 1\n");
    expect(call("yaml.is_valid", "a: [")).toBe(false);
  });
  test("base64, hex, urlquery", () => {
    expect(call("base64.encode", "hello")).toBe("aGVsbG8=");
    expect(call("base64url.encode", "\u00ff\u00fe")).toBe("w7_Dvg==");
    expect(call("base64.is_valid", "aGVsbG8")).toBe(false);
    expect(call("hex.decode", "6869")).toBe("hi");
    expect(call("urlquery.encode", "a b&c")).toBe("a+b%26c");
    expect(call("urlquery.encode_object", { a: "1", b: ["x y", "z"] })).toBe("a=1&b=x+y&b=z");
    expect(callJSON("urlquery.decode_object", "a=1&b=x+y&b=z")).toBe('{"a":["1"],"b":["x y","z"]}');
  });
  test("property: base64 and hex round trips", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        expect(call("base64.decode", call("base64.encode", s))).toBe(s);
        expect(call("base64url.decode", call("base64url.encode", s))).toBe(s);
        expect(call("hex.decode", call("hex.encode", s))).toBe(s);
        expect(call("urlquery.decode", call("urlquery.encode", s))).toBe(s);
      }),
    );
  });
});

describe("net, units, semver, types", () => {
  test("cidr", () => {
    expect(call("net.cidr_contains", "10.0.0.0/8", "10.1.2.3")).toBe(true);
    expect(call("net.cidr_contains", "10.0.0.0/8", "11.0.0.0/24")).toBe(false);
    expect(call("net.cidr_contains", "2001:db8::/32", "2001:db8:1::1")).toBe(true);
    expect(call("net.cidr_intersects", "192.168.0.0/16", "192.168.1.0/24")).toBe(true);
    expect(callJSON("net.cidr_merge", ["192.0.128.0/24", "192.0.129.0/24", "10.0.0.1"])).toBe('["10.0.0.1/32","192.0.128.0/23"]');
    expect(callError("net.cidr_contains", "10.0.0.0/33", "10.0.0.1")).toBe("eval_builtin_error: net.cidr_contains: invalid CIDR address: 10.0.0.0/33");
  });
  test("units", () => {
    expect(callJSON("units.parse_bytes", "1KiB")).toBe("1024");
    expect(callJSON("units.parse_bytes", "10kb")).toBe("10000");
    expect(callJSON("units.parse_bytes", "100")).toBe("100");
    expect(callError("units.parse_bytes", "1 KB")).toBe("eval_builtin_error: units.parse_bytes: spaces not allowed in resource strings");
    expect(callJSON("units.parse", "1.5M")).toBe("1500000");
    expect(callJSON("units.parse", "5m")).toBe("0.005");
  });
  test("semver", () => {
    expect(callJSON("semver.compare", "1.2.3", "1.2.3-alpha")).toBe("1");
    expect(callJSON("semver.compare", "1.0.0-alpha.1", "1.0.0-alpha.beta")).toBe("-1");
    expect(call("semver.is_valid", "1.2")).toBe(false);
  });
  test("types and to_number", () => {
    expect(call("type_name", set())).toBe("set");
    expect(call("is_number", "1")).toBe(false);
    expect(callJSON("to_number", "-1.50")).toBe("-1.5");
    expect(callJSON("to_number", true)).toBe("1");
    expect(callError("to_number", "abc")).toBe('eval_builtin_error: to_number: strconv.ParseFloat: parsing "abc": invalid syntax');
  });
});

describe("time, crypto, walk, print", () => {
  test("time", () => {
    expect(callJSON("time.now_ns")).toBe(String(ctx.nowNs));
    expect(callJSON("time.parse_rfc3339_ns", "2017-06-02T19:00:00.123456789-07:00")).toBe("1496455200123456789");
    expect(callJSON("time.date", 1496455200123456789n)).toBe("[2017,6,3]");
    expect(callJSON("time.clock", 1496455200123456789n)).toBe("[2,0,0]");
    expect(call("time.weekday", 1496455200123456789n)).toBe("Saturday");
    expect(callJSON("time.date", [1496455200123456789n, "America/Los_Angeles"])).toBe("[2017,6,2]");
    expect(callJSON("time.add_date", 1485907200000000000n, 0, 1, 0)).toBe("1488326400000000000");
  });
  test("crypto and jwt", () => {
    expect(call("crypto.sha256", "")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(call("crypto.md5", "a")).toBe("0cc175b9c0f1b6a831c399e269772661");
    expect(call("crypto.hmac.sha256", "msg", "key")).toBe("2d93cbc1be167bcb1637a4a23cbff01a7878f0c50ee833954ea5221bb1b8c628");
    const tok = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln";
    expect(callJSON("io.jwt.decode", tok)).toBe('[{"alg":"HS256"},{"sub":"a"},"736967"]');
    expect(callError("io.jwt.decode", "abc")).toBe("eval_builtin_error: io.jwt.decode: encoded JWT had no period separators");
  });
  test("walk is a relation of [path, value] pairs", () => {
    expect(callJSON("walk", { a: [1] })).toBe('[[[],{"a":[1]}],[["a"],[1]],[["a",0],1]]');
  });
  test("print writes through the context", () => {
    printed.length = 0;
    expect(call("internal.print", [set("x"), set(), set(1, 2)])).toBe(true);
    expect(printed).toEqual(["x <undefined> 1", "x <undefined> 2"]);
  });
});
