import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { describeSql, describeSqlSync } from "./describe.js";
import { ensureParser } from "./parser.js";
import type { SqlStatement } from "./types.js";

beforeAll(() => ensureParser());

const one = (sql: string, params?: unknown[], prepared?: Record<string, string>): SqlStatement => {
  const r = describeSqlSync(sql, params, { prepared });
  expect(r.parse_error).toBeUndefined();
  expect(r.statements).toHaveLength(1);
  return r.statements[0]!;
};
const kinds = (sql: string) => describeSqlSync(sql).statements.map((s) => s.kind);

describe("describeSql: tricky inputs from docs/parsers.md", () => {
  it("finds DML nested in CTEs and unions it into the top level", () => {
    const s = one('WITH d AS (DELETE FROM "Foo".Bar b WHERE b.x = 1 RETURNING *) SELECT t.a, u.*, count(*) FROM d JOIN s.t AS t ON true, u LIMIT 5');
    expect(s).toMatchObject({ kind: "select", tables_read: ["s.t", "public.u"], tables_written: ["Foo.bar"], functions: ["count"], limit: 5, has_where: false });
    expect(s.columns).toEqual(["Foo.bar.x", "Foo.bar.*", "s.t.a", "public.u.*"]);
    expect(s.nested).toMatchObject([{ kind: "delete", tables_written: ["Foo.bar"], has_where: true }]);
  });

  it("sees statements inside DO blocks, flags dynamic EXECUTE, and describes literal dynamic SQL", () => {
    const s = one("DO $$ DECLARE n int; BEGIN EXECUTE 'drop table x'; DELETE FROM y WHERE id = n; EXECUTE 'drop table ' || quote_ident('z'); END $$");
    expect(s).toMatchObject({ kind: "do", language: "plpgsql", tables_written: ["public.x", "public.y"] });
    expect(s.nested.map((n) => [n.kind, n.dynamic_execute ?? false, n.text])).toEqual([
      ["drop", true, "drop table x"],
      ["delete", false, "DELETE FROM y WHERE id = n"],
      ["unknown", true, "'drop table ' || quote_ident('z')"],
    ]);
    expect(s.functions).toContain("quote_ident");
  });

  it("reads expressions and loops in PL/pgSQL bodies", () => {
    const s = one(
      "DO $$ DECLARE r record; c int; BEGIN c := (SELECT count(*) FROM secrets); FOR r IN EXECUTE 'SELECT * FROM audit' LOOP END LOOP; PERFORM pg_sleep(1); IF c > 0 THEN UPDATE u SET a = 1; END IF; END $$",
    );
    expect(s.tables_read).toEqual(expect.arrayContaining(["public.secrets", "public.audit"]));
    expect(s.tables_written).toEqual(["public.u"]);
    expect(s.functions).toEqual(expect.arrayContaining(["count", "pg_sleep"]));
    expect(s.nested.find((n) => n.tables_read.includes("public.audit"))?.dynamic_execute).toBe(true);
  });

  it("reports an unanalysable PL/pgSQL body as parse_error (fail closed) and an unknown language as such", () => {
    const r = describeSqlSync("SELECT 1; DO $$ BEGIN RETURN QUERY SELECT 1; END $$");
    expect(r.parse_error).toMatchObject({ message: expect.stringMatching(/PL\/pgSQL body/), position: 11 });
    expect(one("DO LANGUAGE plpython3u $$ import os $$")).toMatchObject({ kind: "do", language: "plpython3u", nested: [] });
  });

  it("describes COPY direction, PROGRAM and file", () => {
    expect(one("COPY t TO PROGRAM 'rm -rf /'")).toMatchObject({ kind: "copy", direction: "to", program: "rm -rf /", tables_read: ["public.t"] });
    expect(one("COPY t (a, b) FROM STDIN")).toMatchObject({ kind: "copy", direction: "from", tables_written: ["public.t"], columns: ["public.t.a", "public.t.b"] });
    expect(one("COPY t FROM '/etc/passwd'")).toMatchObject({ direction: "from", filename: "/etc/passwd" });
    expect(one("COPY (DELETE FROM t RETURNING *) TO STDOUT")).toMatchObject({ kind: "copy", tables_written: ["public.t"], nested: [{ kind: "delete" }] });
  });

  it("describes SET ROLE, SESSION AUTHORIZATION and ALTER SYSTEM", () => {
    expect(one("SET ROLE admin")).toMatchObject({ kind: "set_role", target: "admin", is_local: false });
    expect(one("SET LOCAL ROLE admin")).toMatchObject({ kind: "set_role", is_local: true });
    expect(one("RESET ROLE")).toMatchObject({ kind: "set_role", target: null });
    expect(one("SET ROLE NONE")).toMatchObject({ kind: "set_role", target: null });
    expect(one("SET SESSION AUTHORIZATION bob")).toMatchObject({ kind: "set_session_authorization", target: "bob" });
    expect(one("ALTER SYSTEM SET shared_buffers = '1GB'")).toMatchObject({ kind: "alter_system", name: "shared_buffers", value: "1GB" });
  });

  it("describes EXPLAIN ANALYZE with its statement nested", () => {
    expect(one("EXPLAIN ANALYZE DELETE FROM t")).toMatchObject({ kind: "explain", analyze: true, tables_written: ["public.t"], nested: [{ kind: "delete" }] });
    expect(one("EXPLAIN (ANALYZE false) SELECT 1")).toMatchObject({ kind: "explain", analyze: false });
    expect(one("EXPLAIN DELETE FROM t")).toMatchObject({ analyze: false, nested: [{ kind: "delete" }] });
  });

  it("describes PREPARE/EXECUTE with the prepared body nested", () => {
    expect(one("PREPARE p AS DELETE FROM t WHERE id = $1")).toMatchObject({ kind: "prepare", name: "p", tables_written: ["public.t"], nested: [{ kind: "delete", has_where: true }] });
    expect(one("EXECUTE p(1)")).toMatchObject({ kind: "execute", name: "p", nested: [] });
    expect(one("EXECUTE p(1)", [], { p: "DROP TABLE secrets" })).toMatchObject({ kind: "execute", tables_written: ["public.secrets"], nested: [{ kind: "drop" }] });
    expect(one("DEALLOCATE p")).toMatchObject({ kind: "deallocate", name: "p" });
  });

  it("describes MERGE", () => {
    const s = one("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v)");
    expect(s).toMatchObject({ kind: "merge", tables_read: ["public.s"], tables_written: ["public.t"], has_where: true });
    expect(s.columns).toEqual(expect.arrayContaining(["public.t.id", "public.s.id", "public.t.v", "public.s.v"]));
  });

  it("is not fooled by quoting: dollar quotes, E'' strings, U&\"\" identifiers, nested comments", () => {
    expect(kinds("SELECT $q$ ; DROP TABLE x; $q$")).toEqual(["select"]);
    expect(kinds("SELECT $$ $q$ ; DROP TABLE x; $$")).toEqual(["select"]);
    expect(kinds("SELECT /* a /* nested */ ; DROP TABLE z; */ 1")).toEqual(["select"]);
    // E'\\' is one backslash: the DROP is real. In a standard string '\'' is a quote and the DROP is inside it.
    expect(kinds("SELECT E'\\\\'; DROP TABLE y; --'")).toEqual(["select", "drop"]);
    expect(kinds("SELECT '\\''; DROP TABLE w; --'")).toEqual(["select"]);
    // The DROP hidden after E'\'': in an E'' string \' is an escaped quote, so the string ends there.
    expect(kinds("SELECT E'\\''; DROP TABLE w; --'")).toEqual(["select", "drop"]);
    expect(one('SELECT U&"d\\0061t\\+000061" FROM T').columns).toEqual(["public.t.data"]);
  });

  it("splits multi-statement strings and cuts each statement's own text (multi-byte safe)", () => {
    const r = describeSqlSync("SELECT 'é'; SELECT '\\''; DROP TABLE x; --'\n; SELECT '😀' ;DROP TABLE x");
    expect(r.statements.map((s) => [s.kind, s.text])).toEqual([
      ["select", "SELECT 'é'"],
      ["select", "SELECT '\\''; DROP TABLE x; --'\n"].map((x) => x.trim()),
      ["select", "SELECT '😀'"],
      ["drop", "DROP TABLE x"],
    ]);
  });
});

