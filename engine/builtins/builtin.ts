/**
 * The contract between host builtins and the evaluators (IR interpreter, Wasm host glue),
 * plus the operand checks every builtin shares so error messages read exactly as OPA's.
 */

import { RNumber, RObject, RSet, typeName, type Value } from "../values/index.js";

/** What an evaluator provides to a builtin call. */
export interface BuiltinContext {
  /** Strict builtin errors: evaluators raise instead of making the expression undefined. */
  strict: boolean;
  /** Evaluation time, fixed for one evaluation (`time.now_ns`). */
  nowNs: bigint;
  print(msg: string): void;
}

export type BuiltinErrorCode = "eval_builtin_error" | "eval_type_error";

/**
 * A builtin failed. `message` is OPA's full text, prefixed with the builtin's name
 * (`div: divide by zero`). Evaluators turn it into undefined unless `strict`.
 */
export class BuiltinError extends Error {
  constructor(
    readonly code: BuiltinErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "BuiltinError";
  }
}

/** A builtin function. `relation` builtins return an array of all their results (`walk`). */
export interface Builtin {
  name: string;
  arity: number;
  relation?: boolean;
  /** Declared argument and result types, in OPA's notation (informative, for the type checker). */
  decl?: { args: string[]; result: string };
  fn(args: Value[], ctx: BuiltinContext): Value | undefined;
}

type Fn = Builtin["fn"];

/** Declares a builtin; `args` are OPA type names, for `decl`. */
export function def(name: string, args: string[], result: string, fn: Fn, extra: Partial<Builtin> = {}): Builtin {
  return { name, arity: args.length, decl: { args, result }, fn, ...extra };
}

export function typeError(name: string, message: string): BuiltinError {
  return new BuiltinError("eval_type_error", `${name}: ${message}`);
}

export function builtinError(name: string, message: string): BuiltinError {
  return new BuiltinError("eval_builtin_error", `${name}: ${message}`);
}

/** `operand <pos> must be <t> but got <actual>` / `must be one of {a, b} but got …`. */
export function operandTypeError(name: string, pos: number, got: Value, ...expected: string[]): BuiltinError {
  const want = expected.length === 1 ? expected[0]! : `one of {${expected.join(", ")}}`;
  return typeError(name, `operand ${pos} must be ${want} but got ${typeName(got)}`);
}

/** Operand checks; `pos` is 1-based like OPA's messages. */
export function num(name: string, args: Value[], pos: number): RNumber {
  const v = args[pos - 1]!;
  if (v instanceof RNumber) return v;
  throw operandTypeError(name, pos, v, "number");
}

export function str(name: string, args: Value[], pos: number): string {
  const v = args[pos - 1]!;
  if (typeof v === "string") return v;
  throw operandTypeError(name, pos, v, "string");
}

export function bool(name: string, args: Value[], pos: number): boolean {
  const v = args[pos - 1]!;
  if (typeof v === "boolean") return v;
  throw operandTypeError(name, pos, v, "boolean");
}

export function arr(name: string, args: Value[], pos: number): Value[] {
  const v = args[pos - 1]!;
  if (Array.isArray(v)) return v;
  throw operandTypeError(name, pos, v, "array");
}

export function obj(name: string, args: Value[], pos: number): RObject {
  const v = args[pos - 1]!;
  if (v instanceof RObject) return v;
  throw operandTypeError(name, pos, v, "object");
}

export function set(name: string, args: Value[], pos: number): RSet {
  const v = args[pos - 1]!;
  if (v instanceof RSet) return v;
  throw operandTypeError(name, pos, v, "set");
}

/** An integer operand that fits a JS safe integer (OPA's `IntOperand`). */
export function int(name: string, args: Value[], pos: number): number {
  const n = num(name, args, pos);
  if (!n.isInteger()) throw typeError(name, `operand ${pos} must be integer number but got floating-point number`);
  const i = n.toSafeInt();
  if (i === undefined) throw typeError(name, `operand ${pos} must be integer number but got floating-point number`);
  return i;
}

/** Members of an array or set (in sorted order for sets). */
export function iterable(name: string, args: Value[], pos: number, ...expected: string[]): readonly Value[] {
  const v = args[pos - 1]!;
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.values();
  throw operandTypeError(name, pos, v, ...(expected.length ? expected : ["array", "set"]));
}

/** Strings of an array or set (OPA's `StringSliceOperand`). */
export function strings(name: string, args: Value[], pos: number): string[] {
  const v = args[pos - 1]!;
  const items = iterable(name, args, pos);
  return items.map((x) => {
    if (typeof x !== "string") {
      const t = typeName(v);
      throw typeError(name, `operand ${pos} must be ${t} of strings but got ${t} containing ${typeName(x)}`);
    }
    return x;
  });
}

/** Shorthand for an integer result. */
export const numberOf = (n: number | bigint): RNumber => RNumber.fromInt(n);
