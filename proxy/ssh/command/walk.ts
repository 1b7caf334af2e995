/**
 * Stage 5: the tree → every simple command that would run, in source order.
 *
 * Compound commands (if/for/while/case, groups, subshells, functions, `[[ ]]`, `(( ))`)
 * are walked generically: every statement and every command or process substitution
 * inside them is described, so a node type we do not special-case still cannot hide a
 * command. Only simple commands and pipelines get dedicated handling: the first for
 * words, wrappers and redirections, the second for "this output reaches a shell".
 */
import { computeFlags } from "./flags.js";
import { nodeType, parseScript, walk, type Node, type Script } from "./parse.js";
import { describeRedirect } from "./redirects.js";
import { PIPE, staticOutput, staticPipeline, pipelineStages } from "./static-output.js";
import type { Command, Redirect } from "./types.js";
import { basename, readsScriptFromStdin, unwrap } from "./unwrap.js";
import { resolveWord, wordText, type Arg, type WordContext } from "./words.js";

/** How deep shell code handed to shells (`bash -c "eval '…'"`) is re-parsed. */
export const MAX_DEPTH = 8;
/** More commands than this in one line is refused rather than described. */
export const MAX_COMMANDS = 5000;

/** Where a statement sits: the script it belongs to and what surrounds it. */
interface Scope {
  script: Script;
  words: WordContext;
  /** Wrappers of the shell code this statement belongs to (`["sudo", "bash -c"]`). */
  wrappers: string[];
  /** Redirections of enclosing compound commands (`{ a; b; } > f`), applied to each command. */
  redirects: Redirect[];
  /** Output of everything here reaches a shell (inside `bash -c "$(…)"`, piped into `sh`). */
  toShell: boolean;
  depth: number;
}

/** What a pipeline needs to know about one stage's main command. */
interface StageInfo {
  /** The stage is a shell reading its program from stdin, run under these wrappers. */
  stdinShell: { name: string; wrappers: string[] } | null;
  /** The stage's command run by xargs: its arguments come from stdin. */
  xargs: Command | null;
}

export class Walker {
  readonly commands: Command[] = [];
  error: string | null = null;

  /** Describe a whole script (the top-level line, or a string given to a shell). */
  script(text: string, wrappers: string[], toShell: boolean, depth: number): void {
    if (this.error) return;
    if (depth > MAX_DEPTH) {
      this.error = `shell code nested more than ${MAX_DEPTH} levels deep`;
      return;
    }
    const parsed = parseScript(text);
    if (!parsed.ok) {
      this.error = depth === 0 ? parsed.error : `in the string run by ${wrappers.at(-1) ?? "a shell"}: ${parsed.error}`;
      return;
    }
    const script = parsed.script;
    const words: WordContext = { script, evalSubst: (stmts) => staticOutput(stmts, words), vars: new Map() };
    this.stmts(script.stmts, { script, words, wrappers, redirects: [], toShell, depth });
  }

  private stmts(list: Node[], scope: Scope): void {
    for (const s of list ?? []) this.stmt(s, scope);
  }

  private stmt(s: Node, scope: Scope): StageInfo {
    const none: StageInfo = { stdinShell: null, xargs: null };
    if (this.error) return none;
    const cmd = s.Cmd;
    const t = nodeType(cmd);
    const redirs: Node[] = s.Redirs ?? [];
    if (t === "CallExpr" || (t === "" && redirs.length > 0)) return this.call(cmd, redirs, scope);
    // Substitutions in the redirections of a compound command run too.
    for (const r of redirs) this.nested(r, scope);
    const inner: Scope = {
      ...scope,
      redirects: [...scope.redirects, ...redirs.map((r) => describeRedirect(r, scope.words).redirect)],
    };
    if (t === "BinaryCmd" && (cmd.Op === PIPE || cmd.Op === PIPE_ALL)) {
      this.pipeline(s, inner);
    } else if (t === "TimeClause") {
      if (cmd.Stmt) this.stmt(cmd.Stmt, { ...inner, wrappers: [...inner.wrappers, "time"] });
    } else if (t === "DeclClause") {
      this.decl(cmd, inner);
    } else {
      this.children(cmd, inner);
    }
    return none;
  }

  /** Every statement and substitution below `node`, described. */
  private children(node: Node, scope: Scope): void {
    walk(node, (n) => {
      if (n === node) return true;
      const t = nodeType(n);
      if (t === "Stmt") {
        this.stmt(n, scope);
        return false;
      }
      if (t === "CmdSubst" || t === "ProcSubst") {
        this.stmts(n.Stmts, { ...scope, redirects: [] });
        return false;
      }
      return true;
    });
  }

