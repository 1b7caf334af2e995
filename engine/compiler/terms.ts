/**
 * Small helpers over AST terms used by every compiler stage and the planner: walking,
 * mapping, collecting vars. Nothing here knows about scopes; stages that care about
 * scoping (local rewriting, safety) do their own traversal of bodies.
 */
import type { Body, Expr, Literal, Location, RefTerm, Term, VarTerm } from "../rego/ast.js";

/** Rebuilds a term bottom-up through `fn`, recursing into bodies of comprehensions. */
export function mapTerm(t: Term, fn: (t: Term) => Term): Term {
  switch (t.type) {
    case "ref":
      return fn({ ...t, terms: t.terms.map((x) => mapTerm(x, fn)) });
    case "call":
      return fn({ ...t, operator: mapTerm(t.operator, fn) as VarTerm | RefTerm, args: t.args.map((x) => mapTerm(x, fn)) });
    case "array":
      return fn({ ...t, items: t.items.map((x) => mapTerm(x, fn)) });
    case "set":
      return fn({ ...t, items: t.items.map((x) => mapTerm(x, fn)) });
    case "object":
      return fn({ ...t, entries: t.entries.map(([k, v]) => [mapTerm(k, fn), mapTerm(v, fn)] as [Term, Term]) });
    case "arraycomprehension":
    case "setcomprehension":
      return fn({ ...t, term: mapTerm(t.term, fn), body: mapBody(t.body, fn) });
    case "objectcomprehension":
      return fn({ ...t, key: mapTerm(t.key, fn), value: mapTerm(t.value, fn), body: mapBody(t.body, fn) });
    default:
      return fn(t);
  }
}

export function mapBody(body: Body, fn: (t: Term) => Term): Body {
  return body.map((l) => mapLiteral(l, fn));
}

export function mapLiteral(l: Literal, fn: (t: Term) => Term): Literal {
  return {
    ...l,
    expr: mapExpr(l.expr, fn),
    with: l.with.map((w) => ({ ...w, target: mapTerm(w.target, fn) as VarTerm | RefTerm, value: mapTerm(w.value, fn) })),
  };
}

export function mapExpr(e: Expr, fn: (t: Term) => Term): Expr {
  switch (e.type) {
    case "some":
      return e;
    case "somein":
      return { ...e, key: e.key ? mapTerm(e.key, fn) : null, value: mapTerm(e.value, fn), collection: mapTerm(e.collection, fn) };
    case "every":
      return { ...e, domain: mapTerm(e.domain, fn), body: mapBody(e.body, fn) };
    default:
      return mapTerm(e, fn);
  }
}

/** Calls `fn` on every term, top-down, including inside comprehension and every bodies. */
export function walkTerm(t: Term, fn: (t: Term) => void): void {
  fn(t);
  switch (t.type) {
    case "ref":
      t.terms.forEach((x) => walkTerm(x, fn));
      break;
    case "call":
      // The operator is a name, not a value: it holds no variables.
      t.args.forEach((x) => walkTerm(x, fn));
      break;
    case "array":
    case "set":
      t.items.forEach((x) => walkTerm(x, fn));
      break;
    case "object":
      t.entries.forEach(([k, v]) => {
        walkTerm(k, fn);
        walkTerm(v, fn);
      });
      break;
    case "arraycomprehension":
    case "setcomprehension":
      walkTerm(t.term, fn);
      walkBody(t.body, fn);
      break;
    case "objectcomprehension":
      walkTerm(t.key, fn);
      walkTerm(t.value, fn);
      walkBody(t.body, fn);
      break;
  }
}

export function walkBody(body: Body, fn: (t: Term) => void): void {
  for (const l of body) walkLiteral(l, fn);
}

export function walkLiteral(l: Literal, fn: (t: Term) => void): void {
  walkExpr(l.expr, fn);
  for (const w of l.with) {
    walkTerm(w.target, fn);
    walkTerm(w.value, fn);
  }
}

export function walkExpr(e: Expr, fn: (t: Term) => void): void {
  switch (e.type) {
    case "some":
      e.vars.forEach((v) => fn(v));
      break;
    case "somein":
      if (e.key) walkTerm(e.key, fn);
      walkTerm(e.value, fn);
      walkTerm(e.collection, fn);
      break;
    case "every":
      if (e.key) fn(e.key);
      fn(e.value);
      walkTerm(e.domain, fn);
      walkBody(e.body, fn);
      break;
    default:
      walkTerm(e, fn);
  }
}

/** Names of all vars in a term (including comprehension bodies). */
export function termVars(t: Term, into: Set<string> = new Set()): Set<string> {
  walkTerm(t, (x) => {
    if (x.type === "var") into.add(x.name);
  });
  return into;
}

export function bodyVars(body: Body, into: Set<string> = new Set()): Set<string> {
  walkBody(body, (x) => {
    if (x.type === "var") into.add(x.name);
  });
  return into;
}

export function exprVars(e: Expr, into: Set<string> = new Set()): Set<string> {
  walkExpr(e, (x) => {
    if (x.type === "var") into.add(x.name);
  });
  return into;
}

/** True for terms with no vars, refs, calls or comprehensions: values known at compile time. */
export function isConstant(t: Term): boolean {
  switch (t.type) {
    case "null":
    case "boolean":
    case "number":
    case "string":
      return true;
    case "array":
    case "set":
      return t.items.every(isConstant);
    case "object":
      return t.entries.every(([k, v]) => isConstant(k) && isConstant(v));
    default:
      return false;
  }
}

export function isScalar(t: Term): boolean {
  return t.type === "null" || t.type === "boolean" || t.type === "number" || t.type === "string";
}

/** `data.a.b["c"]` → `["a","b","c"]` for as long as the ref is a static string path under `root`. */
export function staticPrefix(ref: RefTerm, root: string): string[] | null {
  const head = ref.terms[0];
  if (!head || head.type !== "var" || head.name !== root) return null;
  const out: string[] = [];
  for (const t of ref.terms.slice(1)) {
    if (t.type !== "string") break;
    out.push(t.value);
  }
  return out;
}

export function mkVar(name: string, location: Location): VarTerm {
  return { type: "var", name, location };
}

export function mkString(value: string, location: Location): Term {
  return { type: "string", value, location };
}

export function mkRef(terms: Term[], location: Location): RefTerm {
  return { type: "ref", terms, location };
}

/** A data ref term for a static path: `data.a.b`. */
export function dataRef(path: string[], location: Location): RefTerm {
  return mkRef([mkVar("data", location), ...path.map((p) => mkString(p, location))], location);
}

/** Generated names carry a `$`, which Rego identifiers cannot, so they never collide. */
export function isGenerated(name: string): boolean {
  return name.includes("$");
}

/** The name the user wrote for a (possibly renamed) var. */
export function userName(name: string): string {
  const i = name.indexOf("$");
  return i < 0 ? name : name.slice(0, i);
}

export function isCall(t: Expr, name: string): t is Extract<Term, { type: "call" }> {
  return t.type === "call" && callName(t) === name;
}

export function callName(t: Extract<Term, { type: "call" }>): string {
  const op = t.operator;
  if (op.type === "var") return op.name;
  return op.terms.map((x, i) => (i === 0 && x.type === "var" ? x.name : x.type === "string" ? x.value : "?")).join(".");
}
