/** Aggregates over collections, and the membership tests behind `in`. */

import { RNumber, RObject, RSet, compare, equal, typeName, type Value } from "../values/index.js";
import { def, iterable, numberOf, operandTypeError, typeError, type Builtin } from "./builtin.js";

function numbers(name: string, args: Value[]): RNumber[] {
  const coll = args[0]!;
  const items = iterable(name, args, 1, "set", "array");
  return items.map((x) => {
    if (x instanceof RNumber) return x;
    const t = typeName(coll);
    throw typeError(name, `operand 1 must be ${t} of numbers but got ${t} containing ${typeName(x)}`);
  });
}

export const aggregateBuiltins: Builtin[] = [
  def("count", ["any<array, object, set, string>"], "number", ([x]) => {
    if (typeof x === "string") {
      let n = 0;
      for (const _ of x) n++;
      return numberOf(n);
    }
    if (Array.isArray(x)) return numberOf(x.length);
    if (x instanceof RObject || x instanceof RSet) return numberOf(x.size);
    throw operandTypeError("count", 1, x!, "array", "object", "set", "string");
  }),
  def("sum", ["any<array[number], set[number]>"], "number", (args) =>
    numbers("sum", args).reduce((a, b) => a.add(b), RNumber.ZERO),
  ),
  def("product", ["any<array[number], set[number]>"], "number", (args) =>
    numbers("product", args).reduce((a, b) => a.mul(b), RNumber.ONE),
  ),
  def("max", ["any<array[any], set[any]>"], "any", (args) => {
    const items = iterable("max", args, 1, "set", "array");
    if (items.length === 0) return undefined;
    return items.reduce((m, x) => (compare(m, x) <= 0 ? x : m));
  }),
  def("min", ["any<array[any], set[any]>"], "any", (args) => {
    const items = iterable("min", args, 1, "set", "array");
    if (items.length === 0) return undefined;
    return items.reduce((m, x) => (compare(m, x) >= 0 ? x : m));
  }),
  def("sort", ["any<array[any], set[any]>"], "array[any]", (args) => [...iterable("sort", args, 1, "set", "array")].sort(compare)),
  def("all", ["any<array[any], set[any]>"], "boolean", (args) => iterable("all", args, 1).every((x) => x === true)),
  def("any", ["any<array[any], set[any]>"], "boolean", (args) => iterable("any", args, 1).some((x) => x === true)),
  def("internal.member_2", ["any", "any"], "boolean", ([x, c]) => {
    if (c instanceof RSet) return c.has(x!);
    if (Array.isArray(c)) return c.some((e) => equal(e, x!));
    if (c instanceof RObject) return c.values().some((e) => equal(e, x!));
    return false;
  }),
  def("internal.member_3", ["any", "any", "any"], "boolean", ([k, v, c]) => {
    if (c instanceof RSet) return c.has(k!) && equal(k!, v!);
    if (c instanceof RObject) {
      const got = c.get(k!);
      return got !== undefined && equal(got, v!);
    }
    if (Array.isArray(c)) {
      if (!(k instanceof RNumber)) return false;
      const i = k.toSafeInt();
      return i !== undefined && i >= 0 && i < c.length && equal(c[i]!, v!);
    }
    return false;
  }),
];
