/**
 * Rego v1 parser: tokens → Module / Body / Term.
 *
 * Recursive descent; the expression grammar lives in `parser-expr.ts`. Errors unwind as
 * `RegoFailure` to the nearest statement, which records them and resyncs at the next
 * line that starts at or left of the failed statement's column, so one file reports
 * several errors. Nothing escapes the public functions.
 */
import { parse as parseYaml } from "yaml";
import { RegoFailure, regoError, type Location, type RegoError } from "../errors.js";
import type { Annotation, Body, Comment, Import, Module, Package, RefTerm, Rule, RuleHead, Term } from "./ast.js";
import { lex, type Token } from "./lexer.js";
import { ExprParser, describeToken } from "./parser-expr.js";

const IMPORT_ROOTS = new Set(["data", "input", "rego", "future"]);

class ModuleParser extends ExprParser {
  parseModule(comments: Comment[]): Module | null {
    const start = this.peek();
    let pkg: Package;
    try {
      pkg = this.parsePackage();
    } catch (e) {
      this.record(e);
      return null;
    }
    const imports: Import[] = [];
    const rules: Rule[] = [];
    while (this.peek().kind !== "eof") {
      const t = this.peek();
      try {
        if (!t.nl) this.unexpected();
        if (this.isWord("import")) {
          imports.push(this.parseImport());
        } else if (this.isWord("package")) {
          this.fail("unexpected package keyword: only one package per module");
        } else {
          rules.push(this.parseRule());
        }
      } catch (e) {
        this.record(e);
        this.resync(t);
      }
    }
    const annotations = attachAnnotations(comments, pkg, rules, this.file, this.errors);
    return { package: pkg, imports, rules, comments, annotations, location: start.location };
  }

  parseTopQuery(): Body | null {
    try {
      if (this.peek().kind === "eof") this.fail("empty query");
      return this.parseBody(null);
    } catch (e) {
      this.record(e);
      return null;
    }
  }

  parseTopTerm(): Term | null {
    try {
      const term = this.grouped(() => this.parseInfix(1));
      if (this.peek().kind !== "eof") this.unexpected("end of term");
      return term;
    } catch (e) {
      this.record(e);
      return null;
    }
  }

  private record(e: unknown): void {
    if (e instanceof RegoFailure) this.errors.push(e.error);
    else if (e instanceof RangeError) this.errors.push(regoError("rego_parse_error", "nesting too deep", this.peek().location));
    else throw e;
  }

  /** Skips to the next token that starts a line at or left of where the failed statement began. */
  private resync(from: Token): void {
    if (this.peek() === from) this.next();
    while (this.peek().kind !== "eof" && !(this.peek().nl && this.peek().location.col <= from.location.col)) this.next();
  }

  private parsePackage(): Package {
    if (!this.isWord("package")) this.fail(`package expected, found ${describeToken(this.peek())} token`);
    const start = this.next();
    const ref = this.parseRefTerm();
    const path: string[] = [];
    if (ref.type === "var") path.push(ref.name);
    else if (ref.type === "ref" && ref.terms[0]!.type === "var") {
      path.push(ref.terms[0]!.name);
      for (const seg of ref.terms.slice(1)) {
        if (seg.type !== "string") this.fail("package path must contain only strings", seg.location);
        path.push(seg.value);
      }
    } else {
      this.fail("package name must be a reference", ref.location);
    }
    return { path, location: start.location };
  }

  private parseImport(): Import {
    const start = this.next();
    const path = this.parseRefTerm();
    if (path.type !== "var" && path.type !== "ref") this.fail("import path must be a reference", path.location);
    const head = path.type === "var" ? path : path.terms[0]!;
    if (head.type !== "var" || !IMPORT_ROOTS.has(head.name)) {
      this.fail("unexpected import path, must begin with one of: {data, future, input, rego}", path.location);
    }
    if (path.type === "ref" && path.terms.slice(1).some((t) => t.type !== "string")) {
      this.fail("import path must contain only strings", path.location);
    }
    let alias: string | null = null;
    if (this.isWord("as") && !this.peek().nl) {
      this.next();
      const t = this.peek();
      if (t.kind !== "ident") this.unexpected("var");
      this.next();
      alias = t.value;
    }
    const name = path.type === "var" ? path.name : path.terms.map((t) => (t.type === "var" ? t.name : t.type === "string" ? t.value : "")).join(".");
    if (name === "rego.v2" || name === "future.keywords.not") this.notBodies = true;
    return { path, alias, location: start.location };
  }

