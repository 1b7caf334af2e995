import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeMysql, type DescribeOptions } from "./describe.js";
import { lexMysql, parseServerVersion } from "./lexer.js";

const MARIADB: DescribeOptions = { serverVersion: parseServerVersion("10.11.19-MariaDB-0+deb12u1") };
const d = (sql: string, params: unknown[] = [], options: Partial<DescribeOptions> = {}) => describeMysql(sql, params, { ...MARIADB, ...options });
const kinds = (sql: string, options: Partial<DescribeOptions> = {}) => d(sql, [], options).statements.map((s) => s.kind);

describe("pre-lexer", () => {
  it("reads the server version, with or without MariaDB's 5.5.5- prefix", () => {
    expect(parseServerVersion("10.11.19-MariaDB-0+deb12u1")).toBe(101119);
    expect(parseServerVersion("5.5.5-10.11.19-MariaDB")).toBe(101119);
    expect(parseServerVersion("8.0.36")).toBe(80036);
  });

  it("keeps positions: the expanded code has the original's length", () => {
    const sql = "SELECT 1 /*!40101 , 2 */ -- x\n# y\n/* z */;SELECT 3";
    const r = lexMysql(sql, { serverVersion: 101119, flavor: "mariadb" });
    expect(r.code.length).toBe(sql.length);
    expect(r.statements.map((s) => s.code.replace(/\s+/g, " "))).toEqual(["SELECT 1 , 2", "SELECT 3"]);
    expect(sql.slice(r.statements[1]!.start, r.statements[1]!.end)).toBe("SELECT 3");
  });

  it("does not split at a ; inside strings, backticks or comments", () => {
    const r = lexMysql("SELECT 'a;b', \"c;d\", `e;f`, 'it''s;', 'x\\';y' /* ; */ # ;\n-- ;\n", { serverVersion: 101119, flavor: "mariadb" });
    expect(r.error).toBeUndefined();
    expect(r.statements).toHaveLength(1);
  });

  it("treats -- without a following space as an operator, not a comment", () => {
    expect(d("SELECT 1--1").statements[0]!.kind).toBe("select");
    expect(d("SELECT 1 --1; DROP TABLE x").statements.map((s) => s.kind)).toEqual(["select", "drop"]);
    expect(d("SELECT 1 -- ; DROP TABLE x").statements.map((s) => s.kind)).toEqual(["select"]);
  });

  it("fails closed on unterminated strings and comments", () => {
    expect(d("SELECT 'abc").parse_error?.message).toMatch(/unterminated string/);
    expect(d("SELECT 1 /* never closed").parse_error).toMatchObject({ message: expect.stringMatching(/unterminated comment/), position: 10 });
    expect(d("SELECT 1 /*! , 2").parse_error?.message).toMatch(/unterminated comment/);
    expect(d("SELECT `x").parse_error?.message).toMatch(/unterminated quoted identifier/);
  });

  it("honours NO_BACKSLASH_ESCAPES and ANSI_QUOTES", () => {
    // Without backslash escapes, 'a\' ends at the second quote and DROP is code. (node-sql-parser
    // always reads backslash escapes, so describing such SQL fails closed rather than hiding the DROP.)
    const lexed = lexMysql("SELECT 'a\\'; DROP TABLE x; SELECT '1'", { serverVersion: 101119, flavor: "mariadb", noBackslashEscapes: true });
    expect(lexed.statements.map((s) => s.code)).toEqual(["SELECT 'a\\'", "DROP TABLE x", "SELECT '1'"]);
    const described = d("SELECT 'a\\'; DROP TABLE x; SELECT '1'", [], { noBackslashEscapes: true });
    expect(described.parse_error !== undefined || described.statements.some((s) => s.kind === "drop")).toBe(true);
    // With escapes, the string runs on to the next quote and the last one is unterminated.
    expect(d("SELECT 'a\\'; DROP TABLE x; SELECT '1'").parse_error?.message).toMatch(/unterminated string/);
    expect(kinds("SELECT 'a\\'; DROP TABLE x; SELECT 1'")).toEqual(["select"]);
    expect(lexMysql('SELECT "a\\"; SELECT 1', { serverVersion: 101119, flavor: "mariadb", ansiQuotes: true }).statements).toHaveLength(2);
  });
});

