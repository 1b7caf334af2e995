/**
 * The expression half of the Rego parser: terms, infix operators, literals and bodies.
 * `parser.ts` builds modules and rules on top of it.
 *
 * Two pieces of context steer how tokens are read:
 * - `groupDepth` > 0 inside `( )`, `[ ]` and collection braces, where newlines mean
 *   nothing; at depth 0 (a body) a newline before an infix operator ends the literal,
 *   while a newline after one continues it.
 * - `noBar` while reading the first item of a collection, so that `[x | body]` is a
 *   comprehension rather than an array holding `x | body` (use parentheses for a union).
 */
import { RegoFailure, regoError, type Location, type RegoError } from "../errors.js";
import type { Body, CallTerm, Every, Expr, Literal, RefTerm, SomeDecl, SomeIn, Term, VarTerm, With } from "./ast.js";
import type { Token } from "./lexer.js";

/** Words that can never be variables in Rego v1. */
export const KEYWORDS = new Set(["if", "contains", "in", "every", "some", "not", "with", "as", "default", "else", "package", "import"]);

/** Binary operators by token spelling: the call they denote and their precedence (see INFIX_OPERATORS). */
const BINARY: Record<string, { name: string; prec: number }> = {
  in: { name: "internal.member_2", prec: 1 },
  "==": { name: "equal", prec: 2 },
  "!=": { name: "neq", prec: 2 },
  "<": { name: "lt", prec: 2 },
  "<=": { name: "lte", prec: 2 },
  ">": { name: "gt", prec: 2 },
  ">=": { name: "gte", prec: 2 },
  "|": { name: "or", prec: 3 },
  "&": { name: "and", prec: 4 },
  "+": { name: "plus", prec: 5 },
  "-": { name: "minus", prec: 5 },
  "*": { name: "mul", prec: 6 },
  "/": { name: "div", prec: 6 },
  "%": { name: "rem", prec: 6 },
};

/** The operator term of a call named `name` (`count`, `internal.member_2`). */
export function operatorTerm(name: string, location: Location): VarTerm | RefTerm {
  const parts = name.split(".");
  const head: VarTerm = { type: "var", name: parts[0]!, location };
  if (parts.length === 1) return head;
  return {
    type: "ref",
    terms: [head, ...parts.slice(1).map((value): Term => ({ type: "string", value, location }))],
    location,
  };
}

export function describeToken(t: Token): string {
  if (t.kind === "eof") return "eof";
  if (t.kind === "ident") return KEYWORDS.has(t.value) ? t.value : "ident";
  if (t.kind === "number" || t.kind === "string") return t.kind;
  return t.value;
}

export class ExprParser {
  protected i = 0;
  protected groupDepth = 0;
  protected noBar = false;
  /**
   * `not { a; b }` (negating a whole body) is newer syntax, enabled by `import rego.v2`
   * or `import future.keywords.not`; in plain Rego v1 `{a}` after `not` is a set.
   */
  protected notBodies = false;
  readonly errors: RegoError[] = [];

  constructor(protected readonly tokens: Token[], protected readonly file: string) {}

  // -------------------------------------------------------------------------
  // Token helpers
  // -------------------------------------------------------------------------

