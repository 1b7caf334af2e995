/**
 * Stage 5a: mvdan-sh redirections → `{fd, mode, target, op}` (policies/README.md).
 */
import { nodeType, type Node } from "./parse.js";
import type { Redirect } from "./types.js";
import { wordText, type WordContext } from "./words.js";

/** mvdan-sh's RedirOperator codes (syntax/tokens.go order) → operator and default fd. */
const OPS: Record<number, { op: string; fd: number }> = {
  54: { op: ">", fd: 1 },
  55: { op: ">>", fd: 1 },
  56: { op: "<", fd: 0 },
  57: { op: "<>", fd: 0 },
  58: { op: "<&", fd: 0 },
  59: { op: ">&", fd: 1 },
  60: { op: ">|", fd: 1 },
  61: { op: "<<", fd: 0 },
  62: { op: "<<-", fd: 0 },
  63: { op: "<<<", fd: 0 },
  64: { op: "&>", fd: 1 },
  65: { op: "&>>", fd: 1 },
};

/** A redirection, plus its heredoc / here-string text when it feeds stdin statically. */
export interface DescribedRedirect {
  redirect: Redirect;
  /** For `<<`, `<<-`, `<<<`: the text given on stdin, or null when dynamic. */
  stdinText: string | null;
}

export function describeRedirect(r: Node, ctx: WordContext): DescribedRedirect {
  const known = OPS[r.Op as number] ?? { op: `op${String(r.Op)}`, fd: 1 };
  const fd = r.N ? Number.parseInt(String(r.N.Value), 10) : known.fd;
  const word = wordText(r.Word, ctx);
  const out = (mode: Redirect["mode"], target: string): Redirect => ({
    fd: Number.isFinite(fd) ? fd : known.fd,
    mode,
    target,
    op: known.op,
  });
  switch (known.op) {
    case "<<":
    case "<<-": {
      // A quoted delimiter (`<<'EOF'`) makes the body literal; otherwise it expands like "…".
      const quotedDelim = (r.Word?.Parts ?? []).some((p: Node) => nodeType(p) !== "Lit" || String(p.Value).includes("\\"));
      const body = quotedDelim
        ? { value: (r.Hdoc?.Parts ?? []).map((p: Node) => String(p.Value ?? "")).join(""), dynamic: false }
        : wordText(r.Hdoc, ctx, true);
      return { redirect: out("read", body.value), stdinText: body.dynamic ? null : body.value };
    }
    case "<<<":
      return { redirect: out("read", word.value), stdinText: word.dynamic ? null : word.value + "\n" };
    case "<":
      return { redirect: out("read", word.value), stdinText: null };
    case "<>":
      return { redirect: out("readwrite", word.value), stdinText: null };
    case ">>":
    case "&>>":
      return { redirect: out("append", word.value), stdinText: null };
    case "<&":
    case ">&":
      // `2>&1`, `>&-`: duplicate or close a descriptor; `>& file` writes the file.
      return /^(\d+-?|-)$/.test(word.value)
        ? { redirect: out("dup", word.value), stdinText: null }
        : { redirect: out(known.op === "<&" ? "read" : "write", word.value), stdinText: null };
    default:
      return { redirect: out("write", word.value), stdinText: null };
  }
}
