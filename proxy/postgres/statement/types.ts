/**
 * The `input.request` document for one PostgreSQL Query or Parse/Bind, as policies see it.
 * Everything here is plain JSON, so it can be handed to the policy engine as is.
 */

/** `input.request`. */
export interface SqlRequest {
  /** The SQL exactly as the client sent it. */
  sql: string;
  /** One entry per top-level statement, in order. Empty when the SQL does not parse. */
  statements: SqlStatement[];
  /** Bind parameters ($1 is params[0]); byte values are decoded as UTF-8 text. */
  params: unknown[];
  /**
   * Present when the SQL (or a DO block / function body inside it) cannot be analysed.
   * The default policy denies such requests: what cannot be described cannot be decided.
   */
  parse_error?: ParseError;
}

export interface ParseError {
  message: string;
  /** 1-based character position in `sql`, as PostgreSQL reports it; 0 when unknown. */
  position: number;
}

/**
 * One statement. The name lists are the union over the statement and everything nested in
 * it (CTEs, subqueries, EXPLAIN ANALYZE targets, PREPARE bodies, DO blocks, function
 * bodies), so a policy that only looks at the top level is still safe; `nested` keeps the
 * structure for policies that want it.
 */
export interface SqlStatement {
  /**
   * select, insert, update, delete, merge, truncate, create_<object>, alter_<object>, drop,
   * grant, revoke, grant_role, revoke_role, copy, set, reset, show, transaction, call, do,
   * explain, prepare, execute, deallocate, vacuum, analyze, listen, unlisten, notify, lock,
   * alter_system, set_role, set_session_authorization, and for the rest the statement node
   * name in snake case (checkpoint, discard, load, cluster, reindex, comment, …).
   */
  kind: string;
  /** This statement's own SQL, cut from the request by the parser's statement location. */
  text: string;
  /** For create_*, alter_*, drop, grant/revoke, comment: table, view, function, role, … */
  object_type?: string;
  /**
   * Relations, schema-qualified as PostgreSQL normalises names: unquoted identifiers are
   * lower-cased by the parser, quoted ones kept. An unqualified name is recorded in
   * `public` (or `pg_catalog` when it starts with `pg_`, which PostgreSQL searches first);
   * the gateway does not know the session's search_path. CTE names are not relations.
   * Every relation a statement touches without writing it (including LOCK, VACUUM and
   * GRANT targets) counts as read.
   */
  tables_read: string[];
  /** Relations whose rows or definition change: DML targets, COPY FROM, SELECT INTO, DDL targets. */
  tables_written: string[];
  /**
   * Referenced columns, `schema.table.column` when the statement alone determines the
   * table (aliases resolved, a single relation in scope), otherwise as written; `*` is
   * recorded as `schema.table.*` for every relation it expands to.
   */
  columns: string[];
  /** Called functions and procedures, lower-cased, schema-qualified only when written so. */
  functions: string[];
  /** Whether the statement itself (not a nested one) has a WHERE clause (MERGE: its join condition). */
  has_where: boolean;
  /** A constant LIMIT / FETCH FIRST (or one given by a bound parameter); null otherwise. */
  limit: number | null;
  nested: SqlStatement[];
  /** transaction: begin, start, commit, rollback, savepoint, release, rollback_to, prepare, commit_prepared, rollback_prepared. */
  transaction_kind?: string;
  /** copy: `to` (server → client or file) or `from`. */
  direction?: "to" | "from";
  /** copy: the shell command of `PROGRAM '…'`. */
  program?: string;
  /** copy: the server-side file name, when not STDIN/STDOUT/PROGRAM. */
  filename?: string;
  /** set_role / set_session_authorization: the target, null for RESET / NONE / DEFAULT. */
  target?: string | null;
  /** set, reset, show, alter_system: the setting; prepare, execute, deallocate: the statement name; listen/notify: the channel. */
  name?: string | null;
  /** set, alter_system: the value as text. */
  value?: string | null;
  /** set / set_role: `SET LOCAL`. */
  is_local?: boolean;
  /** explain: whether ANALYZE runs the statement. */
  analyze?: boolean;
  /** do, create_function: the body's language. */
  language?: string;
  /** A statement run by a PL/pgSQL `EXECUTE` (or `RETURN QUERY EXECUTE`, `OPEN … FOR EXECUTE`) of a string. */
  dynamic_execute?: boolean;
}
