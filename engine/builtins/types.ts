/** Type tests, `type_name` and `to_number`. */

import { RNumber, RObject, RSet, typeName, type Value } from "../values/index.js";
import { builtinError, def, operandTypeError, type Builtin } from "./builtin.js";

const is = (name: string, test: (v: Value) => boolean): Builtin =>
  // OPA's is_* are false (not undefined) on other types.
  def(name, ["any"], "boolean", ([v]) => test(v!));

/** Go's `strconv.ParseFloat` syntax (decimal only), minus inf/nan, which OPA rejects. */
const FLOAT_RE = /^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9]+)?$/;

function parseNumberText(s: string): RNumber | undefined {
  if (!FLOAT_RE.test(s) || s.includes("_")) return undefined;
  let t = s.replace(/^\+/, "");
  const neg = t.startsWith("-");
  if (neg) t = t.slice(1);
  t = t.replace(/^\./, "0.").replace(/\.(?=[eE]|$)/, "");
  t = t.replace(/^0+(?=[0-9])/, "");
  const n = RNumber.parse(t);
  return n ? (neg ? n.neg() : n) : undefined;
}

export const typeBuiltins: Builtin[] = [
  is("is_number", (v) => v instanceof RNumber),
  is("is_string", (v) => typeof v === "string"),
  is("is_boolean", (v) => typeof v === "boolean"),
  is("is_array", (v) => Array.isArray(v)),
  is("is_set", (v) => v instanceof RSet),
  is("is_object", (v) => v instanceof RObject),
  is("is_null", (v) => v === null),
  def("type_name", ["any"], "string", ([v]) => typeName(v!)),
  def("to_number", ["any<null, boolean, number, string>"], "number", ([v]) => {
    if (v === null) return RNumber.ZERO;
    if (v === true) return RNumber.ONE;
    if (v === false) return RNumber.ZERO;
    if (v instanceof RNumber) return v;
    if (typeof v === "string") {
      const n = parseNumberText(v);
      if (!n) throw builtinError("to_number", `strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
      return n;
    }
    throw operandTypeError("to_number", 1, v!, "null", "boolean", "number", "string");
  }),
];