  protected peek(k = 0): Token {
    return this.tokens[Math.min(this.i + k, this.tokens.length - 1)]!;
  }
  protected next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }
  protected isPunct(v: string, t: Token = this.peek()): boolean {
    return t.kind === "punct" && t.value === v;
  }
  protected isWord(v: string, t: Token = this.peek()): boolean {
    return t.kind === "ident" && t.value === v;
  }
  protected fail(message: string, location: Location = this.peek().location): never {
    throw new RegoFailure(regoError("rego_parse_error", message, location));
  }
  protected unexpected(expected?: string): never {
    const t = this.peek();
    this.fail(`unexpected ${describeToken(t)} token${expected ? `: expected ${expected}` : ""}`, t.location);
  }
  protected expectPunct(v: string): Token {
    if (!this.isPunct(v)) this.unexpected(v);
    return this.next();
  }
  protected expectWord(v: string): Token {
    if (!this.isWord(v)) this.unexpected(v);
    return this.next();
  }
  /** An operator token at body level that sits on a new line starts the next literal instead. */
  protected continuesOnThisLine(t: Token = this.peek()): boolean {
    return !t.nl || this.groupDepth > 0;
  }
  /** Runs `f` with newline-insensitive context (inside brackets). */
  protected grouped<T>(f: () => T, noBar = false): T {
    const [depth, bar] = [this.groupDepth, this.noBar];
    this.groupDepth++;
    this.noBar = noBar;
    try {
      return f();
    } finally {
      this.groupDepth = depth;
      this.noBar = bar;
    }
  }

  // -------------------------------------------------------------------------
  // Bodies and literals
  // -------------------------------------------------------------------------

  /**
   * Literals separated by `;` or newlines until the `end` punctuation (not consumed) or,
   * with `end` null, the end of input.
   */
  protected parseBody(end: string | null): Body {
    const [depth, bar] = [this.groupDepth, this.noBar];
    this.groupDepth = 0;
    this.noBar = false;
    try {
      const body: Body = [];
      const atEnd = () => (end === null ? this.peek().kind === "eof" : this.isPunct(end));
      while (this.isPunct(";")) this.next();
      while (!atEnd()) {
        if (end !== null && this.peek().kind === "eof") this.unexpected(end);
        body.push(this.parseLiteral());
        if (this.isPunct(";")) {
          while (this.isPunct(";")) this.next();
          continue;
        }
        if (atEnd()) break;
        if (!this.peek().nl) this.unexpected(end === null ? "\\n or ;" : `\\n, ; or ${end}`);
      }
      if (body.length === 0) this.fail("found empty body", this.peek().location);
      return body;
    } finally {
      this.groupDepth = depth;
      this.noBar = bar;
    }
  }

  /** `{ literals }`, starting at the `{`. */
  protected parseBraceBody(): Body {
    this.expectPunct("{");
    const body = this.parseBody("}");
    this.expectPunct("}");
    return body;
  }

  protected parseLiteral(): Literal {
    const start = this.peek();
    let negated = false;
    let expr: Expr;
    if (this.isWord("some")) {
      expr = this.parseSome();
    } else if (this.isWord("every")) {
      expr = this.parseEvery();
    } else {
      const notToken = this.peek();
      if (this.isWord("not")) {
        this.next();
        negated = true;
      }
      const body = negated && this.notBodies && this.isPunct("{") ? this.parseNotBody() : null;
      if (body) {
        negated = false;
        expr = this.bodyIsEmpty(body, notToken.location);
      } else {
        expr = this.parseLiteralExpr();
      }
    }
    const withs: With[] = [];
    while (this.isWord("with")) withs.push(this.parseWith());
    return { negated, expr, with: withs, location: start.location };
  }

  /**
   * `not { literals }`: tried as a body first; `null` (position restored) when the braces
   * hold an ordinary term (`not {}`, `not {1, 2}` still parse as sets and objects).
   */
  private parseNotBody(): Body | null {
    const saved = this.i;
    try {
      const body = this.parseBraceBody();
      const end = this.peek();
      if (end.nl || end.kind === "eof" || this.isPunct(";") || this.isPunct("}") || this.isWord("with")) return body;
    } catch (error) {
      if (!(error instanceof RegoFailure)) throw error;
    }
    this.i = saved;
    return null;
  }

  /**
   * `not { body }` in Rego v1 terms: `count({true | body}) == 0`. The comprehension scopes
   * the body's own variables and sees the enclosing ones, exactly as the negated body does.
   */
  private bodyIsEmpty(body: Body, location: Location): Term {
    const solutions: Term = { type: "setcomprehension", term: { type: "boolean", value: true, location }, body, location };
    const count = this.call("count", location, [solutions], location);
    return this.call("equal", location, [count, { type: "number", value: "0", location }], location);
  }

  private parseWith(): With {
    const start = this.next();
    const target = this.parseRefTerm();
    if (target.type !== "var" && target.type !== "ref") this.fail("with target must be a reference", target.location);
    this.expectWord("as");
    const value = this.parseInfix(1);
    return { target, value, location: start.location };
  }

  private parseSome(): SomeDecl | SomeIn {
    const start = this.next();
    const first = this.parseInfix(2);
    if (this.isWord("in")) {
      this.next();
      return { type: "somein", key: null, value: first, collection: this.parseInfix(2), location: start.location };
    }
    const terms: Term[] = [first];
    while (this.isPunct(",")) {
      this.next();
      terms.push(this.parseInfix(2));
      if (terms.length === 2 && this.isWord("in")) {
        this.next();
        return { type: "somein", key: terms[0]!, value: terms[1]!, collection: this.parseInfix(2), location: start.location };
      }
    }
    const vars = terms.map((t) => (t.type === "var" ? t : this.fail("expected var in some declaration", t.location)));
    return { type: "some", vars, location: start.location };
  }

  private parseEvery(): Every {
    const start = this.next();
    const first = this.parseVar();
    let key: VarTerm | null = null;
    let value = first;
    if (this.isPunct(",")) {
      this.next();
      key = first;
      value = this.parseVar();
    }
    this.expectWord("in");
    const domain = this.parseInfix(2);
    if (!this.isPunct("{")) this.unexpected("{");
    const body = this.parseBraceBody();
    return { type: "every", key, value, domain, body, location: start.location };
  }

  private parseVar(): VarTerm {
    const t = this.peek();
    if (t.kind !== "ident" || KEYWORDS.has(t.value) || ["true", "false", "null"].includes(t.value)) this.unexpected("var");
    this.next();
    return { type: "var", name: t.value, location: t.location };
  }

  /** An expression with an optional top-level `=` or `:=`. */
  protected parseLiteralExpr(): Term {
    const lhs = this.parseInfixWithKeyValue();
    const t = this.peek();
    if ((this.isPunct(":=") || this.isPunct("=")) && this.continuesOnThisLine()) {
      this.next();
      const rhs = this.parseInfixWithKeyValue();
      return this.call(t.value === ":=" ? "assign" : "eq", t.location, [lhs, rhs], lhs.location);
    }
    return lhs;
  }

  /** Like `parseInfix(1)` but also accepts `k, v in xs` (only where a comma cannot mean anything else). */
  protected parseInfixWithKeyValue(): Term {
    const first = this.parseInfix(2);
    if (!this.isPunct(",")) return this.parseInfix(1, first);
    this.next();
    const value = this.parseInfix(2);
    const op = this.expectWord("in");
    const collection = this.parseInfix(2);
    const member = this.call("internal.member_3", op.location, [first, value, collection], first.location);
    return this.parseInfix(1, member);
  }

  // -------------------------------------------------------------------------
  // Infix expressions
  // -------------------------------------------------------------------------

  /** Precedence climbing over BINARY; all operators are left-associative. */
  protected parseInfix(minPrec: number, left?: Term): Term {
    let lhs = left ?? this.parseUnary();
    for (;;) {
      const t = this.peek();
      const op = (t.kind === "punct" || (t.kind === "ident" && t.value === "in")) ? BINARY[t.value] : undefined;
      if (!op || op.prec < minPrec) break;
      if (op.name === "or" && this.noBar) break;
      if (!this.continuesOnThisLine(t)) break;
      this.next();
      const rhs = this.parseInfix(op.prec + 1);
      lhs = this.call(op.name, t.location, [lhs, rhs], lhs.location);
    }
    return lhs;
  }

  protected call(name: string, opLocation: Location, args: Term[], location: Location): CallTerm {
    return { type: "call", operator: operatorTerm(name, opLocation), args, location };
  }

  /**
   * A minus directly before a number literal folds into it (`-1`); before anything else it
   * becomes `minus(0, x)`, which the printer writes as `0 - x` (OPA's canonical form).
   */
  private parseUnary(): Term {
    const t = this.peek();
    if (!this.isPunct("-")) return this.parseRefTerm();
    this.next();
    const n = this.peek();
    if (n.kind === "number" && !n.ws) {
      this.next();
      return this.parseRefSuffix({ type: "number", value: `-${n.value}`, location: t.location });
    }
    const operand = this.parseRefTerm();
    return this.call("minus", t.location, [{ type: "number", value: "0", location: t.location }, operand], t.location);
  }

  // -------------------------------------------------------------------------
  // Terms
  // -------------------------------------------------------------------------

  /** A primary term followed by any `.x`, `[x]` and `(args)` written directly after it. */
  protected parseRefTerm(): Term {
    return this.parseRefSuffix(this.parsePrimary());
  }

  private parseRefSuffix(head: Term): Term {
    let term = head;
    for (;;) {
      const t = this.peek();
      if (t.ws || t.kind !== "punct") return term;
      if (t.value === ".") {
        if (!refable(term)) return term;
        this.next();
        const name = this.peek();
        if (name.kind !== "ident" || name.ws) this.unexpected("ident");
        this.next();
        term = appendRef(term, { type: "string", value: name.value, location: name.location });
      } else if (t.value === "[") {
        if (!refable(term)) return term;
        this.next();
        const key = this.grouped(() => this.parseInfix(1));
        this.expectPunct("]");
        term = appendRef(term, key);
      } else if (t.value === "(") {
        if (term.type !== "var" && !(term.type === "ref" && term.terms[0]!.type === "var")) return term;
        if (term.type === "var" && KEYWORDS.has(term.name)) return term;
        this.next();
        const args = this.grouped(() => this.parseList(")"));
        term = { type: "call", operator: term, args, location: term.location };
      } else {
        return term;
      }
    }
  }

  /** Comma-separated expressions up to `end` (consumed); a trailing comma is allowed. */
  private parseList(end: string): Term[] {
    const items: Term[] = [];
    while (!this.isPunct(end)) {
      items.push(this.parseInfix(1));
      if (this.isPunct(",")) this.next();
      else if (!this.isPunct(end)) this.unexpected(`, or ${end}`);
    }
    this.next();
    return items;
  }

  protected parsePrimary(): Term {
    const t = this.peek();
    const location = t.location;
    switch (t.kind) {
      case "number":
        this.next();
        return { type: "number", value: t.value, location };
      case "string":
        this.next();
        return { type: "string", value: t.value, location };
      case "ident":
        if (t.value === "null") return this.next(), { type: "null", location };
        if (t.value === "true" || t.value === "false") return this.next(), { type: "boolean", value: t.value === "true", location };
        if (KEYWORDS.has(t.value)) this.unexpected();
        if (t.value === "set" && this.isPunct("(", this.peek(1)) && !this.peek(1).ws && this.isPunct(")", this.peek(2))) {
          this.i += 3;
          return { type: "set", items: [], location };
        }
        this.next();
        return { type: "var", name: t.value, location };
      case "punct":
        if (t.value === "(") {
          this.next();
          const inner = this.grouped(() => this.parseInfixWithKeyValue());
          this.expectPunct(")");
          return inner;
        }
        if (t.value === "[") return this.parseArray();
        if (t.value === "{") return this.parseBraces();
        break;
    }
    this.unexpected();
  }

  private parseArray(): Term {
    const location = this.next().location;
    return this.grouped(() => {
      if (this.isPunct("]")) return this.next(), { type: "array", items: [], location };
      this.noBar = true;
      const first = this.parseInfix(1);
      this.noBar = false;
      if (this.isPunct("|")) {
        this.next();
        const body = this.parseBody("]");
        this.next();
        return { type: "arraycomprehension", term: first, body, location };
      }
      if (this.isPunct(",")) this.next();
      else if (!this.isPunct("]")) this.unexpected(", or ]");
      return { type: "array", items: [first, ...this.parseList("]")], location };
    });
  }

  /** `{}`, objects, sets and set/object comprehensions all start with `{`. */
  private parseBraces(): Term {
    const location = this.next().location;
    return this.grouped((): Term => {
      if (this.isPunct("}")) return this.next(), { type: "object", entries: [], location };
      this.noBar = true;
      const first = this.parseInfix(1);
      if (this.isPunct(":")) {
        this.next();
        const value = this.parseInfix(1);
        this.noBar = false;
        if (this.isPunct("|")) {
          this.next();
          const body = this.parseBody("}");
          this.next();
          return { type: "objectcomprehension", key: first, value, body, location };
        }
        const entries: [Term, Term][] = [[first, value]];
        while (this.isPunct(",")) {
          this.next();
          if (this.isPunct("}")) break;
          const k = this.parseInfix(1);
          this.expectPunct(":");
          entries.push([k, this.parseInfix(1)]);
        }
        this.expectPunct("}");
        return { type: "object", entries, location };
      }
      this.noBar = false;
      if (this.isPunct("|")) {
        this.next();
        const body = this.parseBody("}");
        this.next();
        return { type: "setcomprehension", term: first, body, location };
      }
      if (this.isPunct(",")) this.next();
      else if (!this.isPunct("}")) this.unexpected(", or }");
      return { type: "set", items: [first, ...this.parseList("}")], location };
    });
  }
}

/** Terms a `.x` or `[x]` may follow: OPA allows refs into vars, refs, calls and composites. */
function refable(t: Term): boolean {
  return !["null", "boolean", "number", "string"].includes(t.type);
}

function appendRef(term: Term, segment: Term): RefTerm {
  if (term.type === "ref") return { type: "ref", terms: [...term.terms, segment], location: term.location };
  return { type: "ref", terms: [term, segment], location: term.location };
}