describe("describeSql: every kind", () => {
  const cases: [string, Partial<SqlStatement>][] = [
    ["SELECT 1", { kind: "select" }],
    ["VALUES (1)", { kind: "select" }],
    ["TABLE t", { kind: "select", tables_read: ["public.t"] }],
    ["INSERT INTO t (a) VALUES (1)", { kind: "insert", tables_written: ["public.t"], columns: ["public.t.a"] }],
    ["UPDATE t SET a = 1", { kind: "update", has_where: false }],
    ["DELETE FROM t WHERE a = 1", { kind: "delete", has_where: true }],
    ["TRUNCATE a, b", { kind: "truncate", tables_written: ["public.a", "public.b"] }],
    ["CREATE TABLE a.b (x int REFERENCES c (id))", { kind: "create_table", object_type: "table", tables_written: ["a.b"], tables_read: ["public.c"] }],
    ["CREATE TABLE n AS SELECT * FROM t", { kind: "create_table", tables_written: ["public.n"], tables_read: ["public.t"] }],
    ["CREATE MATERIALIZED VIEW mv AS SELECT 1", { kind: "create_materialized_view", object_type: "materialized_view" }],
    ["CREATE VIEW v AS SELECT * FROM t", { kind: "create_view", tables_written: ["public.v"] }],
    ["CREATE INDEX i ON t (x)", { kind: "create_index", object_type: "index" }],
    ["CREATE SCHEMA s", { kind: "create_schema", object_type: "schema" }],
    ["CREATE ROLE bob SUPERUSER", { kind: "create_role", object_type: "role" }],
    ["CREATE EXTENSION dblink", { kind: "create_extension", object_type: "extension" }],
    ["CREATE DATABASE d", { kind: "create_database" }],
    ["CREATE SEQUENCE s", { kind: "create_sequence" }],
    ["CREATE TRIGGER tr AFTER INSERT ON t EXECUTE FUNCTION f()", { kind: "create_trigger", tables_written: ["public.t"] }],
    ["CREATE PROCEDURE p() LANGUAGE sql AS 'DELETE FROM t'", { kind: "create_procedure", language: "sql", tables_written: ["public.t"] }],
    ["CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC DELETE FROM t; SELECT 1; END", { kind: "create_function", tables_written: ["public.t"] }],
    ["CREATE FUNCTION g() RETURNS void LANGUAGE plpgsql AS $$ BEGIN UPDATE u SET a = 1; END $$", { kind: "create_function", language: "plpgsql", tables_written: ["public.u"] }],
    ["ALTER TABLE b ADD c int", { kind: "alter_table", object_type: "table", tables_written: ["public.b"] }],
    ["ALTER TABLE t RENAME TO u", { kind: "alter_table", tables_written: ["public.t"] }],
    ["ALTER ROLE bob SUPERUSER", { kind: "alter_role", object_type: "role" }],
    ["ALTER FUNCTION f() OWNER TO x", { kind: "alter_function", object_type: "function" }],
    ["ALTER DATABASE d SET x = 1", { kind: "alter_database" }],
    ["DROP TABLE a, s.b", { kind: "drop", object_type: "table", tables_written: ["public.a", "s.b"] }],
    ["DROP FUNCTION f", { kind: "drop", object_type: "function", tables_written: [] }],
    ["DROP DATABASE d", { kind: "drop", object_type: "database" }],
    ["DROP ROLE bob", { kind: "drop", object_type: "role" }],
    ["GRANT SELECT ON customers TO bob", { kind: "grant", object_type: "table", tables_read: ["public.customers"] }],
    ["REVOKE ALL ON t FROM bob", { kind: "revoke" }],
    ["GRANT admin TO bob", { kind: "grant_role" }],
    ["REVOKE admin FROM bob", { kind: "revoke_role" }],
    ["SET search_path = x, public", { kind: "set", name: "search_path", value: "x, public" }],
    ["RESET work_mem", { kind: "reset", name: "work_mem" }],
    ["RESET ALL", { kind: "reset", name: "all" }],
    ["SHOW work_mem", { kind: "show", name: "work_mem" }],
    ["BEGIN", { kind: "transaction", transaction_kind: "begin" }],
    ["START TRANSACTION", { kind: "transaction", transaction_kind: "start" }],
    ["COMMIT", { kind: "transaction", transaction_kind: "commit" }],
    ["ROLLBACK", { kind: "transaction", transaction_kind: "rollback" }],
    ["SAVEPOINT a", { kind: "transaction", transaction_kind: "savepoint" }],
    ["RELEASE SAVEPOINT a", { kind: "transaction", transaction_kind: "release" }],
    ["ROLLBACK TO a", { kind: "transaction", transaction_kind: "rollback_to" }],
    ["PREPARE TRANSACTION 'x'", { kind: "transaction", transaction_kind: "prepare" }],
    ["CALL s.p(now())", { kind: "call", functions: ["s.p", "now"] }],
    ["VACUUM FULL t", { kind: "vacuum", tables_read: ["public.t"] }],
    ["ANALYZE t", { kind: "analyze", tables_read: ["public.t"] }],
    ["LISTEN c", { kind: "listen", name: "c" }],
    ["UNLISTEN c", { kind: "unlisten", name: "c" }],
    ["NOTIFY c, 'x'", { kind: "notify", name: "c" }],
    ["LOCK TABLE t", { kind: "lock", tables_read: ["public.t"] }],
    ["CHECKPOINT", { kind: "checkpoint" }],
    ["DISCARD ALL", { kind: "discard" }],
    ["LOAD 'x'", { kind: "load" }],
    ["COMMENT ON TABLE t IS 'x'", { kind: "comment", object_type: "table" }],
    ["REFRESH MATERIALIZED VIEW mv", { kind: "refresh_materialized_view", tables_written: ["public.mv"] }],
    ["DECLARE c CURSOR FOR SELECT * FROM t", { kind: "declare_cursor", tables_read: ["public.t"] }],
    ["FETCH 1 FROM c", { kind: "fetch" }],
    ["CLOSE c", { kind: "close_cursor" }],
  ];
  it.each(cases)("%s", (sql, expected) => {
    expect(one(sql)).toMatchObject(expected);
  });
});

