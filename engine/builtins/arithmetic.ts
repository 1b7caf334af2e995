/**
 * Arithmetic. Integers stay exact at any size; see `RNumber` for how non-terminating
 * quotients round. `minus` doubles as set difference, as in OPA.
 */

import { RNumber, RSet, type Value } from "../values/index.js";
import { builtinError, def, num, operandTypeError, typeError, type Builtin } from "./builtin.js";

function binary(name: string, op: (a: RNumber, b: RNumber) => RNumber): Builtin {
  return def(name, ["number", "number"], "number", (args) => op(num(name, args, 1), num(name, args, 2)));
}

/** OPA's `BigIntOperand`: an integer of any size. */
export function bigIntOperand(name: string, args: Value[], pos: number): bigint {
  const v = args[pos - 1]!;
  if (!(v instanceof RNumber)) throw operandTypeError(name, pos, v, "integer");
  if (!v.isInteger()) throw typeError(name, `operand ${pos} must be integer number but got floating-point number`);
  return v.toBigInt();
}

/** Guards against ranges that would exhaust memory; OPA would too, only later. */
const MAX_RANGE = 10_000_000n;

function range(name: string, from: bigint, to: bigint, step: bigint): Value[] {
  const len = (from > to ? from - to : to - from) / step + 1n;
  if (len > MAX_RANGE) throw builtinError(name, "range too large");
  const out: Value[] = [];
  if (from <= to) for (let i = from; i <= to; i += step) out.push(RNumber.fromInt(i));
  else for (let i = from; i >= to; i -= step) out.push(RNumber.fromInt(i));
  return out;
}

export const arithmeticBuiltins: Builtin[] = [
  binary("plus", (a, b) => a.add(b)),
  binary("mul", (a, b) => a.mul(b)),
  binary("div", (a, b) => {
    if (b.isZero()) throw builtinError("div", "divide by zero");
    return a.div(b);
  }),
  binary("rem", (a, b) => {
    if (!a.isInteger() || !b.isInteger()) throw builtinError("rem", "modulo on floating-point number");
    if (b.isZero()) throw builtinError("rem", "modulo by zero");
    return a.rem(b);
  }),
  def("minus", ["any<number, set>", "any<number, set>"], "any<number, set>", ([a, b]) => {
    if (a instanceof RNumber && b instanceof RNumber) return a.sub(b);
    if (a instanceof RSet && b instanceof RSet) {
      const out = new RSet();
      for (const v of a.values()) if (!b.has(v)) out.add(v);
      return out;
    }
    if (!(a instanceof RNumber) && !(a instanceof RSet)) throw operandTypeError("minus", 1, a!, "number", "set");
    throw operandTypeError("minus", 2, b!, a instanceof RSet ? "set" : "number");
  }),
  def("abs", ["number"], "number", (args) => num("abs", args, 1).abs()),
  def("round", ["number"], "number", (args) => num("round", args, 1).round()),
  def("ceil", ["number"], "number", (args) => num("ceil", args, 1).ceil()),
  def("floor", ["number"], "number", (args) => num("floor", args, 1).floor()),
  def("numbers.range", ["number", "number"], "array[number]", (args) => {
    const a = bigIntOperand("numbers.range", args, 1);
    const b = bigIntOperand("numbers.range", args, 2);
    return range("numbers.range", a, b, 1n);
  }),
  def("numbers.range_step", ["number", "number", "number"], "array[number]", (args) => {
    const a = bigIntOperand("numbers.range_step", args, 1);
    const b = bigIntOperand("numbers.range_step", args, 2);
    const step = bigIntOperand("numbers.range_step", args, 3);
    if (step <= 0n) throw builtinError("numbers.range_step", "step must be a positive number above zero");
    return range("numbers.range_step", a, b, step);
  }),
];
