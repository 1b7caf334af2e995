/**
 * Stage 5: safety, with body reordering.
 *
 * Every variable must be bound before it is read. Like OPA, the stage does not demand
 * that the user write literals in that order: it picks, again and again, the first
 * literal whose needs are met, so `x > 1; x = 2` runs as `x = 2; x > 1`. A literal that
 * can never run reports `rego_unsafe_var_error` "var x is unsafe". Closures (comprehension
 * and `every` bodies) are reordered in turn with what is bound where they run.
 */
import type { Body, Every, Literal, Location, Term } from "../rego/ast.js";
import { regoError, type RegoError } from "../errors.js";
import { bodyVars, callName, termVars, walkExpr, walkTerm } from "./terms.js";
import { binds, destructureBinds, evaluable, needs, unifyBinds, type VarEnv } from "./unify.js";
import type { CompiledRule } from "./types.js";

/** What safety needs from the outside: the arity of a called name, if known. */
export interface SafetyContext {
  arity(name: string): number | undefined;
  errors: RegoError[];
}

const ROOTS = ["input", "data"];

/** Vars of a body outside closures, which closures inside it may share. */
function topVars(body: Body, into: Set<string> = new Set()): Set<string> {
  const visit = (t: Term): void => {
    switch (t.type) {
      case "var":
        into.add(t.name);
        break;
      case "ref":
        t.terms.forEach(visit);
        break;
      case "call":
        t.args.forEach(visit);
        break;
      case "array":
      case "set":
        t.items.forEach(visit);
        break;
      case "object":
        t.entries.forEach(([k, v]) => {
          visit(k);
          visit(v);
        });
        break;
    }
  };
  for (const l of body) {
    const e = l.expr;
    if (e.type === "every") visit(e.domain);
    else if (e.type !== "some" && e.type !== "somein") visit(e);
    for (const w of l.with) visit(w.value);
  }
  return into;
}

function extend(env: VarEnv, more: Iterable<string>): VarEnv {
  const bound = new Set(env.bound);
  for (const v of more) bound.add(v);
  return { bound, outer: env.outer };
}

export class Safety {
  constructor(private readonly ctx: SafetyContext) {}

  /** What one literal binds if it can run now, else null. */
  literalBinds(l: Literal, env: VarEnv): Set<string> | null {
    for (const w of l.with) {
      if (w.value.type === "var" && this.ctx.arity(w.value.name) !== undefined) continue;
      if (w.value.type === "ref" && this.ctx.arity(refName(w.value)) !== undefined) continue;
      if (!evaluable(w.value, env)) return null;
    }
    const e = l.expr;
    if (e.type === "some" || e.type === "somein") return new Set();
    if (e.type === "every") {
      if (!evaluable(e.domain, env)) return null;
      for (const v of everyFree(e)) if (env.outer.has(v) && !env.bound.has(v)) return null;
      return new Set();
    }
    const r = this.exprBinds(e, env);
    if (r === null) return null;
    if (l.negated) {
      // A negated literal binds nothing outside; user-named vars in it must come from elsewhere.
      for (const v of r) if (!v.startsWith("$")) return null;
      return new Set();
    }
    return r;
  }

  private exprBinds(e: Term, env: VarEnv): Set<string> | null {
    if (e.type === "call") {
      const name = callName(e);
      if (name === "eq" && e.args.length === 2) return unifyBinds(e.args[0]!, e.args[1]!, env);
      const arity = this.ctx.arity(name);
      if (arity !== undefined && e.args.length === arity + 1) {
        let cur = env;
        const out = new Set<string>();
        for (const a of e.args.slice(0, arity)) {
          if (!evaluable(a, cur)) return null;
          const b = binds(a, cur);
          b.forEach((v) => out.add(v));
          cur = extend(cur, b);
        }
        const r = destructureBinds(e.args[arity]!, cur);
        if (!r) return null;
        r.forEach((v) => out.add(v));
        return out;
      }
    }
    if (!evaluable(e, env)) return null;
    return binds(e, env);
  }

  /** Reorders `body` so every literal runs after what it needs; reports what never can. */
  reorder(body: Body, env: VarEnv): { body: Body; bound: Set<string> } {
    const outer = new Set([...env.outer, ...topVars(body)]);
    let cur: VarEnv = { bound: new Set(env.bound), outer };
    const remaining = [...body];
    const out: Body = [];
    while (remaining.length > 0) {
      let picked = -1;
      let got: Set<string> | null = null;
      for (let i = 0; i < remaining.length; i++) {
        got = this.literalBinds(remaining[i]!, cur);
        if (got) {
          picked = i;
          break;
        }
      }
      if (picked < 0) {
        this.reportUnsafe(remaining, cur);
        out.push(...remaining);
        break;
      }
      const lit = remaining.splice(picked, 1)[0]!;
      const after = extend(cur, got!);
      out.push(this.closures(lit, lit.negated ? extend(cur, got!) : after));
      if (!lit.negated) cur = after;
    }
    return { body: out, bound: new Set(cur.bound) };
  }

  /** Reorders the bodies of the closures inside a literal. */
  private closures(l: Literal, env: VarEnv): Literal {
    const e = l.expr;
    if (e.type === "every") {
      const inner = extend(env, [e.key!.name, e.value.name]);
      const r = this.reorder(e.body, inner);
      const ev: Every = { ...e, body: r.body };
      return { ...l, expr: ev };
    }
    if (e.type === "some" || e.type === "somein") return l;
    return { ...l, expr: this.termClosures(e, env), with: l.with.map((w) => ({ ...w, value: this.termClosures(w.value, env) })) };
  }

