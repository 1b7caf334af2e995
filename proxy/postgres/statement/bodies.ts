/**
 * Stage 4 of the describer: statements hidden inside code, i.e. the PL/pgSQL of DO blocks and
 * function bodies (through PostgreSQL's own PL/pgSQL compiler, `parsePlPgSQLSync`).
 *
 * Every SQL statement and expression the compiler found is described in turn. `EXECUTE`
 * of a string (and `RETURN QUERY EXECUTE`, `OPEN … FOR EXECUTE`, `FOR … IN EXECUTE`) is
 * flagged `dynamic_execute`: when the string is a literal we describe the SQL inside it;
 * otherwise its text is unknowable before run time and the statement's kind is `unknown`.
 */
import { fieldsOf, nodeOf, str } from "./names.js";
import { parsePlpgsql, parseStatements, type Node } from "./parser.js";
import type { SqlStatement } from "./types.js";

/** What the describer lends this stage. */
export interface BodyEnv {
  /** Describes SQL text; `error` when it does not parse. */
  describeText(sql: string): { statements: SqlStatement[]; error?: string };
  /** Records that something could not be analysed (the request then carries parse_error). */
  fail(message: string): void;
}

// libpg-query's RawParseMode values that PL/pgSQL uses for expressions and assignments.
const RAW_PARSE_DEFAULT = 0;
const RAW_PARSE_PLPGSQL_ASSIGN1 = 3;
const RAW_PARSE_PLPGSQL_ASSIGN3 = 5;

/** Statements in the PL/pgSQL functions of a DO or CREATE FUNCTION statement's text. */
export function plpgsqlStatements(statementText: string, env: BodyEnv): SqlStatement[] {
  const parsed = parsePlpgsql(statementText);
  if (!parsed.ok) {
    env.fail(`cannot analyse the PL/pgSQL body: ${parsed.message}`);
    return [];
  }
  const out: SqlStatement[] = [];
  walk(parsed.functions, false, env, out);
  return out;
}

function walk(n: unknown, dynamic: boolean, env: BodyEnv, out: SqlStatement[]): void {
  if (Array.isArray(n)) {
    for (const x of n) walk(x, dynamic, env, out);
    return;
  }
  if (n === null || typeof n !== "object") return;
  const node = nodeOf(n);
  if (node?.[0] === "PLpgSQL_expr") return expression(node[1], dynamic, env, out);
  const type = node?.[0];
  const fields = node ? node[1] : (n as Node);
  for (const [k, v] of Object.entries(fields)) {
    const isDynamic = k === "dynquery" || (k === "query" && (type === "PLpgSQL_stmt_dynexecute" || type === "PLpgSQL_stmt_dynfors"));
    walk(v, isDynamic, env, out);
  }
}

function expression(expr: Node, dynamic: boolean, env: BodyEnv, out: SqlStatement[]): void {
  const query = str(expr.query) ?? "";
  const mode = typeof expr.parseMode === "number" ? expr.parseMode : RAW_PARSE_DEFAULT;
  if (!dynamic && mode === RAW_PARSE_DEFAULT) return describeInto(query, env, out, false);
  // `target := value`: only the value is SQL.
  const value = mode >= RAW_PARSE_PLPGSQL_ASSIGN1 && mode <= RAW_PARSE_PLPGSQL_ASSIGN3 ? query.replace(/^\s*(?:"[^"]*"|[^:="'])*?:?=/, "") : query;
  const asSelect = env.describeText(`SELECT ${value}`);
  if (asSelect.error !== undefined) return env.fail(`cannot analyse PL/pgSQL expression ${JSON.stringify(value)}: ${asSelect.error}`);
  const s = asSelect.statements[0];
  if (!s) return;
  if (!dynamic) {
    // Plain expressions only matter when they read tables or call functions.
    if (s.tables_read.length + s.tables_written.length + s.functions.length + s.nested.length > 0) out.push({ ...s, text: value.trim() });
    return;
  }
  const literal = stringLiteral(value);
  if (literal !== undefined) return describeInto(literal, env, out, true);
  out.push({ ...s, kind: "unknown", text: value.trim(), dynamic_execute: true });
}

/** The string value of an expression that is a single string constant (E'', $$…$$, U&'' all count). */
function stringLiteral(value: string): string | undefined {
  // Ask the parser rather than unquote by hand, so that escapes mean what PostgreSQL says.
  const parsed = parseStatements(`SELECT ${value}`);
  if (!parsed.ok || parsed.statements.length !== 1) return undefined;
  const sel = fieldsOf(parsed.statements[0]!.stmt, "SelectStmt");
  const targets = Array.isArray(sel?.targetList) ? sel.targetList : [];
  if (targets.length !== 1 || sel?.fromClause !== undefined) return undefined;
  const c = fieldsOf(fieldsOf(targets[0], "ResTarget")?.val, "A_Const");
  return str((c?.sval as Node | undefined)?.sval);
}

function describeInto(sql: string, env: BodyEnv, out: SqlStatement[], dynamic: boolean): void {
  const r = env.describeText(sql);
  if (r.error !== undefined) return env.fail(`cannot analyse ${dynamic ? "dynamic SQL" : "SQL in a PL/pgSQL body"} ${JSON.stringify(sql)}: ${r.error}`);
  for (const s of r.statements) out.push(dynamic ? { ...s, dynamic_execute: true } : s);
}
