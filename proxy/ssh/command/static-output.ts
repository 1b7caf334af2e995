/**
 * Stage 3: what a short pipeline prints, when that is known without running anything.
 *
 * Disguises hide a command in data that a few harmless programs turn back into text:
 * `$(echo rm) -rf /`, `echo cm0gLXJmIC8= | base64 -d | sh`, `printf '\x72\x6d'`. We run
 * those few programs ourselves, on static input only, so the text that reaches a shell can
 * be parsed like any other line. Anything else is "not static" (null).
 */
import { decodeAnsiC } from "./ansi-c.js";
import { nodeType, type Node } from "./parse.js";
import { describeRedirect } from "./redirects.js";
import { resolveWord, type WordContext } from "./words.js";

/** Output larger than this is not evaluated: a policy input, not a decompressor. */
const MAX_OUTPUT = 64 * 1024;

/** The static stdout of statements (a command substitution's body), or null. */
export function staticOutput(stmts: Node[], ctx: WordContext): string | null {
  if (!stmts || stmts.length !== 1) return null;
  const stages = pipelineStages(stmts[0]);
  return stages ? staticPipeline(stages, ctx) : null;
}

/**
 * The simple-command stages (their statements) of a pipeline statement, or null when it is
 * anything else. A stage may carry a heredoc or here-string: that is its stdin.
 */
export function pipelineStages(stmt: Node): Node[] | null {
  if (stmt.Negated || stmt.Background) return null;
  const redirs: Node[] = stmt.Redirs ?? [];
  if (!redirs.every((r) => HEREDOC_OPS.has(r.Op as number))) return null;
  const cmd = stmt.Cmd;
  const t = nodeType(cmd);
  if (t === "CallExpr") return [stmt];
  if (redirs.length > 0) return null;
  if (t === "BinaryCmd" && cmd.Op === PIPE) {
    const left = pipelineStages(cmd.X);
    const right = pipelineStages(cmd.Y);
    return left && right ? [...left, ...right] : null;
  }
  return null;
}

/** mvdan-sh's operator code for `|`. */
export const PIPE = 12;
/** mvdan-sh's codes for `<<`, `<<-`, `<<<`. */
const HEREDOC_OPS = new Set([61, 62, 63]);

/** Run simple-command statements in order, feeding each the previous one's output. */
export function staticPipeline(stages: Node[], ctx: WordContext): string | null {
  let input = "";
  for (const stmt of stages) {
    const call = stmt.Cmd;
    for (const r of stmt.Redirs ?? []) {
      const text = describeRedirect(r, ctx).stdinText;
      if (text === null) return null;
      input = text;
    }
    if ((call.Assigns ?? []).length > 0) return null;
    const argv: string[] = [];
    for (const w of call.Args ?? []) {
      for (const a of resolveWord(w, ctx)) {
        if (a.dynamic) return null;
        argv.push(a.value);
      }
    }
    const out = runStatic(argv, input);
    if (out === null || out.length > MAX_OUTPUT) return null;
    input = out;
  }
  return input;
}

function runStatic(argv: string[], stdin: string): string | null {
  const [name, ...args] = argv;
  switch (name) {
    case "echo":
      return echo(args);
    case "printf":
      return args.length > 0 ? printf(args[0]!, args.slice(1)) : null;
    case "cat":
      return args.length === 0 || (args.length === 1 && args[0] === "-") ? stdin : null;
    case "base64":
      return args.length > 0 && args.every((a) => ["-d", "--decode", "-D", "-i", "-di", "-id"].includes(a))
        ? base64Decode(stdin)
        : null;
    case "rev":
      return args.length === 0
        ? stdin.split("\n").map((l) => [...l].reverse().join("")).join("\n")
        : null;
    case "xxd":
      return args.length === 2 && args.includes("-r") && args.includes("-p") ? hexDecode(stdin) : null;
    default:
      return null;
  }
}

function echo(args: string[]): string {
  let newline = true;
  let escapes = false;
  let i = 0;
  for (; i < args.length && /^-[neE]+$/.test(args[i]!); i++) {
    for (const c of args[i]!.slice(1)) {
      if (c === "n") newline = false;
      else escapes = c === "e";
    }
  }
  let text = args.slice(i).join(" ");
  if (escapes) {
    const stop = text.indexOf("\\c");
    if (stop >= 0) return decodeAnsiC(text.slice(0, stop));
    text = decodeAnsiC(text.replace(/\\0([0-7]{1,3})/g, "\\$1"));
  }
  return newline ? text + "\n" : text;
}

/** printf with `%s`, `%b`, `%c`, `%d`, `%%`, reusing the format while arguments remain. */
function printf(format: string, args: string[]): string | null {
  let out = "";
  let next = 0;
  do {
    let used = 0;
    const text = format.replace(/%(-?\d*)([sbcdi%])/g, (_m, _w: string, conv: string) => {
      if (conv === "%") return "%";
      const a = args[next + used++] ?? "";
      if (conv === "b") return decodeAnsiC(a);
      if (conv === "c") return a.slice(0, 1);
      if (conv === "d" || conv === "i") return String(parseInt(a, 10) || 0);
      return a;
    });
    out += decodeAnsiC(text);
    next += used;
    if (used === 0) break;
    if (out.length > MAX_OUTPUT) return null;
  } while (next < args.length);
  return out;
}

function base64Decode(s: string): string | null {
  const clean = s.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return null;
  return Buffer.from(clean, "base64").toString("utf8");
}

function hexDecode(s: string): string | null {
  const clean = s.replace(/\s+/g, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) return null;
  return Buffer.from(clean, "hex").toString("utf8");
}