  termClosures(t: Term, env: VarEnv): Term {
    switch (t.type) {
      case "ref":
        return { ...t, terms: t.terms.map((x) => this.termClosures(x, env)) };
      case "call":
        return { ...t, args: t.args.map((x) => this.termClosures(x, env)) };
      case "array":
      case "set":
        return { ...t, items: t.items.map((x) => this.termClosures(x, env)) };
      case "object":
        return { ...t, entries: t.entries.map(([k, v]) => [this.termClosures(k, env), this.termClosures(v, env)] as [Term, Term]) };
      case "arraycomprehension":
      case "setcomprehension": {
        const r = this.reorder(t.body, env);
        this.headSafe([t.term], r.bound);
        return { ...t, body: r.body, term: this.termClosures(t.term, { bound: r.bound, outer: env.outer }) };
      }
      case "objectcomprehension": {
        const r = this.reorder(t.body, env);
        this.headSafe([t.key, t.value], r.bound);
        const inner = { bound: r.bound, outer: env.outer };
        return { ...t, body: r.body, key: this.termClosures(t.key, inner), value: this.termClosures(t.value, inner) };
      }
      default:
        return t;
    }
  }

  private reportUnsafe(stuck: Body, env: VarEnv): void {
    const reported = new Set<string>();
    for (const l of stuck) {
      const unsafe: [string, Location][] = [];
      walkExpr(l.expr, (t) => {
        if (t.type === "var" && !env.bound.has(t.name) && !ROOTS.includes(t.name)) unsafe.push([t.name, t.location]);
      });
      for (const w of l.with) {
        walkTerm(w.value, (t) => {
          if (t.type === "var" && !env.bound.has(t.name) && this.ctx.arity(t.name) === undefined) unsafe.push([t.name, t.location]);
        });
      }
      // Vars declared inside closures of this literal are not unsafe in the literal itself.
      const inner = closureLocals(l);
      for (const [name, loc] of unsafe) {
        if (inner.has(name) && !env.outer.has(name)) continue;
        if (reported.has(name)) continue;
        reported.add(name);
        this.ctx.errors.push(regoError("rego_unsafe_var_error", `var ${displayName(name)} is unsafe`, loc));
      }
    }
  }

  /** Head terms (rule value/key, comprehension terms) may only use bound vars; their closures are reordered. */
  headSafe(terms: Term[], bound: ReadonlySet<string>): void {
    const reported = new Set<string>();
    // Vars in ref index positions (`q := xs[_]`) are bound by iterating, as in a body.
    const env: VarEnv = { bound: new Set([...bound, ...ROOTS]), outer: new Set() };
    for (const t of terms) {
      const unsafe = needs(t, env);
      walkTerm(t, (x) => {
        if (x.type === "var" && unsafe.has(x.name) && !reported.has(x.name)) {
          reported.add(x.name);
          this.ctx.errors.push(regoError("rego_unsafe_var_error", `var ${displayName(x.name)} is unsafe`, x.location));
        }
      });
    }
  }
}

function refName(t: Extract<Term, { type: "ref" }>): string {
  return t.terms.map((x, i) => (i === 0 && x.type === "var" ? x.name : x.type === "string" ? x.value : "?")).join(".");
}

function everyFree(e: Every): Set<string> {
  const s = bodyVars(e.body);
  s.delete(e.value.name);
  if (e.key) s.delete(e.key.name);
  return s;
}

/** Vars used inside the closures of a literal. */
function closureLocals(l: Literal): Set<string> {
  const s = new Set<string>();
  walkExpr(l.expr, (t) => {
    if (t.type === "arraycomprehension" || t.type === "setcomprehension" || t.type === "objectcomprehension") {
      bodyVars(t.body, s);
    }
  });
  if (l.expr.type === "every") bodyVars(l.expr.body, s);
  return s;
}

export function displayName(name: string): string {
  if (name.startsWith("$")) return "_";
  return name.split("$")[0]!;
}

/** Reorders a rule's body (and else chain) and checks its head. */
export function checkRuleSafety(rule: CompiledRule, ctx: SafetyContext): CompiledRule {
  const s = new Safety(ctx);
  const bound = new Set<string>(ROOTS);
  if (rule.args) for (const a of rule.args) termVars(a, bound);
  const headTerms = [...rule.keys, ...(rule.key ? [rule.key] : []), ...(rule.value ? [rule.value] : [])];
  const outer = new Set<string>();
  for (const t of headTerms) termVars(t, outer);
  for (const v of bound) outer.add(v);
  const r = s.reorder(rule.body, { bound, outer });
  s.headSafe(headTerms, r.bound);
  const env: VarEnv = { bound: r.bound, outer };
  const fix = (t: Term): Term => s.termClosures(t, env);
  return {
    ...rule,
    body: r.body,
    keys: rule.keys.map(fix),
    key: rule.key ? fix(rule.key) : null,
    value: rule.value ? fix(rule.value) : null,
    else: rule.else ? checkRuleSafety(rule.else, ctx) : null,
  };
}

export function checkQuerySafety(body: Body, ctx: SafetyContext): Body {
  const s = new Safety(ctx);
  return s.reorder(body, { bound: new Set(ROOTS), outer: new Set() }).body;
}
