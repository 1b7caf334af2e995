/**
 * Stage 4: SQL → `input.request`. The pre-lexer (lexer.ts) splits the request and expands
 * executable comments as the server would; each statement is then parsed on its own by
 * node-sql-parser (MariaDB or MySQL grammar), classified, and its names collected
 * (collect.ts). PREPARE / EXECUTE / DEALLOCATE, which node-sql-parser does not parse, are
 * read here from the lexed code. Never throws: anything that cannot be described is a
 * `parse_error`, and the request then has no statements (fail closed).
 */
import nodeSqlParser from "node-sql-parser";
import { collectNames, tableName, type Node } from "./collect.js";
import { lexMysql, type LexOptions } from "./lexer.js";
import type { MysqlRequest, MysqlStatement } from "./types.js";

const { Parser } = nodeSqlParser;
const parser = new Parser();

export interface DescribeOptions {
  /** The upstream server's version, MAJOR*10000 + MINOR*100 + PATCH (see `parseServerVersion`). */
  serverVersion: number;
  /** Default `mariadb`. */
  flavor?: "mariadb" | "mysql";
  /** The session's current database, used for unqualified table names. */
  database?: string;
  noBackslashEscapes?: boolean;
  ansiQuotes?: boolean;
}

/** How deep PREPARE strings may nest before we stop and fail closed. */
const MAX_DEPTH = 16;

class Undescribable extends Error {
  constructor(message: string, readonly position: number) {
    super(message);
  }
}

export function describeMysql(sql: string, params: unknown[] = [], options: DescribeOptions): MysqlRequest {
  try {
    const statements = describeText(sql, params, options, 0);
    return { sql, statements, params };
  } catch (e) {
    if (e instanceof Undescribable) return { sql, statements: [], params, parse_error: { message: e.message, position: e.position } };
    return { sql, statements: [], params, parse_error: { message: `cannot describe: ${(e as Error)?.message ?? String(e)}`, position: 0 } };
  }
}

function describeText(sql: string, params: unknown[], options: DescribeOptions, depth: number): MysqlStatement[] {
  if (depth > MAX_DEPTH) throw new Undescribable("statements nested too deeply", 0);
  if (sql.includes("\0")) throw new Undescribable("NUL character in SQL", sql.indexOf("\0") + 1);
  const lexOptions: LexOptions = {
    serverVersion: options.serverVersion,
    flavor: options.flavor ?? "mariadb",
    noBackslashEscapes: options.noBackslashEscapes,
    ansiQuotes: options.ansiQuotes,
  };
  const lexed = lexMysql(sql, lexOptions);
  if (lexed.error) throw new Undescribable(lexed.error.message, lexed.error.position);
  return lexed.statements.map((s) => {
    const placeholders = lexed.placeholders.filter((p) => p < s.start).length;
    return describeStatement(s.code, s.start, params.slice(placeholders), options, depth);
  });
}

function describeStatement(code: string, start: number, params: unknown[], options: DescribeOptions, depth: number): MysqlStatement {
  const special = preparedStatementCommand(code, params, options, depth);
  if (special) return special;
  let ast: Node;
  try {
    const parsed = parser.astify(code, { database: options.flavor === "mysql" ? "MySQL" : "MariaDB" }) as unknown;
    const list = Array.isArray(parsed) ? parsed : [parsed];
    if (list.length !== 1) throw new Error(`expected one statement, found ${list.length}`);
    ast = list[0] as Node;
  } catch (e) {
    const err = e as { message?: string; location?: { start?: { offset?: number } } };
    const offset = err.location?.start?.offset;
    throw new Undescribable(`syntax error: ${err.message ?? String(e)}`, offset === undefined ? start + 1 : start + offset + 1);
  }
  return fromAst(ast, code, params, options);
}

function base(kind: string, text: string): MysqlStatement {
  return { kind, text, tables_read: [], tables_written: [], columns: [], functions: [], has_where: false, limit: null, nested: [] };
}

const value = (v: unknown): string | null => {
  if (typeof v !== "object" || v === null) return v === undefined || v === null ? null : String(v);
  const n = v as Node;
  if (n.type === "var") return `${String(n.prefix ?? "")}${String(n.name)}${(n.members as string[] | undefined)?.map((m) => `.${m}`).join("") ?? ""}`;
  if ("value" in n) return n.value === null ? null : typeof n.value === "object" ? JSON.stringify(n.value) : String(n.value);
  if (n.type === "column_ref") return typeof n.column === "string" ? n.column : null;
  return null;
};