  /** Commands inside substitutions of `node` (a word, an assignment, a redirection). */
  private nested(node: Node, scope: Scope, toShell = scope.toShell): void {
    if (node == null) return;
    const sub: Scope = { ...scope, redirects: [], toShell };
    walk(node, (n) => {
      const t = nodeType(n);
      if (t === "CmdSubst" || t === "ProcSubst") {
        this.stmts(n.Stmts, sub);
        return false;
      }
      return true;
    });
  }

  private pipeline(s: Node, scope: Scope): void {
    const stages: Node[] = [];
    const flatten = (st: Node): void => {
      const c = st.Cmd;
      if (nodeType(c) === "BinaryCmd" && (c.Op === PIPE || c.Op === PIPE_ALL) && (st.Redirs ?? []).length === 0) {
        flatten(c.X);
        flatten(c.Y);
      } else stages.push(st);
    };
    flatten(s);
    const starts: number[] = [];
    const infos: StageInfo[] = [];
    for (const st of stages) {
      starts.push(this.commands.length);
      infos.push(this.stmt(st, scope));
    }
    for (let k = 1; k < stages.length; k++) {
      const xargs = infos[k]!.xargs;
      if (xargs) {
        // `echo / | xargs rm -rf`: static input becomes the arguments it would be.
        const calls = stages.slice(0, k).map((st) => pipelineStages(st));
        const text = calls.every((c) => c !== null) ? staticPipeline(calls.flat() as Node[], scope.words) : null;
        if (text !== null) {
          xargs.args.push(...text.split(/[ \t\n]+/).filter((a) => a !== ""));
          xargs.flags = [...new Set<string>([...computeFlags(xargs, false), ...xargs.flags])].sort();
        }
      }
      const shell = infos[k]!.stdinShell;
      if (!shell) continue;
      for (let i = 0; i < starts[k]!; i++) {
        if (i >= starts[0]!) this.markToShell(this.commands[i]!);
      }
      // `echo cm0g… | base64 -d | sh`: when what reaches the shell is static, describe it.
      const calls = stages.slice(0, k).map((st) => pipelineStages(st));
      if (calls.every((c) => c !== null)) {
        const text = staticPipeline(calls.flat() as Node[], scope.words);
        if (text !== null) this.script(text, [...shell.wrappers, `${shell.name} stdin`], scope.toShell, scope.depth + 1);
      }
    }
  }

  private markToShell(c: Command): void {
    if (c.pipes_to_shell) return;
    c.pipes_to_shell = true;
    c.flags = [...new Set([...c.flags, "pipes_to_shell"])].sort();
  }

  private decl(cmd: Node, scope: Scope): void {
    const args: string[] = [];
    let dynamic = false;
    for (const a of cmd.Args ?? []) {
      this.nested(a, scope);
      const name: string = a.Name?.Value ?? "";
      if (a.Value) {
        const v = wordText(a.Value, scope.words);
        dynamic ||= v.dynamic;
        args.push(name ? `${name}=${v.value}` : v.value);
      } else if (name) args.push(name);
    }
    const program = { value: String(cmd.Variant?.Value ?? "declare"), dynamic: false, substituted: false };
    this.emit([program, ...args.map((value) => ({ value, dynamic, substituted: false }))], {}, scope.redirects, scope.wrappers, scope);
  }