  // -------------------------------------------------------------------------
  // Rules
  // -------------------------------------------------------------------------

  private parseRule(): Rule {
    const start = this.peek();
    const isDefault = this.isWord("default");
    if (isDefault) this.next();
    const headStart = this.peek();
    const { ref, args } = this.parseHeadRef();
    const head: RuleHead = { ref, args, key: null, value: null, assign: false, location: headStart.location };

    if (isDefault) {
      if (!this.isPunct(":=") && !this.isPunct("=")) this.unexpected(":= or =");
      head.assign = this.next().value === ":=";
      head.value = this.parseInfix(1);
      return { default: true, head, body: [], else: null, location: start.location };
    }

    let implicitValue = false;
    if (this.isWord("contains") && !this.peek().nl) {
      if (args) this.fail("function rules cannot use contains", this.peek().location);
      this.next();
      head.key = this.parseInfix(1);
    } else if ((this.isPunct(":=") || this.isPunct("=")) && !this.peek().nl) {
      head.assign = this.next().value === ":=";
      head.value = this.parseInfix(1);
    } else {
      implicitValue = true;
      head.value = { type: "boolean", value: true, location: headStart.location };
    }

    const body = this.parseRuleBody(args !== null, start.location, true);
    const rule: Rule = { default: false, head, body, else: null, location: start.location };
    if (implicitValue && body.length === 0) {
      // `p` alone (or `f(x)`) states nothing: OPA rejects a bare var as a rule.
      this.fail(args ? "function definition requires a value or body" : "var cannot be used for rule name", headStart.location);
    }
    let link = rule;
    while (this.isWord("else")) {
      if (head.key !== null) this.fail("else keyword cannot be used on multi-value rules", this.peek().location);
      if (ref.terms.slice(1).some((s) => s.type !== "string")) this.fail("else keyword cannot be used on rules with variables in head", this.peek().location);
      link.else = this.parseElse(rule);
      link = link.else;
    }
    return rule;
  }

  /** `if` followed by `{ … }` or a one-line body; also reports the v0 spelling `{ … }` without `if`. */
  private parseRuleBody(isFunction: boolean, ruleLocation: Location, required: boolean): Body {
    if (this.isWord("if") && !this.peek().nl) {
      this.next();
      if (this.isPunct("{")) {
        // `if {x: 1 | …}` is a one-line body whose literal is a comprehension.
        const save = this.i;
        try {
          return this.parseBraceBody();
        } catch (e) {
          if (!(e instanceof RegoFailure)) throw e;
          this.i = save;
          try {
            return this.parseOneLineBody();
          } catch {
            throw e;
          }
        }
      }
      return this.parseOneLineBody();
    }
    if (this.isPunct("{") && !this.peek().nl) {
      if (required) this.fail(`\`if\` keyword is required before ${isFunction ? "function" : "rule"} body`, ruleLocation);
      return this.parseBraceBody();
    }
    return [];
  }

  /** `p if a; b` — literals on the rest of the line, separated by `;`. */
  private parseOneLineBody(): Body {
    const body: Body = [this.parseLiteral()];
    while (this.isPunct(";") && !this.peek().nl) {
      this.next();
      body.push(this.parseLiteral());
    }
    return body;
  }

  private parseElse(rule: Rule): Rule {
    const start = this.next();
    const head: RuleHead = {
      ref: structuredClone(rule.head.ref),
      args: rule.head.args ? structuredClone(rule.head.args) : null,
      key: null,
      value: null,
      assign: false,
      location: start.location,
    };
    if ((this.isPunct(":=") || this.isPunct("=")) && !this.peek().nl) {
      head.assign = this.next().value === ":=";
      head.value = this.parseInfix(1);
    } else {
      head.value = { type: "boolean", value: true, location: start.location };
    }
    // OPA v1 accepts a bare `else { … }`, so the `if` is optional here.
    const body = this.parseRuleBody(rule.head.args !== null, start.location, false);
    return { default: false, head, body, else: null, location: start.location };
  }

