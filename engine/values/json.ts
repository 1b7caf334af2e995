/**
 * JSON in and out of the value model, without losing number precision.
 *
 * `parseJSON` reads numbers straight into `RNumber` (so `18446744073709551617` stays
 * exact) and lets a later duplicate key win, as Go's decoder does. `stringifyJSON` writes
 * sets as sorted arrays, object keys sorted, and non-string keys as their Rego text (what
 * OPA does when it marshals an object with such keys).
 */

import { LosslessNumber, isLosslessNumber } from "lossless-json";
import { RNumber } from "./number.js";
import { RObject, RSet, type Value } from "./value.js";
import { compareStrings } from "./compare.js";

/** Thrown by `parseJSON` on malformed input; `offset` is a UTF-16 index into the text. */
export class JSONSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** From plain JS data (numbers, bigints, LosslessNumbers, arrays, plain objects, Maps, Sets). */
export function fromJSON(x: unknown): Value {
  if (x === null || x === undefined) return null;
  switch (typeof x) {
    case "boolean":
    case "string":
      return x;
    case "number":
      return RNumber.fromDouble(x);
    case "bigint":
      return RNumber.fromInt(x);
  }
  if (x instanceof RNumber || x instanceof RObject || x instanceof RSet) return x;
  if (isLosslessNumber(x)) {
    const n = RNumber.parse((x as LosslessNumber).value);
    if (!n) throw new TypeError(`fromJSON: invalid number ${(x as LosslessNumber).value}`);
    return n;
  }
  if (Array.isArray(x)) return x.map(fromJSON);
  if (x instanceof Set) return RSet.from([...x].map(fromJSON));
  if (x instanceof Map) return RObject.from([...x].map(([k, v]) => [fromJSON(k), fromJSON(v)] as const));
  if (typeof x === "object") {
    const o = new RObject();
    for (const [k, v] of Object.entries(x as Record<string, unknown>)) o.set(k, fromJSON(v));
    return o;
  }
  throw new TypeError(`fromJSON: unsupported ${typeof x}`);
}

/**
 * Object key as a JSON string: strings as they are, anything else as its compact JSON
 * text, as OPA does when it turns a value into JSON (`{{"3": 4}: 5}` becomes
 * `{"{\"3\":4}": 5}`, `{1: 2}` becomes `{"1": 2}`).
 */
function jsonKey(k: Value): string {
  return typeof k === "string" ? k : stringifyJSON(k, { goEscapes: true });
}

/**
 * To plain JS data. Numbers become JS numbers when that is exact (the double prints back
 * as the same number), else `LosslessNumber`; sets become sorted arrays.
 */
