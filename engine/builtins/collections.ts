/** Array and set builtins: `array.*`, `intersection`, `union` and the `&` / `|` operators. */

import { RSet, type Value } from "../values/index.js";
import { arr, int, set, typeError, type Builtin, def } from "./builtin.js";
import { typeName } from "../values/index.js";

function setsOf(name: string, args: Value[]): RSet[] {
  const outer = set(name, args, 1);
  return outer.values().map((x) => {
    if (x instanceof RSet) return x;
    throw typeError(name, `operand 1 must be set of sets but got set containing ${typeName(x)}`);
  });
}

function intersect(sets: RSet[]): RSet {
  const out = new RSet();
  if (sets.length === 0) return out;
  const [first, ...rest] = [...sets].sort((a, b) => a.size - b.size);
  for (const v of first!.values()) if (rest.every((s) => s.has(v))) out.add(v);
  return out;
}

function unite(sets: readonly RSet[]): RSet {
  const out = new RSet();
  for (const s of sets) for (const v of s.values()) out.add(v);
  return out;
}

export const collectionBuiltins: Builtin[] = [
  def("array.concat", ["array[any]", "array[any]"], "array[any]", (args) => [...arr("array.concat", args, 1), ...arr("array.concat", args, 2)]),
  def("array.slice", ["array[any]", "number", "number"], "array[any]", (args) => {
    const a = arr("array.slice", args, 1);
    let start = int("array.slice", args, 2);
    let stop = int("array.slice", args, 3);
    // OPA clamps both ends and yields [] when they cross.
    if (start < 0) start = 0;
    if (stop > a.length) stop = a.length;
    if (start >= stop) return [];
    return a.slice(start, stop);
  }),
  def("array.reverse", ["array[any]"], "array[any]", (args) => [...arr("array.reverse", args, 1)].reverse()),
  def("and", ["set[any]", "set[any]"], "set[any]", (args) => intersect([set("and", args, 1), set("and", args, 2)])),
  def("or", ["set[any]", "set[any]"], "set[any]", (args) => unite([set("or", args, 1), set("or", args, 2)])),
  def("intersection", ["set[set[any]]"], "set[any]", (args) => intersect(setsOf("intersection", args))),
  def("union", ["set[set[any]]"], "set[any]", (args) => unite(setsOf("union", args))),
];
