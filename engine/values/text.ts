/**
 * Values printed as Rego terms, the way OPA's `Term.String()` prints them:
 * `["a", 1]`, `{"k": {1, 2}}`, `set()`. Used for `sprintf("%v")` of composites, for
 * non-string object keys in JSON, and in messages.
 */

import { RNumber } from "./number.js";
import { RObject, RSet, type Value } from "./value.js";

/** Go's `strconv.Quote`: printable Unicode stays, control characters are escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += "\\ufffd";
    else if ((cp >= 0x80 && cp < 0xa0) || cp === 0xad || cp === 0xfeff || (cp >= 0x2028 && cp <= 0x2029))
      out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, "0")}` : `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}

export function toRegoText(v: Value): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return goQuote(v);
  if (v instanceof RNumber) return v.toString();
  if (Array.isArray(v)) return "[" + v.map(toRegoText).join(", ") + "]";
  if (v instanceof RObject) return "{" + v.entries().map(([k, x]) => `${toRegoText(k)}: ${toRegoText(x)}`).join(", ") + "}";
  if (v instanceof RSet) return v.size === 0 ? "set()" : "{" + v.values().map(toRegoText).join(", ") + "}";
  return String(v);
}