  private call(call: Node, redirs: Node[], scope: Scope): StageInfo {
    const words = scope.words;
    const env: Record<string, string> = {};
    for (const a of call?.Assigns ?? []) {
      this.nested(a, scope);
      const name: string = a.Name?.Value ?? "";
      env[name] = a.Value ? wordText(a.Value, words).value : "";
    }
    const argv: Arg[] = [];
    for (const w of call?.Args ?? []) argv.push(...resolveWord(w, words));
    const described = redirs.map((r) => describeRedirect(r, words));
    const redirects = [...scope.redirects, ...described.map((d) => d.redirect)];
    for (const r of redirs) this.nested(r, scope);
    if (argv.length === 0) {
      // A bare assignment sets a shell variable for the rest of the line.
      for (const a of call?.Assigns ?? []) {
        const name: string = a.Name?.Value ?? "";
        const v = a.Value ? wordText(a.Value, words) : { value: "", dynamic: false };
        if (a.Append || a.Array || a.Index || v.dynamic) words.vars.delete(name);
        else words.vars.set(name, v.value);
      }
      // A bare assignment or redirection: only its substitutions run.
      for (const w of call?.Args ?? []) this.nested(w, scope);
      return { stdinShell: null, xargs: null };
    }

    const u = unwrap(argv, scope.wrappers);
    // Substitutions run before the command; their output feeds a shell when they are in
    // the program position or are arguments of shell code.
    const programToShell = argv[0]!.substituted || argv[0]!.dynamic;
    const codeToShell = u.kind === "script" || (u.kind === "run" && isShellProgram(u.argv));
    const args: Node[] = call.Args ?? [];
    args.forEach((w, i) => this.nested(w, scope, scope.toShell || codeToShell || (i === 0 && programToShell)));

    if (u.kind === "script") {
      this.script(u.text, u.wrappers, scope.toShell, scope.depth + 1);
      return { stdinShell: null, xargs: null };
    }
    const merged = { ...env, ...u.env };
    const main = this.emit(u.argv, merged, redirects, u.wrappers, scope);
    const xargs = u.wrappers.at(-1) === "xargs" ? main : null;
    this.findExec(u.argv, u.wrappers, scope);

    if (!readsScriptFromStdin(u.argv)) return { stdinShell: null, xargs };
    const name = basename(u.argv[0]!.value);
    // `bash <<EOF … EOF`, `sh <<< 'rm -rf /'`: the heredoc is the program.
    for (const d of described) {
      if (d.redirect.fd === 0 && d.stdinText !== null && d.redirect.op.startsWith("<<")) {
        this.script(d.stdinText, [...u.wrappers, `${name} stdin`], scope.toShell, scope.depth + 1);
      }
    }
    return { stdinShell: { name, wrappers: u.wrappers }, xargs };
  }

  /** `find … -exec cmd {} \;`: cmd runs too, once per file. */
  private findExec(argv: Arg[], wrappers: string[], scope: Scope): void {
    if (basename(argv[0]!.value) !== "find") return;
    // Starting points: the operands before the first expression word (`-name`, `(`, `!`).
    const starts: Arg[] = [];
    for (let k = 1; k < argv.length && !/^[-(!]/.test(argv[k]!.value); k++) starts.push(argv[k]!);
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!.value;
      if (!["-exec", "-execdir", "-ok", "-okdir"].includes(a)) continue;
      let j = i + 1;
      while (j < argv.length && argv[j]!.value !== ";" && argv[j]!.value !== "+") j++;
      const template = argv.slice(i + 1, j);
      // `{}` is each file found, the starting points first: `find / -exec rm -rf {} \;`
      // removes `/`, so we describe it with each starting point in place of `{}`.
      for (const start of starts.length > 0 ? starts : [lit(".")]) {
        if (template.length === 0) break;
        const inner = template.map((t) => (t.value.includes("{}") ? { ...t, value: t.value.split("{}").join(start.value), dynamic: t.dynamic || start.dynamic } : t));
        const u = unwrap(inner, [...wrappers, `find ${a}`]);
        if (u.kind === "script") this.script(u.text, u.wrappers, scope.toShell, scope.depth + 1);
        else this.emit(u.argv, u.env, [], u.wrappers, scope);
      }
      i = j;
    }
  }

  private emit(argv: Arg[], env: Record<string, string>, redirects: Redirect[], wrappers: string[], scope: Scope): Command | null {
    if (this.commands.length >= MAX_COMMANDS) {
      this.error = `more than ${MAX_COMMANDS} commands`;
      return null;
    }
    const first = argv[0]!;
    const c: Command = {
      program: {
        name: first.dynamic ? first.value : basename(first.value),
        path: first.value.includes("/") ? first.value : null,
        dynamic: first.dynamic,
      },
      args: argv.slice(1).map((a) => a.value),
      env,
      redirects,
      wrappers,
      pipes_to_shell: scope.toShell,
      dynamic: argv.some((a) => a.dynamic),
      flags: [],
    };
    c.flags = computeFlags(c, first.substituted);
    this.commands.push(c);
    return c;
  }
}

function lit(value: string): Arg {
  return { value, dynamic: false, substituted: false };
}

/** mvdan-sh's operator code for `|&`. */
const PIPE_ALL = 13;

function isShellProgram(argv: Arg[]): boolean {
  if (argv.length === 0 || argv[0]!.dynamic) return false;
  const name = basename(argv[0]!.value);
  return ["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "source", ".", "eval"].includes(name) ||
    /^(python\d?(\.\d+)?|perl|ruby|node|php)$/.test(name);
}
