/**
 * Stage 6: recursion.
 *
 * Rego forbids recursion. Each rule path depends on the rule paths its bodies and heads
 * refer to (a ref into a package depends on every rule under it; a ref through a rule
 * depends on that rule); a cycle is `rego_recursion_error`
 * "rule data.a.p is recursive: data.a.p -> data.a.q -> data.a.p".
 */
import type { Term } from "../rego/ast.js";
import { regoError, type RegoError } from "../errors.js";
import { dataName } from "./checks.js";
import { staticPrefix, walkBody, walkTerm } from "./terms.js";
import type { CompiledRule, RuleNode } from "./types.js";

/** Nodes that hold rules, reached by a data path: the rule on the way, or every rule below. */
export function rulesReached(root: RuleNode, path: string[]): RuleNode[] {
  let n: RuleNode | undefined = root;
  for (const seg of path) {
    if (n.rules.length > 0) return [n];
    n = n.children.get(seg);
    if (!n) return [];
  }
  const out: RuleNode[] = [];
  const all = (x: RuleNode): void => {
    if (x.rules.length > 0) out.push(x);
    for (const c of x.children.values()) all(c);
  };
  all(n);
  return out;
}

function ruleDeps(root: RuleNode, rule: CompiledRule, into: Set<RuleNode>): void {
  const visit = (t: Term): void => {
    if (t.type === "ref") {
      const p = staticPrefix(t, "data");
      if (p) rulesReached(root, p).forEach((n) => into.add(n));
    }
    if (t.type === "call" && t.operator.type === "ref") visit(t.operator);
  };
  walkBody(rule.body, visit);
  for (const t of [...rule.keys, rule.key, rule.value, ...(rule.args ?? [])]) if (t) walkTerm(t, visit);
  if (rule.else) ruleDeps(root, rule.else, into);
}

export function checkRecursion(root: RuleNode, errors: RegoError[]): void {
  const deps = new Map<RuleNode, Set<RuleNode>>();
  const nodes: RuleNode[] = [];
  const collect = (n: RuleNode): void => {
    if (n.rules.length > 0) {
      nodes.push(n);
      const d = new Set<RuleNode>();
      n.rules.forEach((r) => ruleDeps(root, r, d));
      deps.set(n, d);
    }
    n.children.forEach(collect);
  };
  collect(root);

  const reported = new Set<RuleNode>();
  for (const start of nodes) {
    const cycle = findCycle(start, deps);
    if (!cycle || reported.has(start)) continue;
    reported.add(start);
    const msg = cycle.map((n) => dataName(n.path)).join(" -> ");
    errors.push(regoError("rego_recursion_error", `rule ${dataName(start.path)} is recursive: ${msg}`, start.rules[0]!.location));
  }
}

/** A path from `start` back to itself, breadth first so the shortest is shown. */
function findCycle(start: RuleNode, deps: Map<RuleNode, Set<RuleNode>>): RuleNode[] | null {
  const prev = new Map<RuleNode, RuleNode>();
  const queue: RuleNode[] = [start];
  const seen = new Set<RuleNode>();
  while (queue.length > 0) {
    const n = queue.shift()!;
    for (const d of deps.get(n) ?? []) {
      if (d === start) {
        const path = [start];
        let cur: RuleNode | undefined = n;
        const back: RuleNode[] = [];
        while (cur && cur !== start) {
          back.push(cur);
          cur = prev.get(cur);
        }
        return [...path, ...back.reverse(), start];
      }
      if (!seen.has(d)) {
        seen.add(d);
        prev.set(d, n);
        queue.push(d);
      }
    }
  }
  return null;
}
