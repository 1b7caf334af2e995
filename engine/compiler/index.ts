/**
 * The Rego compiler: parsed modules → compiled rule tree, stage by stage, in OPA's order.
 *
 *   1. resolve.ts    refs and imports made absolute
 *   2. ruletree.ts   rules classified and merged under their paths
 *   3. locals.ts     declared vars renamed, `:=`/`some … in` lowered to `=`
 *   4. checks.ts     rule conflicts, undefined functions, arity
 *   5. safety.ts     unsafe vars, bodies reordered so vars are bound before use
 *   6. recursion.ts  recursive rules rejected
 *
 * Errors are gathered across stages (as many as the input allows), never thrown.
 */
import type { Body, Module } from "../rego/ast.js";
import type { RegoError } from "../errors.js";
import { CallChecker, checkConflicts } from "./checks.js";
import { NameGen, rewriteQueryLocals, rewriteRuleLocals } from "./locals.js";
import { checkRecursion } from "./recursion.js";
import { packageRuleNames, resolveModule, resolveQuery } from "./resolve.js";
import { buildRuleTree } from "./ruletree.js";
import { checkQuerySafety, checkRuleSafety } from "./safety.js";
import type { BuiltinLookup, CompiledPolicy, CompiledQuery, RuleNode } from "./types.js";

export type { BuiltinInfo, BuiltinLookup, CompiledPolicy, CompiledQuery, CompiledRule, RuleKind, RuleNode } from "./types.js";
export { nodeAt } from "./ruletree.js";

export interface CompileResult {
  policy: CompiledPolicy;
  errors: RegoError[];
}

function eachNode(root: RuleNode, fn: (n: RuleNode) => void): void {
  fn(root);
  for (const c of root.children.values()) eachNode(c, fn);
}

export function compileModules(modules: Module[], builtins: BuiltinLookup, gen = new NameGen()): CompileResult {
  const errors: RegoError[] = [];
  const names = packageRuleNames(modules);
  const resolved = modules.map((m) => resolveModule(m, names.get(m.package.path.join("."))!, errors));
  const root = buildRuleTree(resolved, errors);
  eachNode(root, (n) => (n.rules = n.rules.map((r) => rewriteRuleLocals(r, gen, errors))));
  checkConflicts(root, errors);
  const calls = new CallChecker(root, builtins, errors);
  eachNode(root, (n) => n.rules.forEach((r) => calls.rule(r)));
  const ctx = { arity: (name: string) => calls.arity(name), errors };
  eachNode(root, (n) => (n.rules = n.rules.map((r) => checkRuleSafety(r, ctx))));
  checkRecursion(root, errors);
  return { policy: { root, modules: resolved }, errors };
}

export function compileQuery(body: Body, policy: CompiledPolicy, builtins: BuiltinLookup, gen = new NameGen()): { query: CompiledQuery; errors: RegoError[] } {
  const errors: RegoError[] = [];
  const q = rewriteQueryLocals(resolveQuery(body), gen, errors);
  const calls = new CallChecker(policy.root, builtins, errors);
  calls.body(q.body);
  const safe = checkQuerySafety(q.body, { arity: (name) => calls.arity(name), errors });
  return { query: { ...q, body: safe }, errors };
}
