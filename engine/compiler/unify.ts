/**
 * Which variables a term needs and which it binds: the shared reasoning behind the
 * safety stage (which reorders bodies with it) and the planner (which follows the order
 * and emits the same unification it proved possible).
 *
 * - A term *needs* the vars it reads as values: a bare var, array/object elements, call
 *   arguments, a ref's head, and the free vars of closures that also live outside them.
 * - A term *binds* the vars in its ref index positions (`xs[i]` iterates, binding `i`).
 * - Unification (`=`) also binds vars in pattern positions of either side.
 */
import type { Term } from "../rego/ast.js";
import { bodyVars, termVars } from "./terms.js";

/** What the analysis knows at a point of a body. */
export interface VarEnv {
  bound: ReadonlySet<string>;
  /** Vars of the enclosing bodies outside closures: a closure's free vars among them are inputs. */
  outer: ReadonlySet<string>;
}

function closureVars(t: Term): Set<string> {
  const s = new Set<string>();
  if (t.type === "arraycomprehension" || t.type === "setcomprehension") {
    termVars(t.term, s);
    bodyVars(t.body, s);
  } else if (t.type === "objectcomprehension") {
    termVars(t.key, s);
    termVars(t.value, s);
    bodyVars(t.body, s);
  }
  return s;
}

/** Vars `t` reads, collected into `into` when unbound. */
export function needs(t: Term, env: VarEnv, into: Set<string> = new Set()): Set<string> {
  switch (t.type) {
    case "var":
      if (!env.bound.has(t.name)) into.add(t.name);
      break;
    case "ref":
      t.terms.forEach((x, i) => (i === 0 ? needs(x, env, into) : indexNeeds(x, env, into)));
      break;
    case "call":
      t.args.forEach((x) => needs(x, env, into));
      break;
    case "array":
    case "set":
      t.items.forEach((x) => needs(x, env, into));
      break;
    case "object":
      t.entries.forEach(([k, v]) => {
        needs(k, env, into);
        needs(v, env, into);
      });
      break;
    case "arraycomprehension":
    case "setcomprehension":
    case "objectcomprehension":
      for (const v of closureVars(t)) if (env.outer.has(v) && !env.bound.has(v)) into.add(v);
      break;
  }
  return into;
}

/** Index positions iterate: their vars (and pattern vars) are bound, not needed. */
function indexNeeds(t: Term, env: VarEnv, into: Set<string>): void {
  switch (t.type) {
    case "var":
      break;
    case "array":
      t.items.forEach((x) => indexNeeds(x, env, into));
      break;
    case "object":
      t.entries.forEach(([k, v]) => {
        needs(k, env, into);
        indexNeeds(v, env, into);
      });
      break;
    default:
      needs(t, env, into);
  }
}

/** Vars a term binds by iterating refs. */
export function binds(t: Term, env: VarEnv, into: Set<string> = new Set()): Set<string> {
  switch (t.type) {
    case "ref":
      t.terms.forEach((x, i) => {
        if (i === 0) binds(x, env, into);
        else indexBinds(x, env, into);
      });
      break;
    case "call":
      t.args.forEach((x) => binds(x, env, into));
      break;
    case "array":
    case "set":
      t.items.forEach((x) => binds(x, env, into));
      break;
    case "object":
      t.entries.forEach(([k, v]) => {
        binds(k, env, into);
        binds(v, env, into);
      });
      break;
  }
  return into;
}

function indexBinds(t: Term, env: VarEnv, into: Set<string>): void {
  switch (t.type) {
    case "var":
      if (!env.bound.has(t.name)) into.add(t.name);
      break;
    case "array":
      t.items.forEach((x) => indexBinds(x, env, into));
      break;
    case "object":
      t.entries.forEach(([, v]) => indexBinds(v, env, into));
      break;
    default:
      binds(t, env, into);
  }
}

export function evaluable(t: Term, env: VarEnv): boolean {
  return needs(t, env).size === 0;
}

export function isPattern(t: Term): boolean {
  return t.type === "array" || t.type === "object";
}