export function toJSON(v: Value): unknown {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (v instanceof RNumber) {
    const d = v.toNumber();
    if (Number.isFinite(d)) {
      const back = RNumber.fromDouble(d);
      if (back.equals(v)) return d;
    }
    return new LosslessNumber(v.toString());
  }
  if (Array.isArray(v)) return v.map(toJSON);
  if (v instanceof RSet) return v.values().map(toJSON);
  const out: Record<string, unknown> = {};
  for (const [k, val] of v.entries()) {
    Object.defineProperty(out, jsonKey(k), { value: toJSON(val), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Options for `stringifyJSON`. */
export interface StringifyOptions {
  /** Escape `<`, `>`, `&`, U+2028 and U+2029 as Go's `json.Marshal` does (used by `json.marshal`). */
  goEscapes?: boolean;
  /** Indentation unit; when set, output is pretty-printed like Go's `MarshalIndent`. */
  indent?: string;
  prefix?: string;
}

const GO_ESCAPES = /[<>&\u2028\u2029]/g;

export function quoteJSON(s: string, goEscapes = false): string {
  // JSON.stringify escapes lone surrogates as \udXXX; Go would write U+FFFD, which loses data.
  const q = JSON.stringify(s);
  return goEscapes ? q.replace(GO_ESCAPES, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`) : q;
}

export function stringifyJSON(v: Value, opts: StringifyOptions = {}): string {
  const go = opts.goEscapes ?? false;
  const indent = opts.indent;
  const prefix = opts.prefix ?? "";
  const write = (x: Value, depth: number): string => {
    if (x === null) return "null";
    if (typeof x === "boolean") return x ? "true" : "false";
    if (typeof x === "string") return quoteJSON(x, go);
    if (x instanceof RNumber) return x.toString();
    let items: string[];
    let open: string;
    let close: string;
    if (Array.isArray(x) || x instanceof RSet) {
      const list = Array.isArray(x) ? x : x.values();
      items = list.map((e) => write(e, depth + 1));
      open = "[";
      close = "]";
    } else {
      const entries = x.entries().map(([k, val]) => [jsonKey(k), val] as const);
      // JSON keys sort as strings (Go's encoding/json sorts map keys by bytes); comparing
      // in UTF-8 order without encoding each key (this runs for every decision-log line).
      entries.sort((a, b) => compareStrings(a[0], b[0]));
      items = entries.map(([k, val]) => `${quoteJSON(k, go)}:${indent !== undefined ? " " : ""}${write(val, depth + 1)}`);
      open = "{";
      close = "}";
    }
    if (items.length === 0) return open + close;
    if (indent === undefined) return open + items.join(",") + close;
    const inner = "\n" + prefix + indent.repeat(depth + 1);
    return open + inner + items.join("," + inner) + "\n" + prefix + indent.repeat(depth) + close;
  };
  return write(v, 0);
}

/** Parses JSON text into a value, keeping numbers exact. Throws `JSONSyntaxError`. */
export function parseJSON(text: string): Value {
  let i = 0;
  const fail = (msg: string): never => {
    throw new JSONSyntaxError(msg, i);
  };
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const str = (): string => {
    i++; // opening quote
    let out = "";
    let start = i;
    for (;;) {
      if (i >= text.length) fail("unexpected end of JSON input");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail("invalid character in string literal");
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        i += 2;
        switch (e) {
          case '"':
            out += '"';
            break;
          case "\\":
            out += "\\";
            break;
          case "/":
            out += "/";
            break;
          case "b":
            out += "\b";
            break;
          case "f":
            out += "\f";
            break;
          case "n":
            out += "\n";
            break;
          case "r":
            out += "\r";
            break;
          case "t":
            out += "\t";
            break;
          case "u": {
            const hex = text.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("invalid escape in string literal");
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default:
            fail("invalid escape in string literal");
        }
        start = i;
      } else {
        i++;
      }
    }
  };
  const val = (depth: number): Value => {
    if (depth > 10000) fail("exceeded max depth");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const o = new RObject();
      ws();
      if (text[i] === "}") {
        i++;
        return o;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected string for object key");
        const k = str();
        ws();
        if (text[i] !== ":") fail("expected ':' after object key");
        i++;
        o.set(k, val(depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return o;
        }
        fail("expected ',' or '}' in object");
      }
    }
    if (c === "[") {
      i++;
      const a: Value[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return a;
      }
      for (;;) {
        a.push(val(depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return a;
        }
        fail("expected ',' or ']' in array");
      }
    }
    if (c === '"') return str();
    if (text.startsWith("true", i)) {
      i += 4;
      return true;
    }
    if (text.startsWith("false", i)) {
      i += 5;
      return false;
    }
    if (text.startsWith("null", i)) {
      i += 4;
      return null;
    }
    const m = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    m.lastIndex = i;
    const hit = m.exec(text);
    if (hit && hit[0].length > 0 && hit[0] !== "-") {
      i += hit[0].length;
      const n = RNumber.parse(hit[0]);
      if (!n) fail("number out of range");
      return n!;
    }
    if (i >= text.length) fail("unexpected end of JSON input");
    return fail(`invalid character '${text[i]}' looking for beginning of value`);
  };
  const out = val(0);
  ws();
  if (i < text.length) fail(`invalid character '${text[i]}' after top-level value`);
  return out;
}

/**
 * `stringifyJSON(fromJSON(x))` for plain JS data (what `JSON.parse` returns), written
 * directly, without building values first: the decision log writes one line per
 * decision. Returns undefined for anything it does not handle exactly the same way
 * (non-integer or unsafe numbers, bigints, LosslessNumbers, undefined members, class
 * instances), and the caller takes the general path.
 */
export function stringifyPlainJSON(x: unknown, depth = 0): string | undefined {
  if (depth > 200) return undefined;
  if (x === null) return "null";
  switch (typeof x) {
    case "boolean":
      return x ? "true" : "false";
    case "string":
      return quoteJSON(x);
    case "number":
      return Number.isSafeInteger(x) ? String(x) : undefined;
    case "object":
      break;
    default:
      return undefined;
  }
  if (Array.isArray(x)) {
    const items: string[] = new Array(x.length);
    for (let i = 0; i < x.length; i++) {
      if (!(i in x)) return undefined;
      const item = stringifyPlainJSON(x[i], depth + 1);
      if (item === undefined) return undefined;
      items[i] = item;
    }
    return `[${items.join(",")}]`;
  }
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const keys = Object.keys(x as object).sort(compareStrings);
  const parts: string[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const value = stringifyPlainJSON((x as Record<string, unknown>)[keys[i]!], depth + 1);
    if (value === undefined) return undefined;
    parts[i] = `${quoteJSON(keys[i]!)}:${value}`;
  }
  return `{${parts.join(",")}}`;
}
