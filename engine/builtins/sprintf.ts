/**
 * `sprintf` with Go's fmt semantics. OPA hands Go's fmt an int (or *big.Int) for integral
 * numbers, a float64 for other numbers, a string for strings, and the Rego text of
 * anything else — so `%s` of `true` is "true" but `%d` of "x" is `%!d(string=x)`.
 */

import { RNumber, toRegoText, goQuote, type Value } from "../values/index.js";
import { arr, def, str, type Builtin } from "./builtin.js";

/** A Go fmt argument, as OPA converts it. */
type Arg = { t: "int"; v: bigint; big: boolean } | { t: "float"; v: number } | { t: "string"; v: string };

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function toArg(v: Value): Arg {
  if (v instanceof RNumber) {
    if (v.isInteger()) {
      const b = v.toBigInt();
      return { t: "int", v: b, big: b < INT64_MIN || b > INT64_MAX };
    }
    return { t: "float", v: v.toNumber() };
  }
  if (typeof v === "string") return { t: "string", v };
  return { t: "string", v: toRegoText(v) };
}

function goType(a: Arg): string {
  return a.t === "int" ? (a.big ? "*big.Int" : "int") : a.t === "float" ? "float64" : "string";
}

/** Shortest digits and decimal exponent of a finite double: d.ddd × 10^exp. */
function shortest(x: number): { digits: string; exp: number } {
  const [m, e] = Math.abs(x).toExponential().split("e") as [string, string];
  return { digits: m.replace(".", ""), exp: Number(e) };
}

