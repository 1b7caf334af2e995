import { describe, expect, it } from "vitest";
import { lex } from "./lexer.js";

const kinds = (src: string) => lex(src, "t.rego").tokens.map((t) => `${t.kind}:${t.value}`);

describe("lexer", () => {
  it("keeps numbers as exact text, including big ints, decimals and exponents", () => {
    expect(kinds("18446744073709551617 3.50 35e-1 1E+3 0.1")).toEqual([
      "number:18446744073709551617", "number:3.50", "number:35e-1", "number:1E+3", "number:0.1", "eof:",
    ]);
  });

  it("unescapes JSON escapes, surrogate pairs and leaves raw strings alone", () => {
    const toks = lex(String.raw`"a\"b\\c\/\n\t\u00e9\ud83d\ude00" ` + "`x\\n\ny`", "t.rego").tokens;
    expect(toks[0]!.value).toBe('a"b\\c/\n\té😀');
    expect(toks[1]).toMatchObject({ kind: "string", raw: true, value: "x\\n\ny" });
  });

  it("counts columns in code points and rows from 1", () => {
    const toks = lex('"😀😀" x\n  y', "f.rego").tokens;
    expect(toks[1]!.location).toEqual({ file: "f.rego", row: 1, col: 6 });
    expect(toks[2]!.location).toEqual({ file: "f.rego", row: 2, col: 3 });
    expect(toks[2]!.nl).toBe(true);
    expect(toks[1]!.nl).toBe(false);
  });

  it("prefers the longest operator and tracks whitespace before tokens", () => {
    const toks = lex("a:=b==c!=d<=e>=f p[x] q [y]", "t").tokens;
    expect(toks.filter((t) => t.kind === "punct").map((t) => t.value)).toEqual([":=", "==", "!=", "<=", ">=", "[", "]", "[", "]"]);
    const brackets = toks.filter((t) => t.value === "[");
    expect(brackets.map((t) => t.ws)).toEqual([false, true]);
  });

  it("collects comments with their locations", () => {
    const r = lex("x # one\n# two\ny", "t");
    expect(r.comments).toEqual([
      { text: " one", location: { file: "t", row: 1, col: 3 } },
      { text: " two", location: { file: "t", row: 2, col: 1 } },
    ]);
    expect(r.tokens.map((t) => t.value)).toEqual(["x", "y", ""]);
  });

  it("reports unterminated strings, bad escapes and illegal characters with locations", () => {
    expect(lex('x := "abc', "t").errors).toEqual([
      { code: "rego_parse_error", message: "non-terminated string", location: { file: "t", row: 1, col: 6 } },
    ]);
    expect(lex('"\\q"', "t").errors[0]).toMatchObject({ message: "illegal escape sequence in string: \\q", location: { col: 2 } });
    expect(lex("a\n  `raw", "t").errors[0]).toMatchObject({ message: "non-terminated raw string", location: { row: 2, col: 3 } });
    expect(lex("a ^ b", "t").errors[0]).toMatchObject({ location: { row: 1, col: 3 } });
  });
});