function withBound(env: VarEnv, more: Iterable<string>): VarEnv {
  const bound = new Set(env.bound);
  for (const v of more) bound.add(v);
  return { bound, outer: env.outer };
}

/**
 * The vars that unifying `a` with `b` binds, or null when it cannot run yet (some side
 * reads an unbound var that no other part binds).
 */
export function unifyBinds(a: Term, b: Term, env: VarEnv): Set<string> | null {
  if (a.type === "var" && !env.bound.has(a.name)) {
    if (b.type === "var" && !env.bound.has(b.name)) return null;
    if (evaluable(b, env)) return new Set([a.name, ...binds(b, env)]);
    return null;
  }
  if (b.type === "var" && !env.bound.has(b.name)) return unifyBinds(b, a, env);
  if (a.type === "array" && b.type === "array") {
    if (a.items.length !== b.items.length) return new Set();
    return pairwise(a.items.map((x, i) => [x, b.items[i]!]), env);
  }
  if (a.type === "object" && b.type === "object") {
    const pairs = objectPairs(a, b, env);
    if (pairs === "mismatch") return new Set();
    if (pairs) return pairwise(pairs, env);
  }
  if (isPattern(a) && evaluable(b, env)) return destructureBinds(a, withBound(env, binds(b, env)), binds(b, env));
  if (isPattern(b) && evaluable(a, env)) return destructureBinds(b, withBound(env, binds(a, env)), binds(a, env));
  if (evaluable(a, env)) {
    const after = withBound(env, binds(a, env));
    if (evaluable(b, after)) return new Set([...binds(a, env), ...binds(b, after)]);
  }
  return null;
}

/** Pairs of object values with equal constant keys; "mismatch" if key sets differ; null if keys are not constant. */
export function objectPairs(
  a: Extract<Term, { type: "object" }>,
  b: Extract<Term, { type: "object" }>,
  env: VarEnv,
): [Term, Term][] | "mismatch" | null {
  const key = (k: Term): string | null => (k.type === "string" || k.type === "number" || k.type === "boolean" || k.type === "null" ? `${k.type}:${"value" in k ? k.value : ""}` : null);
  if (a.entries.length !== b.entries.length) return "mismatch";
  const bm = new Map<string, Term>();
  for (const [k, v] of b.entries) {
    const s = key(k);
    if (s === null) return null;
    bm.set(s, v);
  }
  const pairs: [Term, Term][] = [];
  for (const [k, v] of a.entries) {
    const s = key(k);
    if (s === null) return null;
    const w = bm.get(s);
    if (!w) return "mismatch";
    pairs.push([v, w]);
  }
  void env;
  return pairs;
}

/** Unifies pairs in whatever order lets each run; null if some never can. */
export function pairwise(pairs: [Term, Term][], env: VarEnv): Set<string> | null {
  const out = new Set<string>();
  let cur = env;
  let todo = pairs;
  while (todo.length > 0) {
    const next: [Term, Term][] = [];
    for (const [x, y] of todo) {
      const r = unifyBinds(x, y, cur);
      if (r === null) next.push([x, y]);
      else {
        r.forEach((v) => out.add(v));
        cur = withBound(cur, r);
      }
    }
    if (next.length === todo.length) return null;
    todo = next;
  }
  return out;
}

/** A pattern matched against a known value binds its vars; its other parts must be evaluable. */
export function destructureBinds(p: Term, env: VarEnv, acc: Set<string> = new Set()): Set<string> | null {
  if (p.type === "var") {
    if (!env.bound.has(p.name)) acc.add(p.name);
    return acc;
  }
  if (p.type === "array") {
    for (const x of p.items) if (!destructureBinds(x, withBound(env, acc), acc)) return null;
    return acc;
  }
  if (p.type === "object") {
    for (const [k, v] of p.entries) {
      if (!evaluable(k, withBound(env, acc))) return null;
      if (!destructureBinds(v, withBound(env, acc), acc)) return null;
    }
    return acc;
  }
  const e = withBound(env, acc);
  if (!evaluable(p, e)) return null;
  binds(p, e).forEach((v) => acc.add(v));
  return acc;
}
