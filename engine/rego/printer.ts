/**
 * Printer: AST → canonical Rego v1 text that parses back to the same tree (locations aside).
 *
 * Canonical choices:
 * - Infix calls print infix with the fewest parentheses their precedence needs; `=` and
 *   `:=` print infix only at the top of a literal, elsewhere as plain calls (`eq(a, b)`),
 *   which parse to the same tree.
 * - `minus(0, x)` (the parser's reading of `-x`) prints as `0 - x`.
 * - Inside the first item of a collection or a comprehension head, `|` is parenthesised
 *   so it is not read as the comprehension bar.
 * - Rule bodies print as `if { … }` blocks indented with tabs; comprehension and `every`
 *   bodies inside them follow the same layout, comprehensions inline with `; `.
 * - Comments print back before the rule (or import) they precede; comments inside a rule
 *   move in front of the next statement. `# METADATA` blocks print from the annotations.
 */
import { stringify as stringifyYaml } from "yaml";
import { INFIX_OPERATORS, operatorName, type Annotation, type Body, type CallTerm, type Comment, type Literal, type Module, type RefTerm, type Rule, type Term } from "./ast.js";
import { KEYWORDS } from "./parser-expr.js";

/** How a term is embedded: the lowest precedence it may have unparenthesised, and whether a bare `|` is ambiguous there. */
interface Ctx {
  minPrec: number;
  noBar: boolean;
  indent: string;
}

const TOP: Ctx = { minPrec: 1, noBar: false, indent: "" };
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function printTerm(t: Term): string {
  return term(t, TOP);
}

export function printBody(b: Body): string {
  return b.map((l) => literal(l, "")).join("\n");
}

export function printModule(m: Module): string {
  const out: string[] = [];
  const comments = commentQueue(m.comments);
  const flushComments = (beforeRow: number) => {
    const lines: string[] = [];
    while (comments.length && comments[0]!.location.row < beforeRow) lines.push(`#${comments.shift()!.text}`);
    return lines;
  };

  out.push(...flushComments(m.package.location.row));
  if (m.package.annotations) out.push(...annotation(m.package.annotations));
  out.push(`package ${packagePath(m.package.path)}`);

  if (m.imports.length) out.push("");
  for (const imp of m.imports) {
    out.push(...flushComments(imp.location.row));
    out.push(`import ${term(imp.path, TOP)}${imp.alias ? ` as ${imp.alias}` : ""}`);
  }
  for (const r of m.rules) {
    out.push("");
    out.push(...flushComments(r.location.row));
    if (r.annotations) out.push(...annotation(r.annotations));
    out.push(rule(r));
  }
  const rest = flushComments(Infinity);
  if (rest.length) out.push("", ...rest);
  return out.join("\n") + "\n";
}

/** Plain comments in source order; METADATA blocks are dropped because annotations print them. */
function commentQueue(comments: Comment[]): Comment[] {
  const out: Comment[] = [];
  for (let i = 0; i < comments.length; i++) {
    const c = comments[i]!;
    if (c.text.trim() === "METADATA") {
      while (i + 1 < comments.length && comments[i + 1]!.location.row === comments[i]!.location.row + 1) i++;
      continue;
    }
    out.push(c);
  }
  return out;
}

function annotation(a: Annotation): string[] {
  const yaml = stringifyYaml(a.raw).trimEnd();
  return ["# METADATA", ...yaml.split("\n").map((l) => `# ${l}`)];
}

