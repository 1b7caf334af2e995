/**
 * Stage 1: resolve refs and imports.
 *
 * Every name in a rule is made absolute, as OPA's `resolveAllRefs` does: a rule name of
 * the module's package becomes `data.<pkg>.<name>`, an import alias becomes the imported
 * ref, `input` and `data` stay roots. Names declared locally (`:=`, `some`, `every`,
 * function arguments) shadow rule names from their declaration on, so they are left alone.
 * `import rego.v1` and `import future.keywords.*` only switch syntax on and are dropped.
 */
import type { Body, Import, Literal, Module, RefTerm, Rule, Term, VarTerm } from "../rego/ast.js";
import { regoError, type RegoError } from "../errors.js";
import { dataRef, isCall, mkRef, termVars } from "./terms.js";

/** Imports of one module: alias → the ref it stands for. */
type Aliases = Map<string, RefTerm | VarTerm>;

/** Rule names defined in each package (first segment of each head ref), across all modules. */
export function packageRuleNames(modules: Module[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of modules) {
    const key = m.package.path.join(".");
    let names = out.get(key);
    if (!names) out.set(key, (names = new Set()));
    for (const r of m.rules) {
      const head = r.head.ref.terms[0];
      if (head?.type === "var") names.add(head.name);
    }
  }
  return out;
}

export function resolveModule(module: Module, ruleNames: Set<string>, errors: RegoError[]): Module {
  const aliases = importAliases(module.imports, errors);
  const r = new Resolver(module.package.path, ruleNames, aliases);
  const rules = module.rules.map((rule) => r.rule(rule));
  return { ...module, imports: [], rules };
}

function importAliases(imports: Import[], errors: RegoError[]): Aliases {
  const aliases: Aliases = new Map();
  for (const imp of imports) {
    const path = imp.path;
    const root = path.type === "var" ? path.name : path.terms[0]?.type === "var" ? path.terms[0].name : "";
    if (root === "rego" || root === "future") continue;
    if (root !== "data" && root !== "input") {
      errors.push(regoError("rego_compile_error", `invalid path ${root}: path must begin with input or data`, imp.location));
      continue;
    }
    let alias = imp.alias;
    if (!alias) {
      const last = path.type === "var" ? path : path.terms[path.terms.length - 1];
      alias = last?.type === "var" ? last.name : last?.type === "string" ? last.value : null;
    }
    if (!alias) continue;
    if (aliases.has(alias)) {
      errors.push(regoError("rego_compile_error", `import must not shadow import ${alias}`, imp.location));
      continue;
    }
    aliases.set(alias, path);
  }
  return aliases;
}

class Resolver {
  private scopes: Set<string>[] = [];

  constructor(
    private readonly pkg: string[],
    private readonly ruleNames: Set<string>,
    private readonly aliases: Aliases,
  ) {}

  rule(rule: Rule): Rule {
    this.scopes = [new Set()];
    if (rule.head.args) for (const a of rule.head.args) termVars(a, this.scopes[0]);
    const body = this.body(rule.body);
    const head = {
      ...rule.head,
      args: rule.head.args,
      key: rule.head.key ? this.term(rule.head.key) : null,
      value: rule.head.value ? this.term(rule.head.value) : null,
      // Dynamic parts of a ref head (`p[x]`) may name rules too (`p[q] := 1`).
      ref: { ...rule.head.ref, terms: rule.head.ref.terms.map((t, i) => (i === 0 ? t : this.term(t))) },
    };
    const out: Rule = { ...rule, head, body, else: rule.else ? this.rule(rule.else) : null };
    return out;
  }

  private declared(name: string): boolean {
    return this.scopes.some((s) => s.has(name));
  }

  private declare(t: Term): void {
    termVars(t, this.scopes[this.scopes.length - 1]);
  }

  body(body: Body): Body {
    return body.map((l) => this.literal(l));
  }

  private literal(l: Literal): Literal {
    const e = l.expr;
    const withs = l.with.map((w) => ({ ...w, target: this.withTarget(w.target), value: this.term(w.value) }));
    if (e.type === "some") {
      e.vars.forEach((v) => this.declare(v));
      return { ...l, with: withs };
    }
    if (e.type === "somein") {
      const collection = this.term(e.collection);
      if (e.key) this.declare(e.key);
      this.declare(e.value);
      return { ...l, expr: { ...e, collection }, with: withs };
    }
    if (e.type === "every") {
      const domain = this.term(e.domain);
      this.scopes.push(new Set());
      if (e.key) this.declare(e.key);
      this.declare(e.value);
      const body = this.body(e.body);
      this.scopes.pop();
      return { ...l, expr: { ...e, domain, body }, with: withs };
    }
    if (isCall(e, "assign") && e.args.length === 2) {
      const rhs = this.term(e.args[1]!);
      this.declare(e.args[0]!);
      return { ...l, expr: { ...e, args: [e.args[0]!, rhs] }, with: withs };
    }
    return { ...l, expr: this.term(e), with: withs };
  }

  private withTarget(t: VarTerm | RefTerm): VarTerm | RefTerm {
    const r = this.term(t);
    return r.type === "var" || r.type === "ref" ? r : t;
  }

  /** Resolves a global name, or returns null for a local or builtin. */
  private global(v: VarTerm): Term | null {
    if (v.name === "input" || v.name === "data" || v.name === "_") return null;
    if (this.declared(v.name)) return null;
    const alias = this.aliases.get(v.name);
    if (alias) return relocate(alias, v);
    if (this.ruleNames.has(v.name)) return dataRef([...this.pkg, v.name], v.location);
    return null;
  }

  term(t: Term): Term {
    switch (t.type) {
      case "var":
        return this.global(t) ?? t;
      case "ref": {
        const [head, ...rest] = t.terms;
        const tail = rest.map((x) => this.term(x));
        if (head?.type === "var") {
          const g = this.global(head);
          if (g?.type === "ref") return mkRef([...g.terms, ...tail], t.location);
          if (g) return mkRef([g, ...tail], t.location);
          return mkRef([head, ...tail], t.location);
        }
        return mkRef([head ? this.term(head) : head!, ...tail], t.location);
      }
      case "call": {
        const args = t.args.map((x) => this.term(x));
        let operator = t.operator;
        const r = this.term(operator);
        if (r.type === "var" || r.type === "ref") operator = r;
        return { ...t, operator, args };
      }
      case "array":
        return { ...t, items: t.items.map((x) => this.term(x)) };
      case "set":
        return { ...t, items: t.items.map((x) => this.term(x)) };
      case "object":
        return { ...t, entries: t.entries.map(([k, v]) => [this.term(k), this.term(v)] as [Term, Term]) };
      case "arraycomprehension":
      case "setcomprehension": {
        this.scopes.push(new Set());
        const body = this.body(t.body);
        const term = this.term(t.term);
        this.scopes.pop();
        return { ...t, body, term };
      }
      case "objectcomprehension": {
        this.scopes.push(new Set());
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

/** A copy of an imported ref, placed where the alias was used (for error locations). */
function relocate(t: RefTerm | VarTerm, at: VarTerm): Term {
  if (t.type === "var") return { ...t, location: at.location };
  return { ...t, location: at.location };
}

/** Resolves an ad-hoc query: no package, no imports; only roots are global. */
export function resolveQuery(body: Body): Body {
  return new Resolver([], new Set(), new Map()).body(body);
}
