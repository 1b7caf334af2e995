/**
 * The `input.request` document for one MySQL/MariaDB COM_QUERY, COM_STMT_PREPARE or
 * COM_STMT_EXECUTE, as policies see it. Field names and kinds are those of the PostgreSQL
 * front end (`proxy/postgres/statement/types.ts`) where they mean the same; the MySQL-only
 * additions are `into_outfile`, `load_data`, `load_file`, `settings` and `scope`.
 * Everything is plain JSON.
 */

/** `input.request`. */
export interface MysqlRequest {
  /** The SQL exactly as the client sent it. */
  sql: string;
  /** One entry per top-level statement, in order. Empty when the SQL cannot be described. */
  statements: MysqlStatement[];
  /** COM_STMT_EXECUTE parameters (`?` in order), as text or null; empty otherwise. */
  params: unknown[];
  /** Present when the SQL cannot be analysed; the default policy denies such requests. */
  parse_error?: ParseError;
}

export interface ParseError {
  message: string;
  /** 1-based character position in `sql`; 0 when unknown. */
  position: number;
}

/**
 * One statement. Name lists are the union over the statement and everything nested in it
 * (subqueries, INSERT … SELECT sources, EXPLAIN targets, PREPARE bodies), so a policy that
 * only looks at the top level is still safe; `nested` keeps the structure.
 */
export interface MysqlStatement {
  /**
   * select, insert, replace, update, delete, truncate, create_<object>, alter_<object>,
   * drop, rename, grant, revoke, set, show, use, transaction, call, prepare, execute,
   * deallocate, explain, load_data, lock, unlock, and for the rest node-sql-parser's
   * statement type (or `unknown` for a dynamically prepared statement).
   */
  kind: string;
  /**
   * This statement's code as the server runs it: executed comments expanded, other
   * comments blanked, trimmed. For nested statements, the enclosing statement's code
   * (or the PREPARE string's).
   */
  text: string;
  /** create_*, alter_*, drop, grant/revoke: table, view, database, procedure, user, … */
  object_type?: string;
  /**
   * Tables as `db.table` when the database is written or given as the session's, else as
   * written (`table`). Identifiers keep their case (table names are case-sensitive on
   * Linux servers). Tables touched without being written (GRANT targets) count as read.
   */
  tables_read: string[];
  /** Tables whose rows or definition change: DML and DDL targets, LOAD DATA targets. */
  tables_written: string[];
  /**
   * Referenced columns, `table.column` (with `db.` when known) when the qualifier names a
   * table or alias of the statement, or exactly one table is in scope; otherwise as
   * written. `*` is `table.*` for every table in scope.
   */
  columns: string[];
  /** Called functions and procedures, lower-cased, `db.`-qualified only when written so. */
  functions: string[];
  /** Whether the statement itself has a WHERE clause. */
  has_where: boolean;
  /** A constant LIMIT row count (or one given by a bound parameter); null otherwise. */
  limit: number | null;
  nested: MysqlStatement[];
  /** `SELECT … INTO OUTFILE|DUMPFILE 'file'`: the server-side file written. */
  into_outfile?: string;
  /** `LOAD DATA [LOCAL] INFILE`: the file read and whether it comes from the client. */
  load_data?: { file: string; local: boolean };
  /** Whether `LOAD_FILE(…)` is called anywhere in the statement. */
  load_file?: boolean;
  /** transaction: begin, start, commit, rollback, savepoint, release, rollback_to, … */
  transaction_kind?: string;
  /** set: the first setting; show: what is shown; use: the database; prepare/execute/deallocate: the statement name. */
  name?: string | null;
  /** set: the first setting's value as text. */
  value?: string | null;
  /** set: every assignment, `@name` for user variables, with its scope (global, session, persist, …, or null). */
  settings?: { name: string; value: string | null; scope: string | null }[];
  /** A statement a PREPARE makes from a variable, which cannot be known in advance. */
  dynamic_execute?: boolean;
}
