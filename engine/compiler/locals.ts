/**
 * Stage 3: rewrite local variables.
 *
 * Gives every declared variable (`:=`, `some`, `some … in`, `every`) a fresh name
 * (`x$3`) so that shadowing across nested scopes (comprehensions, `every` bodies) cannot
 * mix two variables up, and every `_` its own name (`$w7`). `:=` becomes `=` on the
 * fresh names, `some k, v in xs` becomes `v = xs[k]`. The `$` cannot appear in a Rego
 * identifier, so generated names never collide with the user's.
 */
import type { Body, Literal, Term, VarTerm } from "../rego/ast.js";
import { regoError, type RegoError } from "../errors.js";
import { isCall, mkRef, mkVar, termVars, walkTerm } from "./terms.js";
import type { CompiledQuery, CompiledRule } from "./types.js";

/** Hands out fresh names; one per compilation so names are unique across rules. */
export class NameGen {
  private n = 0;
  fresh(base: string): string {
    return `${base}$${++this.n}`;
  }
}

interface Scope {
  names: Map<string, string>;
  /** Undeclared vars used so far in this scope (a later `:=` of one is an error). */
  referenced: Set<string>;
}

class LocalRewriter {
  private scopes: Scope[] = [];

  constructor(
    private readonly gen: NameGen,
    private readonly errors: RegoError[],
  ) {}

  private push(): void {
    this.scopes.push({ names: new Map(), referenced: new Set() });
  }

  private get top(): Scope {
    return this.scopes[this.scopes.length - 1]!;
  }

