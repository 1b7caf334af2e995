/**
 * Turning an `eval` query into a plan whose results carry OPA's `expressions` as well as
 * `bindings`. The planner reports variable bindings only, so each expression literal
 * is rewritten to bind its value to a fresh variable (`data.a.b` becomes
 * `__expr0__ = data.a.b`), as OPA's own `eval` does: a false value is printed, not
 * turned into "undefined" (`1 == 2` prints `false`). Unifications and assignments
 * (`x = 1`, `x := 1`), `some`, `every` and `not …` literals print as `true`, as in OPA.
 */
import type { Body, Literal, Term, VarTerm } from "../../engine/rego/ast.js";
import { operatorName } from "../../engine/rego/ast.js";
import { printBody } from "../../engine/rego/index.js";

/** Literals that bind rather than compute; their expression value is `true`. */
const BINDING = new Set(["eq", "assign"]);

export interface ExpressionSlot {
  /** The literal as written back in canonical Rego. */
  text: string;
  row: number;
  col: number;
  /** The fresh variable holding its value, or null when its value is `true`. */
  variable: string | null;
}

export interface RewrittenQuery {
  query: string;
  expressions: ExpressionSlot[];
  /** Variables added by the rewrite, to drop from `bindings`. */
  generated: Set<string>;
}

export function exprVariable(i: number): string {
  return `__expr${i}__`;
}

export function rewriteQuery(body: Body): RewrittenQuery {
  const out: Literal[] = [];
  const expressions: ExpressionSlot[] = [];
  const generated = new Set<string>();
  body.forEach((lit, i) => {
    const slot: ExpressionSlot = { text: printBody([lit]).trim(), row: lit.location.row, col: lit.location.col, variable: null };
    expressions.push(slot);
    const expr = lit.expr;
    const isTerm = expr.type !== "some" && expr.type !== "somein" && expr.type !== "every";
    const binding = expr.type === "call" && BINDING.has(operatorName(expr.operator));
    if (lit.negated || !isTerm || binding) {
      out.push(lit);
      return;
    }
    const name = exprVariable(i);
    generated.add(name);
    slot.variable = name;
    const loc = lit.location;
    const v: VarTerm = { type: "var", name, location: loc };
    const call = (op: string, args: Term[]): Term => ({ type: "call", operator: { type: "var", name: op, location: loc }, args, location: loc });
    out.push({ ...lit, expr: call("eq", [v, expr as Term]) });
  });
  return { query: printBody(out), expressions, generated };
}
