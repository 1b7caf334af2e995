/**
 * Stage 2: the rule tree.
 *
 * Every rule is classified by its head and hung under its static path from `data`, so
 * packages split across files and modules merge, and ref heads (`a.b[c].d := v`) land on
 * the node of their static prefix (`a.b`) as object rules with dynamic `keys`.
 */
import type { Module, Rule, Term } from "../rego/ast.js";
import { regoError, type RegoError } from "../errors.js";
import type { CompiledRule, RuleNode } from "./types.js";

export function newNode(path: string[]): RuleNode {
  return { path, children: new Map(), rules: [] };
}

/** The node at `path`, created on the way if `create`. */
export function nodeAt(root: RuleNode, path: string[], create = false): RuleNode | undefined {
  let n = root;
  for (const seg of path) {
    let c = n.children.get(seg);
    if (!c) {
      if (!create) return undefined;
      c = newNode([...n.path, seg]);
      n.children.set(seg, c);
    }
    n = c;
  }
  return n;
}

export function buildRuleTree(modules: Module[], errors: RegoError[]): RuleNode {
  const root = newNode([]);
  for (const m of modules) {
    // Packages exist even with no rules: `data.a` of an empty package `a` is `{}`.
    nodeAt(root, m.package.path, true);
    for (const rule of m.rules) {
      const c = classify(rule, m.package.path, m.location.file, errors);
      if (c) nodeAt(root, c.path, true)!.rules.push(c);
    }
  }
  return root;
}

export function classify(rule: Rule, pkg: string[], file: string, errors: RegoError[]): CompiledRule | null {
  const [name, ...rest] = rule.head.ref.terms;
  if (!name || name.type !== "var") {
    errors.push(regoError("rego_parse_error", "rule head must start with a name", rule.location));
    return null;
  }
  let i = 0;
  const statics: string[] = [];
  while (i < rest.length && rest[i]!.type === "string") statics.push((rest[i++] as { value: string }).value);
  const path = [...pkg, name.name, ...statics];
  const dynamic: Term[] = rest.slice(i);
  const base = {
    body: rule.body,
    default: rule.default,
    location: rule.location,
    file,
    keys: [] as Term[],
    key: null as Term | null,
    value: rule.head.value,
    args: null as Term[] | null,
    else: null as CompiledRule | null,
  };
  const trueTerm: Term = { type: "boolean", value: true, location: rule.head.location };
  if (rule.head.args) {
    if (dynamic.length > 0) {
      errors.push(regoError("rego_parse_error", "function rule head must be a static ref", rule.location));
      return null;
    }
    return { ...base, kind: "function", path, args: rule.head.args, value: rule.head.value ?? trueTerm, else: elseChain(rule, pkg, file, errors) };
  }
  if (rule.head.key) {
    // `a[x].b contains y`: an object rule whose leaves are sets.
    if (dynamic.length > 0) return { ...base, kind: "object", path, keys: dynamic, key: rule.head.key, value: null };
    return { ...base, kind: "set", path, key: rule.head.key, value: null };
  }
  if (dynamic.length > 0) {
    if (rule.default) {
      errors.push(regoError("rego_type_error", "default rules must have a ground ref", rule.location));
      return null;
    }
    return { ...base, kind: "object", path, keys: dynamic, value: rule.head.value ?? trueTerm };
  }
  return { ...base, kind: "complete", path, value: rule.head.value ?? trueTerm, else: elseChain(rule, pkg, file, errors) };
}

function elseChain(rule: Rule, pkg: string[], file: string, errors: RegoError[]): CompiledRule | null {
  if (!rule.else) return null;
  return classify({ ...rule.else, default: false, head: { ...rule.else.head, args: rule.head.args } }, pkg, file, errors);
}

/** All rules in the tree, depth first. */
export function allRules(root: RuleNode): CompiledRule[] {
  const out: CompiledRule[] = [];
  const visit = (n: RuleNode) => {
    out.push(...n.rules);
    for (const c of n.children.values()) visit(c);
  };
  visit(root);
  return out;
}
