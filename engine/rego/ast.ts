/**
 * The Rego v1 abstract syntax tree.
 *
 * This is the contract between the parser (which produces it), the printer (which turns
 * it back into canonical Rego) and the compiler (which rewrites it and hands it to the
 * planner). It follows the shape of OPA's `ast` package: a module is a package, imports
 * and rules; a rule body is a list of literals; every expression is a term, and calls
 * (including infix operators) are terms whose operator is a reference.
 *
 * Every node carries a `location`. Structural equality of two trees ignores locations
 * (see `stripLocations` in `equality.ts`), which is what the print → parse property
 * test relies on.
 */
import type { Location } from "../errors.js";

export type { Location };

// ---------------------------------------------------------------------------
// Terms
// ---------------------------------------------------------------------------

export type Term =
  | NullTerm
  | BooleanTerm
  | NumberTerm
  | StringTerm
  | VarTerm
  | RefTerm
  | CallTerm
  | ArrayTerm
  | ObjectTerm
  | SetTerm
  | ArrayComprehension
  | SetComprehension
  | ObjectComprehension;

export interface NullTerm {
  type: "null";
  location: Location;
}

export interface BooleanTerm {
  type: "boolean";
  value: boolean;
  location: Location;
}

/**
 * A number literal, kept exactly as text so integers beyond 2^53 and decimals are not
 * rounded. The parser normalises nothing except that a unary minus directly before a
 * number literal folds into it (`-1` is the number `-1`, as in OPA).
 */
export interface NumberTerm {
  type: "number";
  value: string;
  location: Location;
}

/** A string literal, already unescaped. Raw (backtick) and quoted strings are the same term. */
export interface StringTerm {
  type: "string";
  value: string;
  location: Location;
}

/**
 * A variable. `_` is the wildcard: the parser keeps the name `_` and the compiler gives
 * each occurrence a fresh name. `input`, `data` and imported aliases are also vars until
 * the compiler resolves them.
 */
export interface VarTerm {
  type: "var";
  name: string;
  location: Location;
}

/**
 * A reference: a head term followed by path terms.
 *
 * - `a.b[x].c` is `[var a, string "b", var x, string "c"]`: dotted segments are string terms.
 * - The head is usually a var, but may be any term: `f(x)[0]`, `[1, 2][i]`, `{"a": 1}.a`.
 * - A bare `x` is a VarTerm, never a one-element ref.
 */
export interface RefTerm {
  type: "ref";
  terms: Term[];
  location: Location;
}

/**
 * A call: `count(x)`, `strings.replace_n(p, s)`, `data.lib.f(x)`, and every infix operator:
 * `x == y` is the call `equal(x, y)`, `x = y` is `eq(x, y)`, `x := y` is `assign(x, y)`,
 * `x in xs` is `internal.member_2(x, xs)`, `k, v in xs` is `internal.member_3(k, v, xs)`.
 *
 * `operator` is the called name as a var (`count`) or ref (`strings.replace_n`,
 * `data.lib.f`). `INFIX_OPERATORS` maps operator names to their infix spelling.
 */
export interface CallTerm {
  type: "call";
  operator: VarTerm | RefTerm;
  args: Term[];
  location: Location;
}

export interface ArrayTerm {
  type: "array";
  items: Term[];
  location: Location;
}

/** Object keys may be any term (numbers, arrays, vars, …), as in OPA. Order is source order. */
export interface ObjectTerm {
  type: "object";
  entries: [key: Term, value: Term][];
  location: Location;
}

/** `{1, 2}` or `set()` (the empty set). */
export interface SetTerm {
  type: "set";
  items: Term[];
  location: Location;
}

export interface ArrayComprehension {
  type: "arraycomprehension";
  term: Term;
  body: Body;
  location: Location;
}

export interface SetComprehension {
  type: "setcomprehension";
  term: Term;
  body: Body;
  location: Location;
}

export interface ObjectComprehension {
  type: "objectcomprehension";
  key: Term;
  value: Term;
  body: Body;
  location: Location;
}

// ---------------------------------------------------------------------------
// Bodies and literals
// ---------------------------------------------------------------------------

/** A query or rule body: literals joined by newlines or `;`. Evaluated as a conjunction. */
export type Body = Literal[];

/**
 * One literal of a body: an optional `not`, an expression, and any number of `with`
 * modifiers (`x with input.a as 1 with data.b as 2`).
 */
export interface Literal {
  negated: boolean;
  expr: Expr;
  with: With[];
  location: Location;
}

/** What a literal states. Calls and infix operators are `CallTerm`s. */
export type Expr = Term | SomeDecl | SomeIn | Every;

/** `some x, y`: declares local variables. */
export interface SomeDecl {
  type: "some";
  vars: VarTerm[];
  location: Location;
}

/**
 * `some x in xs` (key absent) or `some k, v in xs`. Key and value may be any term
 * (patterns such as `some [a, b] in pairs` are allowed).
 */
export interface SomeIn {
  type: "somein";
  key: Term | null;
  value: Term;
  collection: Term;
  location: Location;
}

