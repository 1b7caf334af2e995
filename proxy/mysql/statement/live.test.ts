/**
 * The pre-lexer against the real MariaDB: for tricky and for random requests, the server's
 * results for the original SQL must equal its results for our expanded code (comments
 * blanked, executed comments turned into code), and it must run as many statements as we
 * split. If our reading of a comment differed from the server's, the results would differ.
 */
import { connect } from "node:net";
import fc from "fast-check";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lexMysql, parseServerVersion } from "./lexer.js";

async function reachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(3306, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

type Outcome = { error: string } | { results: string };

const up = await reachable();

// Skipped only on machines without a MariaDB on 127.0.0.1:3306 (this machine type has one).
describe.skipIf(!up)("pre-lexer agrees with the real MariaDB", () => {
  let conn: mysql.Connection;
  let version = 0;

  beforeAll(async () => {
    conn = await mysql.createConnection({ host: "127.0.0.1", user: "root", password: "", database: "test", multipleStatements: true });
    const [rows] = await conn.query("SELECT VERSION() AS v");
    version = parseServerVersion((rows as { v: string }[])[0]!.v);
  });
  afterAll(async () => conn?.end());

  async function run(sql: string): Promise<Outcome> {
    try {
      const [results] = await conn.query({ sql, rowsAsArray: true });
      return { results: JSON.stringify(results) };
    } catch (e) {
      return { error: String((e as { code?: string }).code) };
    }
  }

  async function check(sql: string): Promise<void> {
    const lexed = lexMysql(sql, { serverVersion: version, flavor: "mariadb" });
    const original = await run(sql);
    if (lexed.error) {
      // We refuse only what the server refuses too.
      expect(original, sql).toHaveProperty("error");
      return;
    }
    // A `;` inside an executable comment makes MariaDB refuse the whole request, while we
    // describe both statements (a policy then sees, say, the DROP): seeing more than the
    // server runs is safe, so a request the server refuses is not compared.
    if ("error" in original) return;
    const expanded = await run(lexed.statements.map((s) => s.code).join(";\n"));
    expect(expanded, sql).toEqual(original);
    if ("results" in original) {
      // One result set per statement: mysql2 nests arrays for multi-statement results.
      const results = JSON.parse(original.results) as unknown[];
      const sets = lexed.statements.length === 1 ? 1 : results.length;
      expect(sets, sql).toBe(lexed.statements.length);
    }
  }

  it("on the measured and tricky cases", async () => {
    for (const sql of [
      "SELECT 1 /*! , 2 */",
      "SELECT 1 /*!40101 , 2 */",
      "SELECT 1 /*!50000 , 2 */",
      "SELECT 1 /*!80000 , 2 */",
      "SELECT 1 /*M! , 2 */",
      "SELECT 1 /*M!80000 , 2 */",
      "SELECT 1 /*!999999 , 2 */",
      `SELECT 1 /*!${version} , 2 */`,
      `SELECT 1 /*!${version + 1} , 2 */`,
      "SELECT 1 /* a /* b */ , 2",
      "SELECT 1 /*!999999 a /* b */ c */ , 2",
      "SELECT 1--1",
      "SELECT 1 -- , 2",
      "SELECT 1 # , 2\n, 3",
      "SELECT 1 /*! , '*/' */",
      "SELECT 'a;b' ; SELECT \"c;d\"",
      "SELECT 'it''s', 'x\\'y'",
      "SELECT 1 /*! , 2 /*! , 3 */ */",
      "SELECT 1 /*!1234 , 2 */",
    ])
      await check(sql);
  });

  it("on random requests built from comment, quote and separator fragments", async () => {
    const fragment = fc.constantFrom(
      " , 2",
      " /*! , 3 */",
      " /*!50000 , 4 */",
      " /*!80000 , 5 */",
      " /*M! , 6 */",
      " /*!999999 , 7 */",
      " /* , 8 */",
      " -- , 9\n",
      " # , 10\n",
      " , '*/;'",
      " , \"--\"",
      " /*! ; SELECT 11 */",
      " ; SELECT 12",
      " /*!40101 , 13 /* x */ */",
      "--1",
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fragment, { maxLength: 6 }), async (parts) => {
        await check(`SELECT 1${parts.join("")}`);
      }),
      { numRuns: 150 },
    );
  });
});
