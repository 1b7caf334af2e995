import { describe, expect, test } from "vitest";
import { call, callError, callJSON } from "./testkit.js";

describe("regex (RE2 / Go regexp semantics)", () => {
  test("match, is_valid, RE2 syntax", () => {
    expect(call("regex.match", "(?i)^ABC$", "abc")).toBe(true);
    expect(call("re_match", "^(?P<x>a)b", "ab")).toBe(true);
    expect(call("regex.is_valid", "[")).toBe(false);
    expect(call("regex.is_valid", 1)).toBe(false);
    expect(callError("regex.match", "[", "x")).toBe("eval_builtin_error: regex.match: error parsing regexp: missing closing ]: `[`");
  });
  test("split like Go's Regexp.Split", () => {
    expect(callJSON("regex.split", "a", "banana")).toBe('["b","n","n",""]');
    expect(callJSON("regex.split", "^[a-z]+", "foobar baz")).toBe('[""," baz"]');
    expect(callJSON("regex.split", "^[a-z ]+$", "foobar baz")).toBe('["",""]');
    expect(callJSON("regex.split", "^[a-z]+\\[[0-9]+\\]$", "")).toBe('[""]');
    expect(callJSON("regex.split", "z+", "pizza")).toBe('["pi","a"]');
  });
  test("find_n and submatches, skipping empty matches after a match", () => {
    expect(callJSON("regex.find_n", "a.", "paranormal", -1)).toBe('["ar","an","al"]');
    expect(callJSON("regex.find_n", "a.", "paranormal", 2)).toBe('["ar","an"]');
    expect(callJSON("regex.find_n", "a*", "baaac", -1)).toBe('["","aaa",""]');
    expect(callJSON("regex.find_all_string_submatch_n", "a(x*)b", "-ab-axxb-", -1)).toBe('[["ab",""],["axxb","xx"]]');
    expect(callJSON("regex.find_all_string_submatch_n", "[^aouiye]([aouiye])([^aouiye])?", "somestri", -1)).toBe(
      '[["som","o","m"],["ri","i",""]]',
    );
  });
  test("replace expands Go templates", () => {
    expect(callJSON("regex.replace", "-wxy-wy-", "w(x*)y", "0")).toBe('"-0-0-"');
    expect(callJSON("regex.replace", "foo", "(foo)", "$1$1")).toBe('"foofoo"');
    expect(callJSON("regex.replace", "ab", "(?P<n>a)", "${n}x$$")).toBe('"ax$b"');
    expect(callJSON("regex.replace", "ab", "(a)", "$1x")).toBe('"b"');
  });
  test("glob.match and quote_meta", () => {
    expect(call("glob.match", "*.github.com", [], "api.github.com")).toBe(true);
    expect(call("glob.match", "*.github.com", [], "api.cdn.github.com")).toBe(false);
    expect(call("glob.match", "**.github.com", [], "api.cdn.github.com")).toBe(true);
    expect(call("glob.match", "*:github:com", [":"], "api:github:com")).toBe(true);
    expect(call("glob.match", "{cat,bat}[a-c]?", null, "batb!")).toBe(true);
    expect(call("glob.match", "[!a]*", null, "abc")).toBe(false);
    expect(callJSON("glob.quote_meta", "*.github.com")).toBe('"\\\\*.github.com"');
  });
});