describe("executable comments (measured cases from parsers.md)", () => {
  it("SELECT 1 /*! ; DROP TABLE x */ is two statements, one a drop", () => {
    const r = d("SELECT 1 /*! ; DROP TABLE x */");
    expect(r.parse_error).toBeUndefined();
    expect(r.statements.map((s) => s.kind)).toEqual(["select", "drop"]);
    expect(r.statements[1]).toMatchObject({ object_type: "table", tables_written: ["x"] });
  });

  it("/*!40101 DROP TABLE x */ is a drop", () => {
    expect(d("/*!40101 DROP TABLE x */").statements).toMatchObject([{ kind: "drop", tables_written: ["x"] }]);
  });

  it("/*!50000 , SLEEP(5) */ makes the SLEEP call visible", () => {
    const r = d("SELECT 1 /*!50000 , SLEEP(5) */");
    expect(r.statements[0]!.functions).toEqual(["sleep"]);
  });

  it("versions above the server's stay comments", () => {
    expect(d("SELECT 1 /*!110000 , SLEEP(5) */").statements[0]!.functions).toEqual([]);
    expect(d("SELECT 1 /*!999999 ; DROP TABLE x */").statements.map((s) => s.kind)).toEqual(["select"]);
    // MariaDB skips MySQL-only versions 50700–99999; MySQL 8 runs them.
    expect(kinds("SELECT 1 /*!80000 ; DROP TABLE x */")).toEqual(["select"]);
    expect(kinds("SELECT 1 /*!80000 ; DROP TABLE x */", { flavor: "mysql", serverVersion: 80036 })).toEqual(["select", "drop"]);
  });

  it("/*M! is MariaDB-only, with or without a version", () => {
    expect(kinds("SELECT 1 /*M! ; DROP TABLE x */")).toEqual(["select", "drop"]);
    expect(kinds("SELECT 1 /*M!100500 ; DROP TABLE x */")).toEqual(["select", "drop"]);
    expect(kinds("SELECT 1 /*M!80000 ; DROP TABLE x */")).toEqual(["select", "drop"]);
    expect(kinds("SELECT 1 /*M! ; DROP TABLE x */", { flavor: "mysql", serverVersion: 80036 })).toEqual(["select"]);
  });

  it("a skipped versioned comment may nest one plain comment; a plain comment does not nest", () => {
    expect(kinds("SELECT 1 /*!999999 a /* b */ c */; DROP TABLE y")).toEqual(["select", "drop"]);
    // The plain comment ends at the first */, so `; DROP TABLE y` after it is code.
    expect(d("SELECT 1 /* a /* b */ ; DROP TABLE y").statements.map((s) => s.kind)).toEqual(["select", "drop"]);
  });

  it("a quoted */ does not end an executable comment", () => {
    const r = d("SELECT 1 /*! , '*/' ; DROP TABLE x */");
    expect(r.statements.map((s) => s.kind)).toEqual(["select", "drop"]);
  });

  it("nothing hides in a # comment inside an executable comment (the server reads to end of line too)", () => {
    expect(d("SELECT 1 /*! # */ ; DROP TABLE x\n */").statements.map((s) => s.kind)).toEqual(["select"]);
  });
});