  private lookup(name: string): string | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const n = this.scopes[i]!.names.get(name);
      if (n) return n;
    }
    return undefined;
  }

  private declare(v: VarTerm, how: "assigned" | "declared"): string {
    if (v.name === "input" || v.name === "data") {
      this.errors.push(regoError("rego_compile_error", `variables must not shadow ${v.name} (use a different variable name)`, v.location));
    } else if (this.top.names.has(v.name)) {
      this.errors.push(regoError("rego_compile_error", `var ${v.name} ${how} above`, v.location));
    } else if (this.top.referenced.has(v.name)) {
      this.errors.push(regoError("rego_compile_error", `var ${v.name} referenced above`, v.location));
    }
    const fresh = this.gen.fresh(v.name);
    this.top.names.set(v.name, fresh);
    return fresh;
  }

  /** Declares every var of a pattern (`[a, _]`, `{"k": v}`) and returns it renamed. */
  private declarePattern(t: Term, how: "assigned" | "declared"): Term {
    walkTerm(t, (x) => {
      if (x.type === "var" && x.name !== "_") this.declare(x, how);
    });
    return this.term(t);
  }

  rule(rule: CompiledRule, args: Term[] | null): CompiledRule {
    this.scopes = [];
    this.push();
    let newArgs: Term[] | null = null;
    if (args) {
      newArgs = args.map((a) => this.term(a));
      // Arguments are declared: `x := 1` on an argument is an error, as in OPA.
      for (const a of newArgs) for (const v of termVars(a)) this.top.names.set(v, v);
    }
    const body = this.body(rule.body);
    const out: CompiledRule = {
      ...rule,
      args: rule.kind === "function" ? newArgs : null,
      body,
      keys: rule.keys.map((k) => this.term(k)),
      key: rule.key ? this.term(rule.key) : null,
      value: rule.value ? this.term(rule.value) : null,
      else: null,
    };
    if (rule.else) out.else = this.rule(rule.else, args);
    if (rule.kind === "function" && rule.else) out.else = { ...out.else!, args: newArgs };
    return out;
  }

  query(body: Body): CompiledQuery {
    this.scopes = [];
    this.push();
    const out = this.body(body);
    const outputs: [string, string][] = [];
    const seen = new Set<string>();
    for (const l of out) {
      if (l.expr.type === "every" || l.expr.type === "some" || l.expr.type === "somein") continue;
      collectTopVars(l.expr, (name) => {
        if (name.startsWith("$") || name === "input" || name === "data" || seen.has(name)) return;
        seen.add(name);
        outputs.push([name, name.split("$")[0]!]);
      });
    }
    return { body: out, outputs };
  }

  body(body: Body): Body {
    const out: Body = [];
    for (const l of body) {
      const r = this.literal(l);
      if (r) out.push(r);
    }
    return out;
  }

  private literal(l: Literal): Literal | null {
    const e = l.expr;
    const withs = l.with.map((w) => ({ ...w, value: this.term(w.value) }));
    if (e.type === "some") {
      for (const v of e.vars) this.declare(v, "declared");
      return null;
    }
    if (e.type === "somein") {
      const collection = this.term(e.collection);
      const key = e.key ? this.declarePattern(e.key, "declared") : mkVar(this.gen.fresh(""), e.location);
      const value = this.declarePattern(e.value, "declared");
      const member: Term = mkRef(
        collection.type === "ref" ? [...collection.terms, key] : [collection, key],
        e.location,
      );
      const expr: Term = { type: "call", operator: mkVar("eq", e.location), args: [value, member], location: e.location };
      return { ...l, expr, with: withs };
    }
    if (e.type === "every") {
      const domain = this.term(e.domain);
      this.push();
      const key = e.key ? (mkVar(this.declare(e.key, "declared"), e.key.location) as VarTerm) : mkVar(this.gen.fresh(""), e.location);
      const value = mkVar(this.declare(e.value, "declared"), e.value.location);
      const body = this.body(e.body);
      this.scopes.pop();
      return { ...l, expr: { ...e, key, value, domain, body }, with: withs };
    }
    if (isCall(e, "assign") && e.args.length === 2) {
      const rhs = this.term(e.args[1]!);
      const lhs0 = e.args[0]!;
      if (lhs0.type !== "var" && lhs0.type !== "array" && lhs0.type !== "object") {
        this.errors.push(regoError("rego_compile_error", `cannot assign to ${lhs0.type}`, lhs0.location));
      }
      if (l.negated) this.errors.push(regoError("rego_compile_error", "cannot assign vars inside negated expression", l.location));
      const lhs = this.declarePattern(lhs0, "assigned");
      const expr: Term = { ...e, operator: mkVar("eq", e.operator.location), args: [lhs, rhs] };
      return { ...l, expr, with: withs };
    }
    return { ...l, expr: this.term(e), with: withs };
  }

  term(t: Term): Term {
    switch (t.type) {
      case "var": {
        if (t.name === "_") return mkVar(this.gen.fresh(""), t.location);
        const n = this.lookup(t.name);
        if (n) return n === t.name ? t : { ...t, name: n };
        this.top.referenced.add(t.name);
        return t;
      }
      case "ref":
        return { ...t, terms: t.terms.map((x) => this.term(x)) };
      case "call":
        return { ...t, args: t.args.map((x) => this.term(x)) };
      case "array":
      case "set":
        return { ...t, items: t.items.map((x) => this.term(x)) };
      case "object":
        return { ...t, entries: t.entries.map(([k, v]) => [this.term(k), this.term(v)] as [Term, Term]) };
      case "arraycomprehension":
      case "setcomprehension": {
        this.push();
        const body = this.body(t.body);
        const term = this.term(t.term);
        this.scopes.pop();
        return { ...t, body, term };
      }
      case "objectcomprehension": {
        this.push();
        const body = this.body(t.body);
        const key = this.term(t.key);
        const value = this.term(t.value);
        this.scopes.pop();
        return { ...t, body, key, value };
      }
      default:
        return t;
    }
  }
}

/** Vars of an expression outside closures (comprehensions), in order of appearance. */
function collectTopVars(t: Term | { type: string }, fn: (name: string) => void): void {
  const visit = (x: Term): void => {
    switch (x.type) {
      case "var":
        fn(x.name);
        break;
      case "ref":
        x.terms.forEach(visit);
        break;
      case "call":
        x.args.forEach(visit);
        break;
      case "array":
      case "set":
        x.items.forEach(visit);
        break;
      case "object":
        x.entries.forEach(([k, v]) => {
          visit(k);
          visit(v);
        });
        break;
    }
  };
  visit(t as Term);
}

export function rewriteRuleLocals(rule: CompiledRule, gen: NameGen, errors: RegoError[]): CompiledRule {
  return new LocalRewriter(gen, errors).rule(rule, rule.args);
}

export function rewriteQueryLocals(body: Body, gen: NameGen, errors: RegoError[]): CompiledQuery {
  return new LocalRewriter(gen, errors).query(body);
}