function expSuffix(e: number, upper: boolean): string {
  return (upper ? "E" : "e") + (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
}

/** Go's %e with precision (or shortest when prec < 0). */
function fmtE(x: number, prec: number, upper: boolean): string {
  let m: string;
  let e: number;
  if (prec < 0) {
    const s = shortest(x);
    m = s.digits.length > 1 ? `${s.digits[0]}.${s.digits.slice(1)}` : s.digits;
    e = s.exp;
  } else {
    const [mm, ee] = Math.abs(x).toExponential(prec).split("e") as [string, string];
    m = mm;
    e = Number(ee);
  }
  return m + expSuffix(e, upper);
}

/** Go's %g (and %v for floats): shortest when prec < 0, with %e for large/small exponents. */
function fmtG(x: number, prec: number, upper: boolean): string {
  if (x === 0) return "0";
  let digits: string;
  let exp: number;
  if (prec < 0) {
    ({ digits, exp } = shortest(x));
  } else {
    const p = prec === 0 ? 1 : prec;
    const [mm, ee] = Math.abs(x).toExponential(p - 1).split("e") as [string, string];
    digits = mm.replace(".", "").replace(/0+$/, "") || "0";
    exp = Number(ee);
  }
  let eprec = prec < 0 ? 6 : prec === 0 ? 1 : prec;
  if (prec >= 0 && eprec > digits.length && digits.length >= exp + 1) eprec = digits.length;
  if (exp < -4 || exp >= eprec) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return m + expSuffix(exp, upper);
  }
  if (exp < 0) return `0.${"0".repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return digits + "0".repeat(exp + 1 - digits.length);
  return `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

interface Spec {
  minus: boolean;
  plus: boolean;
  space: boolean;
  zero: boolean;
  sharp: boolean;
  width: number;
  prec: number;
  verb: string;
}

function pad(body: string, sign: string, spec: Spec, numeric: boolean): string {
  const len = [...sign].length + [...body].length;
  if (spec.width <= len) return sign + body;
  const fill = spec.width - len;
  if (spec.minus) return sign + body + " ".repeat(fill);
  if (spec.zero && numeric) return sign + "0".repeat(fill) + body;
  return " ".repeat(fill) + sign + body;
}

function signOf(neg: boolean, spec: Spec): string {
  return neg ? "-" : spec.plus ? "+" : spec.space ? " " : "";
}

function badVerb(spec: Spec, a: Arg): string {
  return `%!${spec.verb}(${goType(a)}=${plain(a)})`;
}

function plain(a: Arg): string {
  if (a.t === "int") return a.v.toString();
  if (a.t === "float") return fmtG(a.v, -1, false);
  return a.v;
}

function hexBytes(s: string, upper: boolean): string {
  const h = Buffer.from(s, "utf8").toString("hex");
  return upper ? h.toUpperCase() : h;
}

function formatOne(spec: Spec, a: Arg): string {
  const v = spec.verb;
  if (a.t === "int") {
    const neg = a.v < 0n;
    const abs = neg ? -a.v : a.v;
    let body: string;
    switch (v) {
      case "v":
      case "d":
        body = abs.toString();
        break;
      case "s":
        if (!a.big) return badVerb(spec, a);
        body = abs.toString();
        break;
      case "x":
        body = (spec.sharp ? "0x" : "") + abs.toString(16);
        break;
      case "X":
        body = (spec.sharp ? "0X" : "") + abs.toString(16).toUpperCase();
        break;
      case "o":
        body = (spec.sharp ? "0" : "") + abs.toString(8);
        break;
      case "b":
        body = abs.toString(2);
        break;
      case "c":
        if (a.big) return badVerb(spec, a);
        return pad(String.fromCodePoint(validRune(a.v)), "", spec, false);
      case "q":
        if (a.big) return badVerb(spec, a);
        return pad(quoteRune(validRune(a.v)), "", spec, false);
      default:
        return badVerb(spec, a);
    }
    if (spec.prec >= 0) body = body.padStart(spec.prec, "0");
    return pad(body, signOf(neg, spec), { ...spec, zero: spec.zero && spec.prec < 0 }, true);
  }
  if (a.t === "float") {
    const x = a.v;
    const neg = x < 0 || Object.is(x, -0);
    const ax = Math.abs(x);
    let body: string;
    switch (v) {
      case "v":
      case "g":
        body = fmtG(ax, spec.prec, false);
        break;
      case "G":
        body = fmtG(ax, spec.prec, true);
        break;
      case "f":
      case "F":
        body = ax.toFixed(spec.prec < 0 ? 6 : spec.prec);
        break;
      case "e":
      case "E":
        body = fmtE(ax, spec.prec < 0 ? 6 : spec.prec, v === "E");
        break;
      default:
        return badVerb(spec, a);
    }
    return pad(body, signOf(neg, spec), spec, true);
  }
  const s = a.v;
  switch (v) {
    case "v":
    case "s": {
      const body = spec.prec >= 0 ? [...s].slice(0, spec.prec).join("") : s;
      return pad(body, "", spec, false);
    }
    case "q":
      return pad(goQuote(s), "", spec, false);
    case "x":
      return pad(hexBytes(s, false), "", spec, false);
    case "X":
      return pad(hexBytes(s, true), "", spec, false);
    default:
      return badVerb(spec, a);
  }
}

/** Formats like Go's `fmt.Sprintf` for the argument kinds OPA passes. */
export function goSprintf(format: string, values: readonly Value[]): string {
  const args = values.map(toArg);
  let out = "";
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c !== "%") {
      out += c;
      i++;
      continue;
    }
    i++;
    const spec: Spec = { minus: false, plus: false, space: false, zero: false, sharp: false, width: 0, prec: -1, verb: "" };
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === "-") spec.minus = true;
      else if (f === "+") spec.plus = true;
      else if (f === " ") spec.space = true;
      else if (f === "0") spec.zero = !spec.minus;
      else if (f === "#") spec.sharp = true;
      else break;
    }
    while (i < format.length && format[i]! >= "0" && format[i]! <= "9") spec.width = spec.width * 10 + Number(format[i++]);
    if (format[i] === ".") {
      i++;
      spec.prec = 0;
      while (i < format.length && format[i]! >= "0" && format[i]! <= "9") spec.prec = spec.prec * 10 + Number(format[i++]);
    }
    if (i >= format.length) {
      out += "%!(NOVERB)";
      break;
    }
    const cp = format.codePointAt(i)!;
    spec.verb = String.fromCodePoint(cp);
    i += spec.verb.length;
    if (spec.verb === "%") {
      out += "%";
      continue;
    }
    if (argi >= args.length) {
      out += `%!${spec.verb}(MISSING)`;
      continue;
    }
    const a = args[argi++]!;
    if (spec.verb === "T") out += pad(goType(a), "", spec, false);
    else if (spec.verb === "t") out += badVerb(spec, a);
    else out += formatOne(spec, a);
  }
  if (argi < args.length) {
    out += "%!(EXTRA " + args.slice(argi).map((a) => `${goType(a)}=${plain(a)}`).join(", ") + ")";
  }
  return out;
}

export const sprintfBuiltins: Builtin[] = [
  def("sprintf", ["string", "array[any]"], "string", (args) => goSprintf(str("sprintf", args, 1), arr("sprintf", args, 2))),
];

/** Go's rune conversion: anything that is not a Unicode scalar value becomes U+FFFD. */
function validRune(v: bigint | number): number {
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? n : 0xfffd;
}

const RUNE_ESCAPES: Record<number, string> = { 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 39: "\\'", 92: "\\\\" };

/** Go's `strconv.QuoteRune`: a single-quoted literal, control characters escaped. */
function quoteRune(cp: number): string {
  const escaped = RUNE_ESCAPES[cp];
  if (escaped !== undefined) return `'${escaped}'`;
  if (cp < 0x20 || cp === 0x7f) return `'\\x${cp.toString(16).padStart(2, "0")}'`;
  if (cp >= 0x80 && cp < 0xa0) return `'\\u${cp.toString(16).padStart(4, "0")}'`;
  return `'${String.fromCodePoint(cp)}'`;
}