/** `every v in xs { … }` (key absent) or `every k, v in xs { … }`. */
export interface Every {
  type: "every";
  key: VarTerm | null;
  value: VarTerm;
  domain: Term;
  body: Body;
  location: Location;
}

/** `with <target> as <value>`; the target is a ref (`input.a.b`, `data.x`) or a var naming a function. */
export interface With {
  target: VarTerm | RefTerm;
  value: Term;
  location: Location;
}

// ---------------------------------------------------------------------------
// Modules and rules
// ---------------------------------------------------------------------------

export interface Module {
  package: Package;
  imports: Import[];
  rules: Rule[];
  /** Every `# …` comment in the file, in order, for the printer and `fmt`. */
  comments: Comment[];
  /** `# METADATA` blocks; each is also referenced from the package or rule it precedes. */
  annotations: Annotation[];
  location: Location;
}

/** `package a.b["c-d"]`: `path` is the segments after the implicit `data`. */
export interface Package {
  path: string[];
  annotations?: Annotation;
  location: Location;
}

/**
 * `import data.a.b as c`, `import input.x`, `import rego.v1`, `import future.keywords.in`.
 * `path` is the imported ref (its head var is `data`, `input`, `rego` or `future`).
 */
export interface Import {
  path: RefTerm | VarTerm;
  alias: string | null;
  location: Location;
}

export interface Comment {
  /** The text after `#`, without the newline. */
  text: string;
  location: Location;
}

/**
 * A `# METADATA` block: the YAML after the marker, parsed. `scope` defaults as in OPA
 * (`rule` before a rule, `package` before a package). Unknown keys are kept in `raw`.
 */
export interface Annotation {
  scope: "package" | "rule" | "document" | "subpackages";
  title?: string;
  description?: string;
  entrypoint?: boolean;
  custom?: Record<string, unknown>;
  raw: Record<string, unknown>;
  location: Location;
}

/**
 * A rule, one definition of a function, or a `default` rule.
 *
 * - `body` is empty when the rule has no `if` clause (`p := 1`).
 * - `else` chains are linked through `else`; each link has its own head value and body.
 *   Its head `ref` repeats the rule's.
 */
export interface Rule {
  default: boolean;
  head: RuleHead;
  body: Body;
  else: Rule | null;
  annotations?: Annotation;
  location: Location;
}

/**
 * The head of a rule.
 *
 * | source                          | ref              | args | key  | value        | assign |
 * |---------------------------------|------------------|------|------|--------------|--------|
 * | `p := 1 if …`                   | p                | –    | –    | 1            | true   |
 * | `p = x if …`                    | p                | –    | –    | x            | false  |
 * | `p if …`                        | p                | –    | –    | true         | false  |
 * | `p contains x if …`             | p                | –    | x    | –            | false  |
 * | `p[k] := v if …`                | p[k]             | –    | –    | v            | true   |
 * | `a.b[c].d := v if …`            | a.b[c].d         | –    | –    | v            | true   |
 * | `f(x) := y if …`                | f                | [x]  | –    | y            | true   |
 * | `f(x) if …`                     | f                | [x]  | –    | true         | false  |
 * | `default p := false`            | p                | –    | –    | false        | true   |
 *
 * `ref` is a RefTerm whose head is a var (a lone name is a one-term ref here, unlike in
 * bodies), so every consumer handles one shape.
 */
export interface RuleHead {
  ref: RefTerm;
  args: Term[] | null;
  key: Term | null;
  value: Term | null;
  assign: boolean;
  location: Location;
}

// ---------------------------------------------------------------------------
// Operators
// ---------------------------------------------------------------------------

/**
 * Infix operators by the name of the call they denote, with their precedence (higher
 * binds tighter). `=` and `:=` appear only at the top of a literal.
 * Membership (`in`) is lower than the comparisons, as in OPA's grammar.
 */
export const INFIX_OPERATORS: Record<string, { symbol: string; precedence: number }> = {
  assign: { symbol: ":=", precedence: 0 },
  eq: { symbol: "=", precedence: 0 },
  "internal.member_2": { symbol: "in", precedence: 1 },
  equal: { symbol: "==", precedence: 2 },
  neq: { symbol: "!=", precedence: 2 },
  lt: { symbol: "<", precedence: 2 },
  lte: { symbol: "<=", precedence: 2 },
  gt: { symbol: ">", precedence: 2 },
  gte: { symbol: ">=", precedence: 2 },
  or: { symbol: "|", precedence: 3 },
  and: { symbol: "&", precedence: 4 },
  plus: { symbol: "+", precedence: 5 },
  minus: { symbol: "-", precedence: 5 },
  mul: { symbol: "*", precedence: 6 },
  div: { symbol: "/", precedence: 6 },
  rem: { symbol: "%", precedence: 6 },
};

/** The dotted name a call's operator spells: `count`, `strings.replace_n`, `data.lib.f`. */
export function operatorName(operator: VarTerm | RefTerm): string {
  if (operator.type === "var") return operator.name;
  return operator.terms
    .map((t, i) => (i === 0 && t.type === "var" ? t.name : t.type === "string" ? t.value : "?"))
    .join(".");
}
