/**
 * `glob.match` with the syntax OPA takes from gobwas/glob: `*` (no delimiter), `**`
 * (anything), `?`, `[abc]`, `[!a-z]`, `{a,b}` alternatives and `\` escapes. Compiled to a
 * JS regular expression over code points.
 */

import { typeName, type Value } from "../values/index.js";
import { builtinError, def, operandTypeError, str, typeError, type Builtin } from "./builtin.js";

const cache = new Map<string, RegExp>();

function escapeClass(ch: string): string {
  return ch.replace(/[\\\]\[^-]/g, "\\$&");
}

function escapeRe(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

export function globToRegExp(pattern: string, delimiters: string[]): RegExp {
  const key = JSON.stringify([pattern, delimiters]);
  let re = cache.get(key);
  if (re) return re;
  const notDelim = delimiters.length ? `[^${delimiters.map(escapeClass).join("")}]` : "[\\s\\S]";
  const cps = [...pattern];
  let i = 0;
  const parse = (inAlt: boolean): string => {
    let out = "";
    while (i < cps.length) {
      const c = cps[i]!;
      if (inAlt && (c === "," || c === "}")) return out;
      i++;
      switch (c) {
        case "*":
          if (cps[i] === "*") {
            i++;
            out += "[\\s\\S]*";
          } else out += `${notDelim}*`;
          break;
        case "?":
          out += notDelim;
          break;
        case "\\":
          if (i >= cps.length) throw new Error("unexpected end of input");
          out += escapeRe(cps[i++]!);
          break;
        case "[": {
          let neg = false;
          if (cps[i] === "!") {
            neg = true;
            i++;
          }
          let cls = "";
          while (i < cps.length && cps[i] !== "]") {
            const a = cps[i++]!;
            if (cps[i] === "-" && cps[i + 1] !== undefined && cps[i + 1] !== "]") {
              cls += `${escapeClass(a)}-${escapeClass(cps[i + 1]!)}`;
              i += 2;
            } else cls += escapeClass(a);
          }
          if (cps[i] !== "]") throw new Error("unexpected end of input");
          i++;
          out += neg ? `[^${cls}]` : `[${cls}]`;
          break;
        }
        case "{": {
          const alts: string[] = [];
          for (;;) {
            alts.push(parse(true));
            if (i >= cps.length) throw new Error("unexpected end of input");
            if (cps[i++] === "}") break;
          }
          out += `(?:${alts.join("|")})`;
          break;
        }
        default:
          out += escapeRe(c);
      }
    }
    return out;
  };
  re = new RegExp(`^(?:${parse(false)})$`, "u");
  cache.set(key, re);
  return re;
}

export const globBuiltins: Builtin[] = [
  def("glob.match", ["string", "any<null, array[string]>", "string"], "boolean", (args) => {
    const pattern = str("glob.match", args, 1);
    const d = args[1]!;
    let delimiters: string[];
    if (d === null) delimiters = [];
    else if (Array.isArray(d)) {
      delimiters = d.map((x: Value) => {
        if (typeof x !== "string") throw typeError("glob.match", `operand 2 must be array of strings but got array containing ${typeName(x)}`);
        return x;
      });
      if (delimiters.length === 0) delimiters = ["."];
    } else throw operandTypeError("glob.match", 2, d, "array", "null");
    const s = str("glob.match", args, 3);
    let re: RegExp;
    try {
      re = globToRegExp(pattern, delimiters);
    } catch (e) {
      throw builtinError("glob.match", e instanceof Error ? e.message : String(e));
    }
    return re.test(s);
  }),
  def("glob.quote_meta", ["string"], "string", (args) => str("glob.quote_meta", args, 1).replace(/[*?\\[\]{}]/g, "\\$&")),
];
