/**
 * Stage 1 of the describer: SQL text → raw statements from libpg-query (PostgreSQL's own
 * parser compiled to Wasm), with each statement's own text cut out.
 *
 * libpg-query reports locations as UTF-8 byte offsets; JavaScript strings index UTF-16
 * code units, so offsets are mapped before slicing. Its failures are exceptions; here
 * they become values.
 */
import { loadModule, parsePlPgSQLSync, parseSync } from "libpg-query";
import type { ParseError } from "./types.js";

/** A parse-tree node as libpg-query emits it: `{ NodeType: { …fields } }`. */
export type Node = Record<string, unknown>;

export interface RawStatement {
  /** The statement node, e.g. `{ SelectStmt: {...} }`. */
  stmt: Node;
  text: string;
}

let loaded: Promise<void> | undefined;

/** Loads the Wasm parser once per process. */
export function ensureParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/** Maps UTF-8 byte offsets of `s` to UTF-16 indexes. */
function byteToIndex(s: string): (byte: number) => number {
  const starts: number[] = [];
  let byte = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const isPair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    starts.push(byte);
    if (isPair) {
      starts.push(byte); // never a statement boundary: the low half shares its pair's start
      byte += 4;
      i++;
    } else byte += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
  }
  starts.push(byte);
  return (b) => {
    // Binary search for the first index whose byte start is >= b.
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < b) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** 1-based code-point position, as PostgreSQL's ErrorResponse reports it. */
function position(s: string, index: number): number {
  return [...s.slice(0, index)].length + 1;
}

function errorOf(e: unknown, sql: string): ParseError {
  const details = (e as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
  const message = details?.message ?? (e instanceof Error ? e.message : String(e));
  const cursor = details?.cursorPosition;
  // PostgreSQL counts the cursor in characters (not bytes); libpg-query makes it 0-based.
  return { message, position: typeof cursor === "number" && cursor >= 0 ? Math.min(cursor + 1, [...sql].length + 1) : 0 };
}

export type ParseResult = { ok: true; statements: RawStatement[] } | { ok: false; error: ParseError };

/** Parses a whole request. Call `ensureParser()` first. */
export function parseStatements(sql: string): ParseResult {
  const nul = sql.indexOf("\0");
  // The C parser would silently stop at a NUL, hiding whatever follows it.
  if (nul >= 0) return { ok: false, error: { message: "SQL contains a NUL character", position: position(sql, nul) } };
  if (sql.trim() === "") return { ok: true, statements: [] };
  let tree: { stmts?: { stmt?: Node; stmt_location?: number; stmt_len?: number }[] };
  try {
    tree = parseSync(sql) as unknown as typeof tree;
  } catch (e) {
    return { ok: false, error: errorOf(e, sql) };
  }
  const toIndex = byteToIndex(sql);
  const statements: RawStatement[] = [];
  for (const s of tree.stmts ?? []) {
    if (!s.stmt) continue;
    const from = s.stmt_location ?? 0;
    // stmt_len 0 means "to the end of the string".
    const to = s.stmt_len ? from + s.stmt_len : Number.MAX_SAFE_INTEGER;
    statements.push({ stmt: s.stmt, text: sql.slice(toIndex(from), toIndex(to)).trim() });
  }
  return { ok: true, statements };
}

/** The PL/pgSQL functions in a DO or CREATE FUNCTION statement, or the compiler's error. */
export function parsePlpgsql(text: string): { ok: true; functions: Node[] } | { ok: false; message: string } {
  try {
    const result = parsePlPgSQLSync(text) as unknown as { plpgsql_funcs?: Node[] };
    return { ok: true, functions: result.plpgsql_funcs ?? [] };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}
