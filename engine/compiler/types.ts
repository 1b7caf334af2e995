/**
 * Data types shared by the compiler stages and the planner.
 *
 * The compiler keeps the parser's AST shapes (terms, bodies, literals) and rewrites
 * them in place of OPA's `ast.Compiler` stages. What it adds is the rule tree: every
 * rule, from every module, hung under its full path from `data`.
 */
import type { Body, Location, Module, Term } from "../rego/ast.js";

/**
 * The shape of the document a rule path produces.
 *
 * - `complete`: `p := v`, `p if …`, with `else` chains and `default`.
 * - `set`: `p contains x`.
 * - `object`: `p[k] := v` and general ref heads `a.b[c].d := v`; `keys` holds the
 *   part of the head ref after the static prefix (at least one term).
 * - `function`: `f(x) := y`.
 */
export type RuleKind = "complete" | "set" | "object" | "function";

/**
 * One rule definition after compilation. Vars are resolved (`data`/`input` refs), locals
 * renamed, bodies reordered for safety.
 */
export interface CompiledRule {
  kind: RuleKind;
  /** Static path from `data`, e.g. `["test", "p"]`; the node this rule belongs to. */
  path: string[];
  /** For `object` rules: the dynamic remainder of the head ref (`[k]`, `[c, "d"]`). */
  keys: Term[];
  /** Set member for `set` rules, and for `object` rules whose leaves are sets (`a[x] contains y`). */
  key: Term | null;
  /** Value for complete/object/function rules (`true` when the head has none). */
  value: Term | null;
  /** Function parameters (patterns) for `function` rules. */
  args: Term[] | null;
  body: Body;
  default: boolean;
  else: CompiledRule | null;
  location: Location;
  /** The module's file name, for error messages. */
  file: string;
}

/** A node of the rule tree: one path segment, with rules defined exactly here. */
export interface RuleNode {
  path: string[];
  children: Map<string, RuleNode>;
  rules: CompiledRule[];
}

/** The compiler's output, the planner's input. */
export interface CompiledPolicy {
  root: RuleNode;
  modules: Module[];
}

/** A compiled ad-hoc query. `names` maps each rewritten var to the name the user wrote. */
export interface CompiledQuery {
  body: Body;
  /** Vars to report per solution, in order: [rewritten name, user name]. */
  outputs: [string, string][];
}

/** What the compiler needs to know about builtins (the builtins registry provides it). */
export interface BuiltinInfo {
  name: string;
  arity: number;
  relation?: boolean;
}

export type BuiltinLookup = (name: string) => BuiltinInfo | undefined;
