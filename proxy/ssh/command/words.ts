/**
 * Stage 2: a word of the tree → the strings bash would pass, as far as that is static.
 *
 * Quote removal, backslash escapes and `$'…'` decoding are done here. Command substitutions
 * whose output is static (`$(echo rm)`) are evaluated through `ctx.evalSubst` and, when
 * unquoted, field-split as bash does. Anything else that only the running shell knows
 * (`$HOME`, `$(id -u)`, `$((…))`) keeps its source text and marks the word dynamic.
 */
import { decodeAnsiC } from "./ansi-c.js";
import { nodeType, sourceOf, walk, type Node, type Script } from "./parse.js";

/** One field of a command line, with how it was obtained. */
export interface Arg {
  value: string;
  /** Holds the source text of an expansion only the running shell can resolve. */
  dynamic: boolean;
  /** Came from a word containing a command substitution (resolved or not). */
  substituted: boolean;
}

export interface WordContext {
  script: Script;
  /** The static output of a command substitution's statements, or null when not static. */
  evalSubst(stmts: Node[]): string | null;
  /**
   * Variables assigned a static value earlier in the same line (`x=rm; $x -rf /`). A best
   * guess: control flow is not followed, the last static assignment in source order wins.
   */
  vars: Map<string, string>;
}

/** The fields a word expands to (an unquoted empty substitution yields none). */
export function resolveWord(word: Node, ctx: WordContext, quoted = false): Arg[] {
  const st = { fields: [] as string[], cur: "", started: false, dynamic: false, substituted: false };
  const literal = (t: string): void => {
    st.cur += t;
    st.started = true;
  };
  const splittable = (t: string): void => {
    const pieces = t.split(/[ \t\n]+/);
    pieces.forEach((piece, k) => {
      if (k > 0 && st.started) {
        st.fields.push(st.cur);
        st.cur = "";
        st.started = false;
      }
      if (piece !== "") literal(piece);
    });
  };
  const parts = (list: Node[], quoted: boolean): void => {
    for (const p of list ?? []) part(p, quoted);
  };
  const part = (p: Node, quoted: boolean): void => {
    switch (nodeType(p)) {
      case "Lit":
        literal(quoted ? unescapeDouble(p.Value) : unescapeBare(p.Value));
        return;
      case "SglQuoted":
        literal(p.Dollar ? decodeAnsiC(p.Value) : p.Value);
        return;
      case "DblQuoted":
        literal("");
        parts(p.Parts, true);
        return;
      case "CmdSubst": {
        st.substituted = true;
        const out = ctx.evalSubst(p.Stmts);
        if (out === null) return dynamic(p);
        const trimmed = out.replace(/\n+$/, "");
        if (quoted) literal(trimmed);
        else splittable(trimmed);
        return;
      }
      case "ParamExp": {
        const known = simpleParam(p) !== null ? ctx.vars.get(simpleParam(p)!) : undefined;
        if (known === undefined) return dynamic(p);
        // Resolved from the line itself: static, but not written as the program's name.
        st.substituted = true;
        if (quoted) literal(known);
        else splittable(known);
        return;
      }
      case "ExtGlob":
        literal(sourceOf(ctx.script, p));
        return;
      default:
        // ParamExp, ArithmExp, ProcSubst, BraceExp: known only at run time.
        if (containsSubst(p)) st.substituted = true;
        return dynamic(p);
    }
  };
  const dynamic = (p: Node): void => {
    st.dynamic = true;
    literal(sourceOf(ctx.script, p));
  };
  parts(word?.Parts ?? [], quoted);
  if (st.started) st.fields.push(st.cur);
  return st.fields.map((value) => ({ value, dynamic: st.dynamic, substituted: st.substituted }));
}

/**
 * The word as one string (redirection targets, assignment values, heredoc bodies when
 * `quoted`): fields joined by spaces.
 */
export function wordText(word: Node, ctx: WordContext, quoted = false): { value: string; dynamic: boolean } {
  const fields = resolveWord(word, ctx, quoted);
  return { value: fields.map((f) => f.value).join(" "), dynamic: fields.some((f) => f.dynamic) };
}

/** The name of a plain `$x` / `${x}` expansion, or null for anything fancier. */
function simpleParam(p: Node): string | null {
  if (p.Excl || p.Length || p.Width || p.Index || p.Slice || p.Repl || p.Exp) return null;
  const name: unknown = p.Param?.Value;
  return typeof name === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : null;
}

function containsSubst(node: Node): boolean {
  let found = false;
  walk(node, (n) => {
    const t = nodeType(n);
    if (t === "CmdSubst" || t === "ProcSubst") found = true;
    return !found;
  });
  return found;
}

/** Outside quotes a backslash keeps the next character; backslash-newline disappears. */
function unescapeBare(s: string): string {
  return s.replace(/\\(\n|[\s\S])?/g, (_m, c: string | undefined) => (c === undefined || c === "\n" ? "" : c));
}

/** Inside double quotes only `\$`, `` \` ``, `\"`, `\\` and backslash-newline are escapes. */
export function unescapeDouble(s: string): string {
  return s.replace(/\\([$`"\\\n])/g, (_m, c: string) => (c === "\n" ? "" : c));
}
