/**
 * Stage 4: rule conflicts and calls.
 *
 * - Conflicts: one path may not mix kinds of rules (complete, partial set, partial
 *   object, function), functions must agree on arity, and a path has at most one default.
 * - Calls: every called name must be a builtin or a function rule, called with its arity
 *   (or one more argument, which receives the result), reported as `rego_type_error`.
 */
import type { Body, Term } from "../rego/ast.js";
import { regoError, type RegoError } from "../errors.js";
import { nodeAt } from "./ruletree.js";
import { callName, walkBody, walkTerm } from "./terms.js";
import type { BuiltinLookup, CompiledRule, RuleNode } from "./types.js";

export function dataName(path: string[]): string {
  return ["data", ...path].join(".");
}

export function checkConflicts(root: RuleNode, errors: RegoError[]): void {
  const visit = (n: RuleNode): void => {
    if (n.rules.length > 0) {
      const kinds = new Set(n.rules.map((r) => r.kind));
      const first = n.rules[0]!;
      if (kinds.size > 1) {
        errors.push(regoError("rego_type_error", `conflicting rules ${dataName(n.path)} found`, first.location));
      } else if (first.kind === "function") {
        const arities = new Set(n.rules.map((r) => r.args?.length ?? 0));
        if (arities.size > 1) errors.push(regoError("rego_type_error", `conflicting rules ${dataName(n.path)} found`, first.location));
      }
      const defaults = n.rules.filter((r) => r.default);
      if (defaults.length > 1) {
        errors.push(regoError("rego_type_error", `multiple default rules ${dataName(n.path)} found`, defaults[1]!.location));
      }
      if ((first.kind === "complete" || first.kind === "function") && kinds.size === 1 && hasRuleBelow(n)) {
        errors.push(regoError("rego_type_error", `rule ${dataName(n.path)} conflicts with rules below it`, first.location));
      }
    }
    for (const c of n.children.values()) visit(c);
  };
  visit(root);
}

function hasRuleBelow(n: RuleNode): boolean {
  for (const c of n.children.values()) if (c.rules.length > 0 || hasRuleBelow(c)) return true;
  return false;
}

/** Arity of a function rule at a data path, if there is one. */
export function functionArity(root: RuleNode, name: string): number | undefined {
  if (!name.startsWith("data.")) return undefined;
  const node = nodeAt(root, name.split(".").slice(1));
  const fn = node?.rules.find((r) => r.kind === "function");
  return fn ? (fn.args?.length ?? 0) : undefined;
}

/** Operators the compiler itself handles, not builtins. */
const SPECIAL: Record<string, number> = { eq: 2, assign: 2 };

export class CallChecker {
  constructor(
    private readonly root: RuleNode,
    private readonly builtins: BuiltinLookup,
    private readonly errors: RegoError[],
  ) {}

  arity(name: string): number | undefined {
    if (name in SPECIAL) return SPECIAL[name];
    if (name.startsWith("data.")) return functionArity(this.root, name);
    return this.builtins(name)?.arity;
  }

  rule(rule: CompiledRule): void {
    this.body(rule.body);
    for (const t of [...rule.keys, rule.key, rule.value, ...(rule.args ?? [])]) if (t) this.term(t);
    if (rule.else) this.rule(rule.else);
  }

  body(body: Body): void {
    walkBody(body, (t) => this.check(t));
  }

  private term(t: Term): void {
    walkTerm(t, (x) => this.check(x));
  }

  private check(t: Term): void {
    if (t.type !== "call") return;
    const name = callName(t);
    const arity = this.arity(name);
    if (arity === undefined) {
      this.errors.push(regoError("rego_type_error", `undefined function ${name}`, t.location));
      return;
    }
    if (t.args.length !== arity && t.args.length !== arity + 1) {
      this.errors.push(regoError("rego_type_error", `${name}: arity mismatch`, t.location));
    }
  }
}
