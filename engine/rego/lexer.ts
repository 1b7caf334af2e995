/**
 * Rego v1 lexer: source text → tokens with locations.
 *
 * Newlines are not tokens; instead each token records whether a newline preceded it
 * (`nl`), because Rego separates literals by newlines only where an expression may end,
 * and only the parser knows that. Likewise `ws` (any whitespace or comment before the
 * token) lets the parser tell `p[x]` (a ref) from `p [x]` and `f(x)` from `f (x)`.
 */
import { regoError, type Location, type RegoError } from "../errors.js";
import type { Comment } from "./ast.js";

export type TokenKind =
  | "ident"
  | "number"
  | "string"
  | "punct"
  | "eof";

/**
 * One token. For `string`, `value` is the unescaped text and `raw` tells a backtick
 * string; for `number` it is the exact source text; for `ident` and `punct` it is the
 * spelling.
 */
export interface Token {
  kind: TokenKind;
  value: string;
  raw?: boolean;
  location: Location;
  /** A newline (possibly inside a comment run) separates this token from the previous one. */
  nl: boolean;
  /** Whitespace or a comment separates this token from the previous one. */
  ws: boolean;
  /** Offset in UTF-16 units of the token start and end in the source (for error text and slicing). */
  start: number;
  end: number;
}

export interface LexResult {
  tokens: Token[];
  comments: Comment[];
  errors: RegoError[];
}

// Longest first, so `:=` wins over `:` and `==` over `=`.
const PUNCTUATION = [":=", "==", "!=", "<=", ">=", "{", "}", "[", "]", "(", ")", ".", ",", ";", ":", "=", "<", ">", "|", "&", "+", "-", "*", "/", "%"];

const isDigit = (c: string) => c >= "0" && c <= "9";
const isIdentStart = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
const isIdentPart = (c: string) => isIdentStart(c) || isDigit(c);

export function lex(source: string, file: string): LexResult {
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  const errors: RegoError[] = [];
  let pos = 0;
  let row = 1;
  let col = 1;
  let nl = false;
  let ws = false;

  const here = (): Location => ({ file, row, col });
  // Advance one code point, keeping row/col in code points.
  const advance = (): string => {
    const cp = source.codePointAt(pos)!;
    const ch = String.fromCodePoint(cp);
    pos += ch.length;
    if (ch === "\n") {
      row++;
      col = 1;
    } else {
      col++;
    }
    return ch;
  };
  const push = (kind: TokenKind, value: string, location: Location, start: number, raw?: boolean) => {
    const t: Token = { kind, value, location, nl, ws, start, end: pos };
    if (raw !== undefined) t.raw = raw;
    tokens.push(t);
    nl = false;
    ws = false;
  };

  while (pos < source.length) {
    const c = source[pos]!;
    if (c === "\n") {
      advance();
      nl = true;
      ws = true;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      advance();
      ws = true;
      continue;
    }
    const location = here();
    const start = pos;
    if (c === "#") {
      advance();
      const textStart = pos;
      while (pos < source.length && source[pos] !== "\n") advance();
      comments.push({ text: source.slice(textStart, pos).replace(/\r$/, ""), location });
      ws = true;
      continue;
    }
    if (isIdentStart(c)) {
      while (pos < source.length && isIdentPart(source[pos]!)) advance();
      push("ident", source.slice(start, pos), location, start);
      continue;
    }
    if (isDigit(c) || (c === "." && isDigit(source[pos + 1] ?? ""))) {
      lexNumber();
      push("number", source.slice(start, pos), location, start);
      continue;
    }
    if (c === '"') {
      const value = lexString(location);
      push("string", value, location, start, false);
      continue;
    }
    if (c === "`") {
      advance();
      const textStart = pos;
      while (pos < source.length && source[pos] !== "`") advance();
      if (pos >= source.length) {
        errors.push(regoError("rego_parse_error", "non-terminated raw string", location));
        push("string", source.slice(textStart, pos), location, start, true);
        continue;
      }
      const value = source.slice(textStart, pos);
      advance();
      push("string", value, location, start, true);
      continue;
    }
    const p = PUNCTUATION.find((s) => source.startsWith(s, pos));
    if (p) {
      for (let i = 0; i < p.length; i++) advance();
      push("punct", p, location, start);
      continue;
    }
    const bad = advance();
    errors.push(regoError("rego_parse_error", `illegal token: ${JSON.stringify(bad)}`, location));
    ws = true;
  }
  tokens.push({ kind: "eof", value: "", location: here(), nl: true, ws: true, start: pos, end: pos });
  return { tokens, comments, errors };

  // Digits, optional fraction, optional exponent; the text is kept as written.
  function lexNumber(): void {
    while (pos < source.length && isDigit(source[pos]!)) advance();
    if (source[pos] === "." && isDigit(source[pos + 1] ?? "")) {
      advance();
      while (pos < source.length && isDigit(source[pos]!)) advance();
    }
    if (source[pos] === "e" || source[pos] === "E") {
      const sign = source[pos + 1];
      const afterSign = sign === "+" || sign === "-" ? source[pos + 2] : sign;
      if (isDigit(afterSign ?? "")) {
        advance();
        if (sign === "+" || sign === "-") advance();
        while (pos < source.length && isDigit(source[pos]!)) advance();
      }
    }
    // `1abc` would otherwise silently split into a number and a var.
    if (pos < source.length && isIdentStart(source[pos]!)) {
      const location = here();
      while (pos < source.length && isIdentPart(source[pos]!)) advance();
      errors.push(regoError("rego_parse_error", "invalid number", location));
    }
  }

  function lexString(location: Location): string {
    advance(); // opening quote
    let out = "";
    for (;;) {
      if (pos >= source.length || source[pos] === "\n") {
        errors.push(regoError("rego_parse_error", "non-terminated string", location));
        return out;
      }
      const ch = source[pos]!;
      if (ch === '"') {
        advance();
        return out;
      }
      if (ch !== "\\") {
        out += advance();
        continue;
      }
      const escLoc = here();
      advance();
      const e = pos < source.length ? advance() : "";
      switch (e) {
        case '"': out += '"'; break;
        case "\\": out += "\\"; break;
        case "/": out += "/"; break;
        case "b": out += "\b"; break;
        case "f": out += "\f"; break;
        case "n": out += "\n"; break;
        case "r": out += "\r"; break;
        case "t": out += "\t"; break;
        case "u": {
          const hex = source.slice(pos, pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            errors.push(regoError("rego_parse_error", "illegal unicode escape in string", escLoc));
            break;
          }
          for (let i = 0; i < 4; i++) advance();
          // A high surrogate followed by `\uDC00`-style low surrogate forms one code point;
          // JavaScript strings hold the pair as two units, which is exactly that code point.
          out += String.fromCharCode(parseInt(hex, 16));
          break;
        }
        default:
          errors.push(regoError("rego_parse_error", `illegal escape sequence in string: \\${e}`, escLoc));
      }
    }
  }
}
