/**
 * Stage 1: text → mvdan-sh syntax tree (bash dialect), or a parse error as a value.
 *
 * mvdan-sh is Go compiled by GopherJS: nodes are Go structs, errors are thrown Go values
 * (sometimes runtime panics). Everything that can throw is caught here, so later stages
 * only ever see a tree.
 */
import sh from "mvdan-sh";

const { syntax } = sh;

/** A node of the tree; fields are read by name, discriminated with `nodeType`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Node = any;

/** A parsed script: its statements plus the source bytes, for slicing a node's text. */
export interface Script {
  stmts: Node[];
  /** UTF-8 bytes of the source: mvdan-sh positions are byte offsets. */
  bytes: Buffer;
}

export type ParseResult = { ok: true; script: Script } | { ok: false; error: string };

export function nodeType(node: Node): string {
  return node == null ? "" : syntax.NodeType(node);
}

/** Visit `node`'s children depth first; `visit` returns false to skip a node's children. */
export function walk(node: Node, visit: (n: Node) => boolean): void {
  syntax.Walk(node, (n: unknown) => (n == null ? true : visit(n)));
}

/** The source text of `node`, as written. */
export function sourceOf(script: Script, node: Node): string {
  try {
    return script.bytes.subarray(node.Pos().Offset(), node.End().Offset()).toString("utf8");
  } catch {
    return "";
  }
}

export function parseScript(src: string): ParseResult {
  try {
    const parser = syntax.NewParser(syntax.Variant(syntax.LangBash));
    const file = parser.Parse(src, "") as Node;
    const stmts: Node[] = [];
    for (const s of file.Stmts ?? []) stmts.push(s);
    return { ok: true, script: { stmts, bytes: Buffer.from(src, "utf8") } };
  } catch (e) {
    return { ok: false, error: errorText(e) };
  }
}

function errorText(e: unknown): string {
  const err = e as { Error?: () => string; message?: string } | null;
  try {
    if (err && typeof err.Error === "function") return err.Error().replace(/^:/, "");
  } catch {
    // fall through: a Go value whose Error() itself panics
  }
  if (err && typeof err.message === "string") return err.message;
  return "the command could not be parsed";
}