function packagePath(path: string[]): string {
  return path.map((seg, i) => (i === 0 ? seg : IDENT.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`)).join("");
}

// ---------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------

function rule(r: Rule): string {
  const h = r.head;
  let text = r.default ? "default " : "";
  text += ref(h.ref, TOP);
  if (h.args) text += `(${h.args.map((a) => term(a, TOP)).join(", ")})`;
  if (h.key) text += ` contains ${term(h.key, TOP)}`;
  text += headValue(r);
  text += ruleBody(r.body);
  for (let e = r.else; e; e = e.else) text += ` else${headValue(e)}${ruleBody(e.body)}`;
  return text;
}

/** ` := v`, ` = v`, or nothing for the implicit `true` of `p if …`. */
function headValue(r: Rule): string {
  const v = r.head.value;
  if (!v || r.head.key) return "";
  const implicit = v.type === "boolean" && v.value && !r.head.assign && r.body.length > 0;
  if (implicit) return "";
  return ` ${r.head.assign ? ":=" : "="} ${term(v, TOP)}`;
}

function ruleBody(b: Body): string {
  if (b.length === 0) return "";
  return ` if {\n${b.map((l) => `\t${literal(l, "\t")}`).join("\n")}\n}`;
}

// ---------------------------------------------------------------------------
// Literals
// ---------------------------------------------------------------------------

function literal(l: Literal, indent: string): string {
  const ctx: Ctx = { ...TOP, indent };
  let text = l.negated ? "not " : "";
  const e = l.expr;
  switch (e.type) {
    case "some":
      text += `some ${e.vars.map((v) => v.name).join(", ")}`;
      break;
    case "somein": {
      const inner: Ctx = { ...ctx, minPrec: 2 };
      text += `some ${e.key ? `${term(e.key, inner)}, ` : ""}${term(e.value, inner)} in ${term(e.collection, inner)}`;
      break;
    }
    case "every": {
      const vars = e.key ? `${e.key.name}, ${e.value.name}` : e.value.name;
      const inner = indent + "\t";
      const body = e.body.map((x) => `${inner}${literal(x, inner)}`).join("\n");
      text += `every ${vars} in ${term(e.domain, { ...ctx, minPrec: 2 })} {\n${body}\n${indent}}`;
      break;
    }
    default:
      text += topExpr(e, ctx);
  }
  for (const w of l.with) text += ` with ${term(w.target, { ...ctx, minPrec: 99 })} as ${term(w.value, ctx)}`;
  return text;
}

/** The expression of a literal: the one place `=`, `:=` and `k, v in xs` print bare. */
function topExpr(t: Term, ctx: Ctx): string {
  if (t.type === "call" && t.args.length === 2) {
    const name = operatorName(t.operator);
    if (name === "eq" || name === "assign") {
      return `${keyValueOrTerm(t.args[0]!, ctx)} ${INFIX_OPERATORS[name]!.symbol} ${keyValueOrTerm(t.args[1]!, ctx)}`;
    }
  }
  return keyValueOrTerm(t, ctx);
}

function keyValueOrTerm(t: Term, ctx: Ctx): string {
  if (t.type === "call" && isMember3(t)) return member3(t, ctx);
  return term(t, ctx);
}

function isMember3(t: Term): boolean {
  return t.type === "call" && t.args.length === 3 && operatorName(t.operator) === "internal.member_3";
}

function member3(t: CallTerm, ctx: Ctx): string {
  const inner: Ctx = { ...ctx, minPrec: 2 };
  return `${term(t.args[0]!, inner)}, ${term(t.args[1]!, inner)} in ${term(t.args[2]!, inner)}`;
}

function body(b: Body, indent: string): string {
  return b.map((l) => literal(l, indent)).join("; ");
}

// ---------------------------------------------------------------------------
// Terms
// ---------------------------------------------------------------------------

function term(t: Term, ctx: Ctx): string {
  switch (t.type) {
    case "null":
      return "null";
    case "boolean":
      return String(t.value);
    case "number":
      return t.value;
    case "string":
      return JSON.stringify(t.value);
    case "var":
      return t.name;
    case "ref":
      return ref(t, ctx);
    case "call":
      return call(t, ctx);
    case "array":
      return `[${items(t.items, ctx)}]`;
    case "set":
      return t.items.length === 0 ? "set()" : `{${items(t.items, ctx)}}`;
    case "object":
      return `{${t.entries.map(([k, v]) => `${term(k, inner(ctx))}: ${term(v, inner(ctx))}`).join(", ")}}`;
    case "arraycomprehension":
      return `[${term(t.term, inner(ctx))} | ${body(t.body, ctx.indent)}]`;
    case "setcomprehension":
      return `{${term(t.term, inner(ctx))} | ${body(t.body, ctx.indent)}}`;
    case "objectcomprehension":
      return `{${term(t.key, inner(ctx))}: ${term(t.value, inner(ctx))} | ${body(t.body, ctx.indent)}}`;
  }
}

/** The context of an item inside a collection: any expression, but a bare `|` would be ambiguous. */
function inner(ctx: Ctx): Ctx {
  return { minPrec: 1, noBar: true, indent: ctx.indent };
}

function items(ts: Term[], ctx: Ctx): string {
  return ts.map((x) => term(x, inner(ctx))).join(", ");
}

function ref(r: RefTerm, ctx: Ctx): string {
  const [head, ...path] = r.terms;
  // The head must bind tighter than anything, so infix calls and `-1`-style numbers get parentheses.
  let text = head!.type === "number" && head.value.startsWith("-") ? `(${head.value})` : term(head!, { ...ctx, minPrec: 99, noBar: false });
  for (const seg of path) {
    if (seg.type === "string" && IDENT.test(seg.value)) text += `.${seg.value}`;
    else text += `[${term(seg, { ...TOP, indent: ctx.indent })}]`;
  }
  return text;
}

function call(c: CallTerm, ctx: Ctx): string {
  const name = operatorName(c.operator);
  const op = INFIX_OPERATORS[name];
  if (isMember3(c)) return `(${member3(c, { ...TOP, indent: ctx.indent })})`;
  if (op && c.args.length === 2 && op.precedence > 0) {
    const text = `${term(c.args[0]!, { ...ctx, minPrec: op.precedence })} ${op.symbol} ${term(c.args[1]!, { ...ctx, minPrec: op.precedence + 1 })}`;
    const needParens = op.precedence < ctx.minPrec || (ctx.noBar && name === "or");
    return needParens ? `(${term(c.args[0]!, { ...TOP, indent: ctx.indent, minPrec: op.precedence })} ${op.symbol} ${term(c.args[1]!, { ...TOP, indent: ctx.indent, minPrec: op.precedence + 1 })})` : text;
  }
  const operator = c.operator.type === "var" ? c.operator.name : ref(c.operator, TOP);
  return `${operator}(${c.args.map((a) => term(a, { ...TOP, indent: ctx.indent })).join(", ")})`;
}

/** True when `name` can print as a bare variable (not a keyword or literal word). */
export function isPlainVar(name: string): boolean {
  return IDENT.test(name) && !KEYWORDS.has(name) && !["true", "false", "null"].includes(name);
}