function fromAst(ast: Node, text: string, params: unknown[], options: DescribeOptions): MysqlStatement {
  const type = String(ast.type);
  const names = collectNames(ast, options.database);
  const s = base(kindOf(ast), text);
  s.has_where = ast.where !== null && ast.where !== undefined;
  s.limit = limitOf(ast.limit, text, params);
  if (names.loadFile) s.load_file = true;
  if (names.intoOutfile !== undefined) s.into_outfile = names.intoOutfile;
  const read = names.read;
  const written = names.written;
  const db = options.database;
  const node = (v: unknown): Node => (typeof v === "object" && v !== null ? (v as Node) : {});

  switch (type) {
    case "drop":
    case "truncate":
    case "create":
    case "alter": {
      s.object_type = String(ast.keyword ?? "table").toLowerCase();
      const targets = [ast.name, ast.table, ast.view].flat().filter((t) => t);
      for (const t of targets) {
        const n = node(t);
        const table = typeof n.table === "string" ? n.table : typeof n.view === "string" ? n.view : null;
        if (table) written.add(tableName(n.db, table, db));
      }
      break;
    }
    case "rename":
      for (const pair of (ast.table as unknown[][] | undefined) ?? []) for (const t of pair) written.add(tableName(node(t).db, String(node(t).table), db));
      break;
    case "load_data": {
      const t = node(ast.table);
      if (typeof t.table === "string") written.add(tableName(t.db, t.table, db));
      s.load_data = { file: value(ast.file) ?? "", local: ast.local !== null && ast.local !== undefined };
      break;
    }
    case "lock":
      for (const t of (ast.tables as unknown[] | undefined) ?? []) {
        const n = node(node(t).table);
        if (typeof n.table === "string") read.add(tableName(n.db, n.table, db));
      }
      break;
    case "grant":
    case "revoke": {
      const on = node(ast.on);
      if (on.object_type) s.object_type = String(on.object_type).toLowerCase();
      for (const level of (on.priv_level as unknown[] | undefined) ?? []) {
        const l = node(level);
        read.add(l.prefix ? `${String(l.prefix)}.${String(l.name)}` : String(l.name));
      }
      break;
    }
    case "set": {
      const keyword = typeof ast.keyword === "string" ? ast.keyword.toLowerCase() : null;
      s.settings = ((ast.expr as unknown[] | undefined) ?? []).map((a) => {
        const left = node(node(a).left);
        let name = value(left) ?? "";
        let scope = keyword;
        // `@@global.x` / `@@session.x` carry their scope in the name.
        if (left.prefix === "@@") {
          const members = (left.members as string[] | undefined) ?? [];
          if (members.length > 0 && ["global", "session", "local", "persist", "persist_only"].includes(String(left.name).toLowerCase())) {
            scope = String(left.name).toLowerCase();
            name = members.join(".");
          } else {
            name = [String(left.name), ...members].join(".");
          }
        }
        return { name, value: value(node(a).right), scope };
      });
      s.name = s.settings[0]?.name ?? null;
      s.value = s.settings[0]?.value ?? null;
      break;
    }
    case "show":
      s.name = typeof ast.keyword === "string" ? ast.keyword.toLowerCase() : null;
      break;
    case "use":
      s.name = typeof ast.db === "string" ? ast.db : null;
      break;
    case "transaction": {
      const action = node(node(ast.expr).action);
      s.transaction_kind = String(action.value ?? "").toLowerCase();
      break;
    }
  }
  s.tables_read = [...read].sort();
  s.tables_written = [...written].sort();
  s.columns = [...names.columns].sort();
  s.functions = [...names.functions].sort();
  s.nested = names.nested.map((n) => fromAst(n, text, params, options));
  if (type === "explain" && s.nested.length === 0 && typeof ast.expr === "object" && ast.expr) s.nested = [fromAst(ast.expr as Node, text, params, options)];
  // The union over nested statements, so that the top level is enough for a policy.
  for (const n of s.nested) {
    s.tables_read = union(s.tables_read, n.tables_read);
    s.tables_written = union(s.tables_written, n.tables_written);
    s.columns = union(s.columns, n.columns);
    s.functions = union(s.functions, n.functions);
    if (n.load_file) s.load_file = true;
  }
  return s;
}

const union = (a: string[], b: string[]): string[] => [...new Set([...a, ...b])].sort();

function kindOf(ast: Node): string {
  const type = String(ast.type);
  if (type === "create" || type === "alter") return `${type}_${String(ast.keyword ?? "table").toLowerCase().replace(/\s+/g, "_")}`;
  return type;
}

