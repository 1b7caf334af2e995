/**
 * Helpers for the interpreter's unit tests on hand-written plans.
 */
import { RNumber, fromJSON, toJSON } from "../values/index.js";
import { evaluate, formatEvalError, type EvalOptions } from "./interpreter.js";
import { PolicyBuilder, local, makeObject, objectInsert, block, resultSetAdd } from "./builder.js";
import type { Stmt } from "./types.js";

export const n = (x: number) => RNumber.fromInt(x);
export const J = (x: unknown) => fromJSON(x);

/** Evaluates and returns the results as plain JSON (sets as sorted arrays). */
export function run(b: PolicyBuilder, options: EvalOptions = {}, plan = "q"): unknown {
  const r = evaluate(b.build(), plan, options);
  if ("error" in r) throw new Error(`unexpected error: ${formatEvalError(r.error)}`);
  return r.results.map((v) => toJSON(v));
}

export function runError(b: PolicyBuilder, options: EvalOptions = {}, plan = "q") {
  const r = evaluate(b.build(), plan, options);
  if (!("error" in r)) throw new Error(`expected an error, got ${JSON.stringify(r.results.map(toJSON))}`);
  return r.error;
}

/** A plan whose single block runs `stmts` and then adds `{x: local 9}` to the result set. */
export function planX(b: PolicyBuilder, ...stmts: Stmt[]): PolicyBuilder {
  return b.plan("q", [block(...stmts, ...emitX(b, 9))]);
}

/** Statements adding `{x: local source}` to the result set (local 99 is scratch). */
export function emitX(b: PolicyBuilder, source: number): Stmt[] {
  return [makeObject(99), objectInsert(b.str("x"), local(source), 99), resultSetAdd(99)];
}
