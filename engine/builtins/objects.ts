/** `object.*` builtins. */

import { RNumber, RObject, RSet, equal, typeName, type Value } from "../values/index.js";
import { arr, def, obj, operandTypeError, typeError, type Builtin } from "./builtin.js";

/** Follows `path` through objects, arrays (integer indexes) and sets (members). */
function find(v: Value, path: readonly Value[], from = 0): Value | undefined {
  if (from === path.length) return v;
  const k = path[from]!;
  let next: Value | undefined;
  if (v instanceof RObject) next = v.get(k);
  else if (Array.isArray(v)) {
    const i = k instanceof RNumber ? k.toSafeInt() : undefined;
    next = i !== undefined && i >= 0 && i < v.length ? v[i] : undefined;
  } else if (v instanceof RSet) next = v.has(k) ? k : undefined;
  return next === undefined ? undefined : find(next, path, from + 1);
}

/** Recursive merge: `b` wins, nested objects merge. */
function union(a: RObject, b: RObject): RObject {
  const out = RObject.from(a.entries());
  for (const [k, v] of b.entries()) {
    const old = out.get(k);
    out.set(k, old instanceof RObject && v instanceof RObject ? union(old, v) : v);
  }
  return out;
}

function keysOf(name: string, v: Value): readonly Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.values();
  if (v instanceof RObject) return v.keys();
  throw operandTypeError(name, 2, v, "object", "set", "array");
}

function subset(sup: Value, sub: Value): boolean {
  if (sup instanceof RObject && sub instanceof RObject) {
    for (const [k, v] of sub.entries()) {
      const w = sup.get(k);
      if (w === undefined || !subset(w, v)) return false;
    }
    return true;
  }
  if (sup instanceof RSet && sub instanceof RSet) return sub.values().every((v) => sup.has(v));
  if (Array.isArray(sup) && Array.isArray(sub)) {
    // A contiguous run of `sup` equal to `sub`.
    if (sub.length === 0) return true;
    outer: for (let i = 0; i + sub.length <= sup.length; i++) {
      for (let j = 0; j < sub.length; j++) if (!equal(sup[i + j]!, sub[j]!)) continue outer;
      return true;
    }
    return false;
  }
  if (sup instanceof RSet && Array.isArray(sub)) return sub.every((v) => sup.has(v));
  return equal(sup, sub);
}

export const objectBuiltins: Builtin[] = [
  def("object.get", ["object[any: any]", "any", "any"], "any", (args) => {
    const o = obj("object.get", args, 1);
    const key = args[1]!;
    if (!Array.isArray(key)) return o.get(key) ?? args[2]!;
    if (key.length === 0) return args[2]!;
    return find(o, key) ?? args[2]!;
  }),
  def("object.keys", ["object[any: any]"], "set[any]", (args) => RSet.from(obj("object.keys", args, 1).keys())),
  def("object.remove", ["object[any: any]", "any<array[any], object[any: any], set[any]>"], "object[any: any]", (args) => {
    const o = obj("object.remove", args, 1);
    const drop = RSet.from(keysOf("object.remove", args[1]!));
    return RObject.from(o.entries().filter(([k]) => !drop.has(k)));
  }),
  def("object.filter", ["object[any: any]", "any<array[any], object[any: any], set[any]>"], "object[any: any]", (args) => {
    const o = obj("object.filter", args, 1);
    const keep = RSet.from(keysOf("object.filter", args[1]!));
    return RObject.from(o.entries().filter(([k]) => keep.has(k)));
  }),
  def("object.union", ["object[any: any]", "object[any: any]"], "any", (args) =>
    union(obj("object.union", args, 1), obj("object.union", args, 2)),
  ),
  def("object.union_n", ["array[object[any: any]]"], "any", (args) => {
    const list = arr("object.union_n", args, 1);
    let out = new RObject();
    for (const o of list) {
      if (!(o instanceof RObject)) throw typeError("object.union_n", `operand 1 must be array of objects but got array containing ${typeName(o)}`);
      out = union(out, o);
    }
    return out;
  }),
  def("object.subset", ["any<object[any: any], set[any], array[any]>", "any<object[any: any], set[any], array[any]>"], "any", (args) => {
    const [sup, sub] = args as [Value, Value];
    const ok = (v: Value) => v instanceof RObject || v instanceof RSet || Array.isArray(v);
    if (!ok(sup)) throw operandTypeError("object.subset", 1, sup, "object", "set", "array");
    if (!ok(sub)) throw operandTypeError("object.subset", 2, sub, "object", "set", "array");
    return subset(sup, sub);
  }),
];