/** The row count of `LIMIT n`, `LIMIT o, n` or `LIMIT n OFFSET o`, a `?` resolved from params. */
function limitOf(limit: unknown, text: string, params: unknown[]): number | null {
  if (typeof limit !== "object" || limit === null) return null;
  const l = limit as { seperator?: string; value?: { type?: string; value?: unknown }[] };
  const values = l.value ?? [];
  if (values.length === 0) return null;
  const count = l.seperator === "," ? values[1] : values[0];
  if (!count) return null;
  if (count.type === "number" && typeof count.value === "number") return count.value;
  if (count.type === "origin" && count.value === "?") {
    // The placeholder's index: the `?`s before the LIMIT's row-count `?` in the statement.
    const m = /\blimit\s+(\?|\d+)\s*(,\s*\?)?/gi;
    let last: RegExpExecArray | null = null;
    for (let r = m.exec(text); r; r = m.exec(text)) last = r;
    if (!last) return null;
    const at = last[2] ? last.index + last[0].length - 1 : last.index + last[0].indexOf("?");
    const index = [...text.slice(0, at)].filter((ch) => ch === "?").length;
    const v = Number(params[index]);
    return Number.isFinite(v) && params[index] !== null && params[index] !== undefined ? v : null;
  }
  return null;
}

/**
 * `PREPARE name FROM 'sql' | @var`, `EXECUTE name [USING …]`, `{DEALLOCATE | DROP} PREPARE
 * name`, which node-sql-parser does not parse. The code has comments blanked already, so a
 * pattern over it is reliable; a PREPARE string is described as the nested statement.
 */
function preparedStatementCommand(code: string, params: unknown[], options: DescribeOptions, depth: number): MysqlStatement | null {
  const ident = "(`(?:[^`]|``)+`|[A-Za-z0-9_$]+)";
  const unquote = (n: string): string => (n.startsWith("`") ? n.slice(1, -1).replace(/``/g, "`") : n);
  let m = new RegExp(`^prepare\\s+${ident}\\s+from\\s+([\\s\\S]*)$`, "i").exec(code);
  if (m) {
    const s = base("prepare", code);
    s.name = unquote(m[1]!);
    const source = m[2]!.trim();
    const literal = /^(['"])((?:\\[\s\S]|(?!\1)[^\\]|\1\1)*)\1$/.exec(source);
    if (literal && !(options.ansiQuotes && literal[1] === '"')) {
      const body = unescapeString(literal[2]!, literal[1]!, options.noBackslashEscapes ?? false);
      // The server prepares exactly one statement from the string.
      const nested = describeText(body, params, options, depth + 1).map((n) => ({ ...n }));
      s.nested = nested;
      for (const n of nested) {
        s.tables_read = union(s.tables_read, n.tables_read);
        s.tables_written = union(s.tables_written, n.tables_written);
        s.columns = union(s.columns, n.columns);
        s.functions = union(s.functions, n.functions);
        if (n.load_file) s.load_file = true;
        // What the prepared statement will do is flagged on the PREPARE itself too.
        if (n.into_outfile !== undefined) s.into_outfile = n.into_outfile;
        if (n.load_data) s.load_data = n.load_data;
      }
    } else {
      const n = base("unknown", code);
      n.dynamic_execute = true;
      s.nested = [n];
    }
    return s;
  }
  m = new RegExp(`^execute\\s+${ident}(\\s+using\\s+[\\s\\S]*)?$`, "i").exec(code);
  if (m && !/^execute\s+immediate\b/i.test(code)) {
    const s = base("execute", code);
    s.name = unquote(m[1]!);
    return s;
  }
  m = new RegExp(`^(?:deallocate|drop)\\s+prepare\\s+${ident}$`, "i").exec(code);
  if (m) {
    const s = base("deallocate", code);
    s.name = unquote(m[1]!);
    return s;
  }
  return null;
}

/** A MySQL string literal's value: `\` escapes (unless NO_BACKSLASH_ESCAPES) and doubled quotes. */
function unescapeString(body: string, quote: string, noBackslashEscapes: boolean): string {
  const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", "0": "\0", Z: "\x1a" };
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "\\" && !noBackslashEscapes && i + 1 < body.length) {
      const d = body[++i]!;
      // `\%` and `\_` keep their backslash (they matter only to LIKE).
      out += map[d] ?? (d === "%" || d === "_" ? `\\${d}` : d);
    } else if (c === quote && body[i + 1] === quote) {
      out += quote;
      i++;
    } else {
      out += c;
    }
  }
  return out;
}