describe("describeMysql", () => {
  it("describes a SELECT with aliases, functions, WHERE and LIMIT", () => {
    const [s] = d("SELECT x.a, COUNT(*), db.f(1) FROM db1.t AS x JOIN u ON x.id = u.id WHERE x.b = 1 LIMIT 5, 10").statements;
    expect(s).toMatchObject({
      kind: "select",
      tables_read: ["db1.t", "u"],
      tables_written: [],
      functions: ["count", "db.f"],
      has_where: true,
      limit: 10,
      nested: [],
    });
    expect(s!.columns).toEqual(["db1.t.a", "db1.t.b", "db1.t.id", "u.id"]);
  });

  it("qualifies unqualified tables with the session's database when given", () => {
    expect(d("SELECT * FROM t", [], { database: "shop" }).statements[0]).toMatchObject({ tables_read: ["shop.t"], columns: ["shop.t.*"] });
  });

  it("handles backticks and # comments", () => {
    const [s] = d("SELECT `select`, `a``b` FROM `my db`.`t` # trailing\n").statements;
    expect(s).toMatchObject({ tables_read: ["my db.t"] });
    expect(s!.columns).toContain("my db.t.select");
  });

  it("splits multi-statements", () => {
    const r = d("INSERT INTO t (a) VALUES (1); UPDATE t SET a = 2 WHERE a = 1; DELETE FROM s");
    expect(r.statements.map((s) => s.kind)).toEqual(["insert", "update", "delete"]);
    expect(r.statements.map((s) => s.tables_written)).toEqual([["t"], ["t"], ["s"]]);
    expect(r.statements[1]!.has_where).toBe(true);
    expect(r.statements[2]!.has_where).toBe(false);
    expect(r.statements[0]!.text).toBe("INSERT INTO t (a) VALUES (1)");
  });

  it("flags LOAD DATA, INTO OUTFILE/DUMPFILE and LOAD_FILE", () => {
    expect(d("LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE db.t").statements[0]).toMatchObject({
      kind: "load_data",
      load_data: { file: "/etc/passwd", local: true },
      tables_written: ["db.t"],
    });
    expect(d("LOAD DATA INFILE '/f' INTO TABLE t").statements[0]!.load_data).toEqual({ file: "/f", local: false });
    expect(d("SELECT * INTO OUTFILE '/tmp/x' FROM t").statements[0]).toMatchObject({ kind: "select", into_outfile: "/tmp/x" });
    expect(d("SELECT a INTO DUMPFILE '/tmp/y' FROM t").statements[0]!.into_outfile).toBe("/tmp/y");
    const lf = d("SELECT a FROM t WHERE a IN (SELECT LOAD_FILE('/etc/shadow'))").statements[0]!;
    expect(lf.load_file).toBe(true);
    expect(lf.functions).toContain("load_file");
    expect(d("SELECT 1").statements[0]!.load_file).toBeUndefined();
  });

  it("describes GRANT, SET GLOBAL, SHOW, USE, transactions, CALL", () => {
    expect(d("GRANT SELECT ON db.t TO 'u'@'%'").statements[0]).toMatchObject({ kind: "grant", tables_read: ["db.t"] });
    expect(d("SET GLOBAL general_log = 1").statements[0]).toMatchObject({
      kind: "set",
      name: "general_log",
      value: "1",
      settings: [{ name: "general_log", value: "1", scope: "global" }],
    });
    expect(d("SET @@global.max_connections = 10, @a = 'x'").statements[0]!.settings).toEqual([
      { name: "max_connections", value: "10", scope: "global" },
      { name: "@a", value: "x", scope: null },
    ]);
    expect(d("SHOW TABLES").statements[0]).toMatchObject({ kind: "show", name: "tables" });
    expect(d("USE test").statements[0]).toMatchObject({ kind: "use", name: "test" });
    expect(d("START TRANSACTION; COMMIT; ROLLBACK").statements.map((s) => [s.kind, s.transaction_kind])).toEqual([
      ["transaction", "start"],
      ["transaction", "commit"],
      ["transaction", "rollback"],
    ]);
    expect(d("CALL db.p(1)").statements[0]).toMatchObject({ kind: "call", functions: ["db.p"] });
  });

  it("describes DDL with object types", () => {
    expect(d("DROP TABLE IF EXISTS a.x, y").statements[0]).toMatchObject({ kind: "drop", object_type: "table", tables_written: ["a.x", "y"] });
    expect(d("TRUNCATE t").statements[0]).toMatchObject({ kind: "truncate", tables_written: ["t"] });
    expect(d("CREATE TABLE t (a int)").statements[0]).toMatchObject({ kind: "create_table", tables_written: ["t"] });
    expect(d("CREATE VIEW v AS SELECT a FROM s").statements[0]).toMatchObject({ kind: "create_view", tables_written: ["v"], tables_read: ["s"] });
    expect(d("ALTER TABLE t ADD c int").statements[0]).toMatchObject({ kind: "alter_table", tables_written: ["t"] });
    expect(d("RENAME TABLE a TO b").statements[0]).toMatchObject({ kind: "rename", tables_written: ["a", "b"] });
  });

  it("unions nested statements into the top level", () => {
    const [s] = d("UPDATE t SET a = 1 WHERE id IN (SELECT id FROM secret WHERE SLEEP(1))").statements;
    expect(s).toMatchObject({ kind: "update", tables_written: ["t"], tables_read: ["secret"] });
    expect(s!.functions).toEqual(["sleep"]);
    expect(s!.nested.map((n) => n.kind)).toEqual(["select"]);
    const [u] = d("SELECT a FROM t UNION SELECT b FROM secret").statements;
    expect(u!.tables_read).toEqual(["secret", "t"]);
    expect(u!.nested).toHaveLength(1);
    const [deep] = d("SELECT a FROM t WHERE a IN (SELECT b FROM s WHERE b IN (SELECT c FROM secret))").statements;
    expect(deep!.nested).toHaveLength(1);
    expect(deep!.nested[0]!.nested).toHaveLength(1);
    expect(deep!.nested[0]!.nested[0]!.tables_read).toEqual(["secret"]);
    expect(deep!.tables_read).toEqual(["s", "secret", "t"]);
    const [i] = d("INSERT INTO t (a) SELECT b FROM s").statements;
    expect(i).toMatchObject({ tables_written: ["t"], tables_read: ["s"] });
  });

  it("describes PREPARE / EXECUTE / DEALLOCATE, including the prepared text", () => {
    const [p] = d("PREPARE st FROM 'DELETE FROM secret WHERE id = ?'").statements;
    expect(p).toMatchObject({ kind: "prepare", name: "st", tables_written: ["secret"] });
    expect(p!.nested[0]).toMatchObject({ kind: "delete", has_where: true });
    const [hidden] = d("PREPARE st FROM 'SELECT 1 /*!; DROP TABLE x */'").statements;
    expect(hidden!.nested.map((n) => n.kind)).toEqual(["select", "drop"]);
    expect(d("PREPARE st FROM 'LOAD DATA LOCAL INFILE ''/etc/passwd'' INTO TABLE t'").statements[0]!.load_data).toEqual({ file: "/etc/passwd", local: true });
    expect(d("PREPARE st FROM \"SELECT 1 INTO OUTFILE '/tmp/o'\"").statements[0]!.into_outfile).toBe("/tmp/o");
    expect(d("PREPARE st FROM @q").statements[0]!.nested).toMatchObject([{ kind: "unknown", dynamic_execute: true }]);
    expect(d("EXECUTE st USING @a, @b").statements[0]).toMatchObject({ kind: "execute", name: "st" });
    expect(d("DEALLOCATE PREPARE st").statements[0]).toMatchObject({ kind: "deallocate", name: "st" });
    expect(d("DROP PREPARE st").statements[0]).toMatchObject({ kind: "deallocate", name: "st" });
  });

  it("reads a LIMIT given by a bound parameter", () => {
    const r = d("SELECT * FROM t WHERE a = ? LIMIT ?", ["x", 25]);
    expect(r.statements[0]!.limit).toBe(25);
    expect(r.params).toEqual(["x", 25]);
    expect(d("SELECT * FROM t WHERE a = ? LIMIT ?, ?", ["x", 5, 7]).statements[0]!.limit).toBe(7);
  });

  it("reports what node-sql-parser cannot parse as parse_error, with a position", () => {
    const r = d("SELECT 1; FLURB TABLE x");
    expect(r.statements).toEqual([]);
    expect(r.parse_error?.message).toMatch(/syntax error/);
    // Inside the second statement, which starts at character 11.
    expect(r.parse_error?.position).toBeGreaterThanOrEqual(11);
    expect(d("SELECT '\0'").parse_error?.message).toMatch(/NUL/);
  });

  it("never throws, on arbitrary strings or SQL-ish token soup", () => {
    const tokens = fc.constantFrom("SELECT", "FROM", "t", ";", "'", '"', "`", "/*", "*/", "/*!", "/*!40101", "/*M!", "--", "-- ", "#", "\n", "\\", "?", "(", ")", "LIMIT", "PREPARE s FROM", "'x'", "1", ",");
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 80 }), fc.array(tokens, { maxLength: 20 }).map((t) => t.join(" "))), (sql) => {
        const r = describeMysql(sql, [], MARIADB);
        expect(r.sql).toBe(sql);
        if (r.parse_error) expect(r.statements).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});