describe("describeSql: names, columns, functions, limits", () => {
  it("normalises names as PostgreSQL does and resolves aliases", () => {
    const s = one('SELECT U.Name, "Mixed".x, lower(u.email) FROM Users u JOIN "S"."Mixed" ON true WHERE u.id > 1');
    expect(s.tables_read).toEqual(["public.users", "S.Mixed"]);
    expect(s.columns).toEqual(["public.users.name", "S.Mixed.x", "public.users.email", "public.users.id"]);
    expect(s.functions).toEqual(["lower"]);
  });

  it("puts pg_* relations in pg_catalog and keeps explicit schemas", () => {
    expect(one("SELECT * FROM pg_class, information_schema.tables").tables_read).toEqual(["pg_catalog.pg_class", "information_schema.tables"]);
  });

  it("records * per relation and leaves ambiguous columns unqualified", () => {
    expect(one("SELECT *, x FROM a JOIN b USING (id)").columns).toEqual(["public.a.*", "public.b.*", "x"]);
  });

  it("does not count CTE names as relations, but does count a relation a CTE shadows inside its own body", () => {
    expect(one("WITH t AS (SELECT * FROM t) SELECT * FROM t").tables_read).toEqual(["public.t"]);
    expect(one("WITH RECURSIVE r AS (SELECT 1 UNION SELECT n + 1 FROM r) SELECT * FROM r").tables_read).toEqual([]);
    expect(one("WITH a AS (SELECT 1) SELECT * FROM a, s.a").tables_read).toEqual(["s.a"]);
  });

  it("collects reads in subqueries, writes by SELECT INTO, and schema-qualified function calls", () => {
    expect(one("SELECT a FROM x WHERE y IN (SELECT b FROM z)").tables_read).toEqual(["public.x", "public.z"]);
    expect(one("SELECT * INTO n FROM t")).toMatchObject({ tables_written: ["public.n"], tables_read: ["public.t"] });
    expect(one("SELECT pg_catalog.pg_read_file('/etc/passwd'), public.f(1)").functions).toEqual(["pg_catalog.pg_read_file", "public.f"]);
  });

  it("reads limits from constants and bound parameters", () => {
    expect(one("SELECT * FROM t LIMIT 10").limit).toBe(10);
    expect(one("SELECT * FROM t FETCH FIRST 3 ROWS ONLY").limit).toBe(3);
    expect(one("SELECT * FROM t LIMIT $1", ["7"]).limit).toBe(7);
    expect(one("SELECT * FROM t LIMIT ALL").limit).toBeNull();
    expect(one("SELECT * FROM t").limit).toBeNull();
  });

  it("passes params through, decoding bytes as text", async () => {
    const r = await describeSql("SELECT $1, $2", [Buffer.from("héllo"), null]);
    expect(r.params).toEqual(["héllo", null]);
  });
});

