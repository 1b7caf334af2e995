/**
 * The describer's entry point: SQL text (+ Bind parameters) → the `input.request`
 * document. It runs the stages in order (parse, classify, collect, bodies) and never
 * throws: anything it cannot analyse becomes `parse_error`, which the default policy denies.
 */
import { plpgsqlStatements, type BodyEnv } from "./bodies.js";
import { classify } from "./classify.js";
import { adopt, collect } from "./collect.js";
import { fieldsOf, nameParts, nodeOf, str } from "./names.js";
import { ensureParser, parseStatements, type Node } from "./parser.js";
import type { ParseError, SqlRequest, SqlStatement } from "./types.js";

export interface DescribeOptions {
  /**
   * Statements prepared earlier in the session (SQL `PREPARE` or protocol-level Parse),
   * by name, so that `EXECUTE name` carries the prepared body as a nested statement.
   */
  prepared?: Readonly<Record<string, string>>;
}

/** How deep statements may hide inside each other (DO inside EXECUTE inside DO …). */
const MAX_DEPTH = 16;

/** Describes `sql`; loads the parser on first use. */
export async function describeSql(sql: string, params: unknown[] = [], options: DescribeOptions = {}): Promise<SqlRequest> {
  await ensureParser();
  return describeSqlSync(sql, params, options);
}

/** As `describeSql`, once `ensureParser()` has resolved (the gateway's hot path). */
export function describeSqlSync(sql: string, params: unknown[] = [], options: DescribeOptions = {}): SqlRequest {
  const request: SqlRequest = { sql, statements: [], params: params.map(jsonParam) };
  try {
    const parsed = parseStatements(sql);
    if (!parsed.ok) return { ...request, parse_error: parsed.error };
    const d = new Describer(request.params, options);
    request.statements = parsed.statements.map((s) => d.statement(s.stmt, s.text));
    if (d.errors.length > 0) {
      const first = d.errors[0]!;
      const at = sql.indexOf(first.text);
      request.parse_error = { message: first.message, position: at >= 0 ? [...sql.slice(0, at)].length + 1 : 0 };
    }
    return request;
  } catch (e) {
    // A parse tree deep enough to exhaust the stack, or a shape we did not expect: fail closed.
    return { ...request, statements: [], parse_error: { message: `cannot analyse the statement: ${e instanceof Error ? e.message : String(e)}`, position: 0 } };
  }
}

/** Bind parameters arrive as bytes; policies see text (binary-format values should be decoded by the caller). */
function jsonParam(p: unknown): unknown {
  if (p instanceof Uint8Array) return new TextDecoder().decode(p);
  if (typeof p === "bigint") return p.toString();
  return p;
}

class Describer {
  readonly errors: { message: string; text: string }[] = [];
  private depth = 0;

  constructor(private readonly params: unknown[], private readonly options: DescribeOptions) {}

  statement(stmt: Node, text: string): SqlStatement {
    if (this.depth >= MAX_DEPTH) {
      this.errors.push({ message: `statements nested more than ${MAX_DEPTH} deep`, text });
      return { kind: "unknown", text, tables_read: [], tables_written: [], columns: [], functions: [], has_where: false, limit: null, nested: [] };
    }
    this.depth++;
    try {
      return this.describe(stmt, text);
    } finally {
      this.depth--;
    }
  }

  private describe(stmt: Node, text: string): SqlStatement {
    const { kind, ...extra } = classify(stmt);
    const facts = collect(stmt, (n) => this.statement(n, text));
    const [type, f] = nodeOf(stmt) ?? ["", {} as Node];
    const env: BodyEnv = {
      describeText: (sql) => {
        const parsed = parseStatements(sql);
        if (!parsed.ok) return { statements: [], error: parsed.error.message };
        return { statements: parsed.statements.map((s) => this.statement(s.stmt, s.text)) };
      },
      fail: (message) => void this.errors.push({ message, text }),
    };
    if (type === "DoStmt" || type === "CreateFunctionStmt") {
      const { language, body } = codeOf(f);
      extra.language = language;
      if (language === "plpgsql") for (const s of plpgsqlStatements(text, env)) adopt(facts, s);
      else if (language === "sql" && body !== undefined) {
        const r = env.describeText(body);
        if (r.error !== undefined) env.fail(`cannot analyse the SQL function body: ${r.error}`);
        for (const s of r.statements) adopt(facts, s);
      }
    }
    if (type === "ExecuteStmt") {
      const body = this.options.prepared?.[str(f.name) ?? ""];
      if (body !== undefined) for (const s of env.describeText(body).statements) adopt(facts, s);
    }
    return {
      kind,
      text,
      ...extra,
      tables_read: [...facts.reads],
      tables_written: [...facts.writes],
      columns: [...facts.columns],
      functions: [...facts.functions],
      has_where: type === "MergeStmt" || f.whereClause !== undefined,
      limit: this.limitOf(f),
      nested: facts.nested,
    };
  }

  private limitOf(f: Node): number | null {
    const count = f.limitCount;
    if (count === undefined) return null;
    const c = fieldsOf(count, "A_Const");
    if (c) {
      if (c.isnull === true) return null;
      const ival = c.ival as Node | undefined;
      if (ival && typeof ival === "object") return typeof ival.ival === "number" ? ival.ival : 0;
      const fval = Number(str((c.fval as Node | undefined)?.fval));
      return Number.isFinite(fval) ? fval : null;
    }
    const p = fieldsOf(count, "ParamRef");
    if (p && typeof p.number === "number") {
      const v = Number(this.params[p.number - 1]);
      return this.params[p.number - 1] !== null && Number.isFinite(v) ? v : null;
    }
    return null;
  }
}

/** The language and (for SQL functions) the body text of a DO or CREATE FUNCTION. */
function codeOf(f: Node): { language: string; body: string | undefined } {
  let language = "plpgsql";
  let body: string | undefined;
  for (const o of [...(Array.isArray(f.args) ? f.args : []), ...(Array.isArray(f.options) ? f.options : [])]) {
    const d = fieldsOf(o, "DefElem");
    if (!d) continue;
    if (d.defname === "language") language = (str(fieldsOf(d.arg, "String")?.sval) ?? language).toLowerCase();
    if (d.defname === "as") body = str(fieldsOf(d.arg, "String")?.sval) ?? nameParts(fieldsOf(d.arg, "List")?.items)[0];
  }
  // BEGIN ATOMIC bodies (sql_body) are parse trees already; collect() walked them.
  return { language, body };
}