  /** The head's name: `p`, `a.b[c].d`, `f(x)`, `a.b.f(x)`. */
  private parseHeadRef(): { ref: RefTerm; args: Term[] | null } {
    const t = this.peek();
    if (t.kind !== "ident" || ["true", "false", "null"].includes(t.value)) this.unexpected();
    const term = this.parseRefTerm();
    let target: Term = term;
    let args: Term[] | null = null;
    if (term.type === "call") {
      target = term.operator;
      args = term.args;
    }
    if (target.type === "var") return { ref: { type: "ref", terms: [target], location: target.location }, args };
    if (target.type === "ref" && target.terms[0]!.type === "var") {
      if (args && target.terms.slice(1).some((s) => s.type !== "string")) this.fail("function name must be a plain reference", target.location);
      return { ref: target, args };
    }
    this.fail("rule head must be a reference", term.location);
  }
}

// ---------------------------------------------------------------------------
// Annotations
// ---------------------------------------------------------------------------

/**
 * Finds `# METADATA` blocks (the marker and the comment lines directly below it), parses
 * their YAML and attaches each to the package or rule that starts right after the block.
 */
function attachAnnotations(comments: Comment[], pkg: Package, rules: Rule[], file: string, errors: RegoError[]): Annotation[] {
  const out: Annotation[] = [];
  for (let i = 0; i < comments.length; i++) {
    const marker = comments[i]!;
    if (marker.text.trim() !== "METADATA") continue;
    const lines: string[] = [];
    let lastRow = marker.location.row;
    while (i + 1 < comments.length && comments[i + 1]!.location.row === lastRow + 1) {
      i++;
      lastRow = comments[i]!.location.row;
      lines.push(comments[i]!.text);
    }
    let raw: unknown;
    try {
      raw = parseYaml(lines.join("\n")) ?? {};
    } catch (e) {
      errors.push(regoError("rego_parse_error", `invalid annotation yaml: ${(e as Error).message.split("\n")[0]}`, marker.location));
      continue;
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      errors.push(regoError("rego_parse_error", "annotation must be a YAML mapping", marker.location));
      continue;
    }
    const target = [pkg, ...rules].find((s) => s.location.row > lastRow);
    const isPackage = target === pkg;
    const fields = raw as Record<string, unknown>;
    const scope = fields.scope;
    const annotation: Annotation = {
      scope: scope === "package" || scope === "rule" || scope === "document" || scope === "subpackages" ? scope : isPackage ? "package" : "rule",
      raw: fields,
      location: marker.location,
    };
    if (typeof fields.title === "string") annotation.title = fields.title;
    if (typeof fields.description === "string") annotation.description = fields.description;
    if (typeof fields.entrypoint === "boolean") annotation.entrypoint = fields.entrypoint;
    if (fields.custom && typeof fields.custom === "object") annotation.custom = fields.custom as Record<string, unknown>;
    if (target) target.annotations = annotation;
    out.push(annotation);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

function run<T>(source: string, file: string, f: (p: ModuleParser, comments: Comment[]) => T): { value: T | null; errors: RegoError[] } {
  try {
    const lexed = lex(source, file);
    const p = new ModuleParser(lexed.tokens, file);
    const value = f(p, lexed.comments);
    const errors = [...lexed.errors, ...p.errors].sort(
      (a, b) => (a.location?.row ?? 0) - (b.location?.row ?? 0) || (a.location?.col ?? 0) - (b.location?.col ?? 0),
    );
    return { value: errors.length ? null : value, errors };
  } catch (e) {
    return { value: null, errors: [regoError("rego_parse_error", `internal parser error: ${(e as Error).message}`, { file, row: 1, col: 1 })] };
  }
}

/** Parses a whole module. `module` is null whenever `errors` is non-empty. */
export function parseModule(source: string, file: string): { module: Module | null; errors: RegoError[] } {
  const r = run(source, file, (p, comments) => p.parseModule(comments));
  return { module: r.value, errors: r.errors };
}

/** Parses a query: literals separated by `;` or newlines (`data.test.p = x`, `x := 1; y = x + 1`). */
export function parseQuery(source: string, file: string): { body: Body | null; errors: RegoError[] } {
  const r = run(source, file, (p) => p.parseTopQuery());
  return { body: r.value, errors: r.errors };
}

/** Parses a single term (e.g. an input given as Rego: `{"foo": {{1}}}`). */
export function parseTerm(source: string, file: string): { term: Term | null; errors: RegoError[] } {
  const r = run(source, file, (p) => p.parseTopTerm());
  return { term: r.value, errors: r.errors };
}