describe("describeSql: errors", () => {
  it("returns parse_error with a 1-based character position for unparseable SQL", async () => {
    expect(await describeSql("SELECT 'é' FRM t", [1])).toEqual({
      sql: "SELECT 'é' FRM t",
      statements: [],
      params: [1],
      parse_error: { message: 'syntax error at or near "t"', position: 16 },
    });
  });

  it("refuses NUL characters, which the C parser would silently stop at", () => {
    expect(describeSqlSync("SELECT 1\0; DROP TABLE x")).toMatchObject({ statements: [], parse_error: { message: expect.stringMatching(/NUL/), position: 9 } });
  });

  it("treats empty and comment-only SQL as no statements, without error", () => {
    expect(describeSqlSync("")).toEqual({ sql: "", statements: [], params: [] });
    expect(describeSqlSync("  -- nothing\n /* here */ ")).toEqual({ sql: "  -- nothing\n /* here */ ", statements: [], params: [] });
  });

  it("never throws on arbitrary strings: statements or parse_error", () => {
    const sqlish = fc.array(
      fc.constantFrom("SELECT", "DELETE", "FROM", "t", "WHERE", "(", ")", ";", "'", "$$", "E'\\'", "/*", "*/", "--", "\n", "DO", "$1", ",", "WITH", "AS", "x", '"', "U&"),
      { maxLength: 20 },
    ).map((parts) => parts.join(" "));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 60 }), sqlish), (sql) => {
        const r = describeSqlSync(sql);
        expect(r.sql).toBe(sql);
        expect(Array.isArray(r.statements)).toBe(true);
        if (r.parse_error) expect(typeof r.parse_error.message).toBe("string");
        for (const s of r.statements) expect(typeof s.kind).toBe("string");
        // Everything is plain JSON, ready for the policy engine.
        expect(JSON.parse(JSON.stringify(r))).toEqual(r);
      }),
      { numRuns: 1500 },
    );
  });

  it("fails closed on very deep nesting instead of overflowing", () => {
    const deep = `SELECT ${"(".repeat(5000)}1${")".repeat(5000)}`;
    const r = describeSqlSync(deep);
    expect(r.statements.length > 0 || r.parse_error !== undefined).toBe(true);
  });
});
