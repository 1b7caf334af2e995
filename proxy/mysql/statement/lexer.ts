/**
 * Stage 1 of the statement describer: a pre-lexer that reads SQL the way the MySQL/MariaDB
 * server's own lexer does, before node-sql-parser (which ignores executable comments) sees
 * it. It splits a multi-statement string at top-level `;`, and produces a same-length copy
 * in which every comment is blanked and every executable comment the server would run is
 * turned into plain code (its `/*!NNNNN` and `*\/` markers blanked), so that nothing can hide
 * in a comment. Positions in the copy are positions in the original.
 *
 * Server rules followed (MariaDB's sql_lex.cc, MySQL's differences noted):
 * - `/*!` runs its content; `/*!NNNNN` (5 or 6 digits) runs it when NNNNN ≤ the server
 *   version, except that MariaDB skips MySQL-only versions 50700–99999; `/*M!` and
 *   `/*M!NNNNNN` are MariaDB-only (a plain comment for MySQL).
 * - A skipped versioned comment may contain one level of nested `/* … *\/`; a plain comment
 *   does not nest. An unterminated comment is a syntax error.
 * - `-- ` needs whitespace, a control character or the end after the dashes; `#` runs to
 *   the end of the line (also inside an executable comment, as in the server).
 * - `'…'` and `"…"` strings take `\` escapes (unless NO_BACKSLASH_ESCAPES) and doubled
 *   quotes; backtick identifiers take doubled backticks only. Under ANSI_QUOTES `"` quotes
 *   identifiers, without escapes.
 * Anything the lexer cannot read the way the server would (an unterminated string or
 * comment, an executable comment inside another) is an error, so the request fails closed.
 */

export interface LexOptions {
  /** The server version as MAJOR*10000 + MINOR*100 + PATCH (MariaDB 10.11.19 → 101119). */
  serverVersion: number;
  /** MariaDB honours `/*M!` and skips MySQL-only 50700–99999 versions; MySQL does neither. */
  flavor: "mariadb" | "mysql";
  /** sql_mode NO_BACKSLASH_ESCAPES. */
  noBackslashEscapes?: boolean;
  /** sql_mode ANSI_QUOTES. */
  ansiQuotes?: boolean;
}

/** One top-level statement: its span in the original and the expanded code. */
export interface LexedStatement {
  /** Offset of the first character of the statement (after leading blanks), in the original. */
  start: number;
  end: number;
  /** The statement's code: comments blanked, executed comments expanded, trimmed. */
  code: string;
}

export interface LexResult {
  statements: LexedStatement[];
  /** The whole request with comments blanked and executed comments expanded (same length). */
  code: string;
  /** Offsets of `?` placeholders outside strings and comments, in order (COM_STMT_PREPARE parameters). */
  placeholders: number[];
  error?: { message: string; position: number };
}

/** Parses "10.11.19-MariaDB-…" (or the "5.5.5-" prefixed form) into 101119. */
export function parseServerVersion(version: string): number {
  const m = /^(?:5\.5\.5-)?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return 0;
  return Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]);
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isSpaceOrCtrl = (c: string | undefined): boolean => c === undefined || c <= " " || c === "\x7f";

export function lexMysql(sql: string, options: LexOptions): LexResult {
  const out = sql.split("");
  const blank = (from: number, to: number): void => {
    // Newlines are kept so line numbers in parser messages still match.
    for (let i = from; i < to; i++) if (out[i] !== "\n") out[i] = " ";
  };
  const fail = (message: string, position: number): LexResult => ({ statements: [], code: out.join(""), placeholders, error: { message, position: position + 1 } });
  const bounds: number[] = [];
  const placeholders: number[] = [];
  // Start of the executable comment we are inside, or -1.
  let inExecutable = -1;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === "`") {
      const identifier = c === "`" || (c === '"' && options.ansiQuotes === true);
      const escapes = !identifier && !options.noBackslashEscapes;
      let j = i + 1;
      for (;;) {
        if (j >= n) return fail(`unterminated ${identifier ? "quoted identifier" : "string"}`, i);
        const d = sql[j]!;
        if (escapes && d === "\\") {
          j += 2;
          continue;
        }
        if (d === c) {
          if (sql[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      i = j + 1;
      continue;
    }
    if (c === "#" || (c === "-" && sql[i + 1] === "-" && isSpaceOrCtrl(sql[i + 2]))) {
      let j = sql.indexOf("\n", i);
      if (j < 0) j = n;
      blank(i, j);
      i = j;
      continue;
    }
    if (c === "/" && sql[i + 1] === "*") {
      const mariaMarker = sql[i + 2] === "M" && sql[i + 3] === "!";
      const executable = sql[i + 2] === "!" || (mariaMarker && options.flavor === "mariadb");
      if (!executable) {
        // A plain comment (also `/*M!` for MySQL and optimizer hints `/*+`): no nesting.
        const close = sql.indexOf("*/", i + 2);
        if (close < 0) return fail("unterminated comment", i);
        blank(i, close + 2);
        i = close + 2;
        continue;
      }
      if (inExecutable >= 0) return fail("executable comment inside an executable comment", i);
      let j = i + (mariaMarker ? 4 : 3);
      let digits = 0;
      while (digits < 6 && isDigit(sql[j + digits])) digits++;
      if (digits === 5 || digits === 6) {
        const version = Number(sql.slice(j, j + digits));
        const runs = version <= options.serverVersion && (options.flavor === "mysql" || version < 50700 || version > 99999 || mariaMarker);
        if (!runs) {
          const end = skipVersionedComment(sql, j + digits);
          if (end < 0) return fail("unterminated comment", i);
          blank(i, end);
          i = end;
          continue;
        }
        j += digits;
      }
      // Fewer than five digits are no version: the server runs them as code, as we do.
      blank(i, j);
      inExecutable = i;
      i = j;
      continue;
    }
    if (c === "*" && sql[i + 1] === "/" && inExecutable >= 0) {
      blank(i, i + 2);
      inExecutable = -1;
      i += 2;
      continue;
    }
    if (c === "?") placeholders.push(i);
    if (c === ";") {
      bounds.push(i);
      i++;
      continue;
    }
    i++;
  }
  if (inExecutable >= 0) return fail("unterminated comment", inExecutable);
  const code = out.join("");
  const statements: LexedStatement[] = [];
  let from = 0;
  for (const b of [...bounds, n]) {
    const piece = code.slice(from, b);
    const lead = piece.length - piece.trimStart().length;
    const text = piece.trim();
    // Empty pieces (`;;`, a trailing `;`) are not statements, as in the server.
    if (text !== "") statements.push({ start: from + lead, end: from + lead + text.length, code: text });
    from = b + 1;
  }
  return { statements, code, placeholders };
}

/** Skips a versioned comment the server does not run; one level of nested comment is allowed. Returns the offset after it, or -1. */
function skipVersionedComment(sql: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (depth === 0 && sql[i] === "/" && sql[i + 1] === "*") {
      depth = 1;
      i += 2;
      continue;
    }
    if (sql[i] === "*" && sql[i + 1] === "/") {
      if (depth === 0) return i + 2;
      depth = 0;
      i += 2;
      continue;
    }
    i++;
  }
  return -1;
}
