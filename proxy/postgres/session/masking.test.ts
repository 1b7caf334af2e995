/**
 * Masking through the gateway with the `pg` driver and psql against the real PostgreSQL:
 * columns found through aliases, `SELECT *`, joins and views; detectors on free text;
 * binary results still decode; counts reach the recording; bad rules fail closed.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { randomBytes } from "node:crypto";
import { PostgresGateway } from "./gateway.js";
import { PG, direct, policyDecider, psql, tokens } from "./testkit/index.js";
import { recordingFiles, verifyRecording } from "../../core/recording/index.js";

const DB = "pcs_masking";
const CARD = "4111 1111 1111 1111";
const NOT_A_CARD = "4111 1111 1111 1112"; // fails Luhn

const SQL = `
DROP VIEW IF EXISTS pcs_people_v;
DROP TABLE IF EXISTS pcs_people, pcs_orders, pcs_bad CASCADE;
CREATE TABLE pcs_people (id int PRIMARY KEY, name text, email text, salary int4, bonus int8, notes text, profile jsonb);
INSERT INTO pcs_people VALUES
  (1, 'Ann', 'ann@example.com', 5000, 70, 'card ${CARD}, order ${NOT_A_CARD}', '{"mail": "ann@example.com", "age": 40}'),
  (2, 'Bob', 'bob@example.com', 6000, 80, 'write to bob@example.com', null);
CREATE TABLE pcs_orders (id int PRIMARY KEY, person_id int, total numeric(10,2));
INSERT INTO pcs_orders VALUES (10, 1, 12.50), (11, 2, 99.00);
CREATE VIEW pcs_people_v AS SELECT id, name, email FROM pcs_people;
CREATE TABLE pcs_bad (id int);
`;

const POLICY = `
package portcullis

bad if {
  some s in input.request.statements
  "public.pcs_bad" in s.tables_read
}

mask := [{"detector": "no_such_detector", "method": "redact"}] if { bad } else := [
  {"column": "public.pcs_people.email", "method": "redact"},
  {"column": "public.pcs_people.salary", "method": "null"},
  {"column": "public.pcs_people.bonus", "method": "zero"},
  {"column": "public.pcs_people.name", "method": "hash:8"},
  {"detector": "credit_card", "method": "redact"},
  {"detector": "email", "method": "redact"},
]

decision := {"allow": true, "deny": [], "approval": null, "mask": mask}
`;

let gateway: PostgresGateway;
let port: number;
let token: string;
const recordings = mkdtempSync(join(tmpdir(), "pcs-mask-rec-"));
const recordingKey = randomBytes(32);

beforeAll(async () => {
  const admin = await direct("postgres");
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DB]);
  if (!exists.rowCount) await admin.query(`CREATE DATABASE ${DB}`).catch(() => {});
  await admin.end();
  const c = await direct(DB);
  await c.query(SQL);
  await c.end();
  const { issuer, authenticator } = await tokens();
  token = await issuer.mint({ sub: "alice", groups: ["dev"] });
  gateway = new PostgresGateway({
    upstream: { host: PG.host, port: PG.port, user: "postgres", database: DB },
    connection: { name: "mask-db", type: "postgres", tags: {} },
    decider: await policyDecider(POLICY),
    authenticator,
    allowPlaintextPassword: true,
    policyVersion: () => 1,
    masking: { hashKey: Buffer.from("k".repeat(32)) },
    recording: { dir: recordings, key: recordingKey, secrets: [] },
  });
  port = (await gateway.listen({ host: "127.0.0.1", port: 0 })).port;
});

afterAll(async () => {
  await gateway?.close({ graceMs: 1000 });
});

async function through<T>(f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ host: "127.0.0.1", port, user: "alice", password: token, database: DB });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

describe("masked columns", () => {
  it("masks through aliases, with each method type-safe (text, NULL, zero, hash)", async () => {
    const r = await through((c) => c.query("SELECT id, email AS e, salary AS s, bonus AS b, name AS n FROM pcs_people ORDER BY id"));
    expect(r.rows.map((x) => [x.id, x.e, x.s, x.b])).toEqual([[1, "****", null, "0"], [2, "****", null, "0"]]);
    expect(r.rows[0].n).toMatch(/^[0-9a-f]{8}$/);
    expect(r.rows[0].n).not.toBe(r.rows[1].n);
  });

  it("masks SELECT * and joins, and the hash is stable across statements (joins still work)", async () => {
    const [star, join1] = await through(async (c) => [
      await c.query("SELECT * FROM pcs_people ORDER BY id"),
      await c.query("SELECT o.id, p.email, p.name, o.total FROM pcs_orders o JOIN pcs_people p ON p.id = o.person_id ORDER BY o.id"),
    ]);
    expect(star.rows.map((x) => x.email)).toEqual(["****", "****"]);
    expect(star.rows.map((x) => x.salary)).toEqual([null, null]);
    expect(join1.rows.map((x) => [x.id, x.email, x.total])).toEqual([[10, "****", "12.50"], [11, "****", "99.00"]]);
    expect(join1.rows[0].name).toBe(star.rows[0].name);
  });

  it("masks a view's columns (PostgreSQL reports the base table's columns, or detectors catch them)", async () => {
    const r = await through((c) => c.query("SELECT * FROM pcs_people_v ORDER BY id"));
    expect(r.rows.map((x) => x.email)).toEqual(["****", "****"]);
    expect(r.rows[0].name).toMatch(/^[0-9a-f]{8}$/);
  });

  it("computed columns fall back to their output name, and detectors scan free text", async () => {
    const r = await through((c) => c.query("SELECT lower(email) AS email, notes, 'call ' || 'x@y.org' AS msg FROM pcs_people ORDER BY id"));
    expect(r.rows[0]).toEqual({ email: "****", notes: `card ****, order ${NOT_A_CARD}`, msg: "call ****" });
    expect(r.rows[1].notes).toBe("write to ****");
  });

  it("scans json string leaves", async () => {
    const r = await through((c) => c.query("SELECT profile FROM pcs_people WHERE id = 1"));
    expect(r.rows[0].profile).toEqual({ mail: "****", age: 40 });
  });

  it("binary results still decode in the pg driver", async () => {
    const r = await through((c) =>
      // `binary` is a real pg option that @types/pg does not declare
      c.query({ text: "SELECT id, salary, bonus, email, notes, profile FROM pcs_people WHERE id = $1", values: [1], binary: true } as pg.QueryConfig),
    );
    expect(r.rows).toHaveLength(1);
    const row = r.rows[0];
    expect(row.id).toBe(1);
    expect(row.salary).toBeNull();
    expect(row.email).toBe("****");
    expect(row.notes).toBe(`card ****, order ${NOT_A_CARD}`);
    // pg hands binary jsonb over undecoded: the version byte 1, then the (masked) text.
    expect(JSON.parse(String(row.profile).slice(1))).toEqual({ mail: "****", age: 40 });
    expect(String(row.profile).charCodeAt(0)).toBe(1);
    // int8 `zero` in binary: eight zero bytes, which pg reads as the string "0".
    expect(String(row.bonus)).toBe("0");
  });

  it("masks a multi-statement simple query per the whole query's decision (psql)", async () => {
    const out = await psql(["-h", "127.0.0.1", "-p", String(port), "-U", "alice", "-d", DB, "-At", "-c", "SELECT email FROM pcs_people WHERE id = 1; SELECT salary, name FROM pcs_people WHERE id = 2"], { PGPASSWORD: token });
    expect(out.stderr).toBe("");
    const lines = out.stdout.trim().split("\n");
    expect(lines[0]).toBe("****");
    expect(lines[1]).toMatch(/^\|[0-9a-f]{8}$/);
    expect(out.stdout).not.toContain("example.com");
  });

  it("refuses (fail closed, 42501) a statement whose mask rules cannot be compiled", async () => {
    const e = await through((c) => c.query("SELECT * FROM pcs_bad").then(() => null, (err: { code: string; message: string }) => err));
    expect(e?.code).toBe("42501");
    expect(e?.message).toMatch(/mask rules cannot be applied: mask\[0\]/);
  });

  it("refuses COPY TO STDOUT when the result would be masked", async () => {
    const out = await psql(["-h", "127.0.0.1", "-p", String(port), "-U", "alice", "-d", DB, "-c", "COPY pcs_people TO STDOUT"], { PGPASSWORD: token });
    expect(out.stderr).toContain("masked results cannot be copied out");
    expect(out.stdout).not.toContain("example.com");
  });

  it("records masked counts per column, and no unmasked value reaches the recording", async () => {
    await through((c) => c.query("SELECT id, email, salary FROM pcs_people ORDER BY id"));
    await new Promise((r) => setTimeout(r, 300));
    const files = await recordingFiles(recordings);
    expect(files.length).toBeGreaterThan(0);
    const all = files.map((f) => readFileSync(f, "utf8")).join("");
    expect(all).not.toContain("ann@example.com");
    expect(all).not.toContain(CARD);
    expect(all).toContain('"masked":{"public.pcs_people.email":2,"public.pcs_people.salary":2}');
    for (const f of files) expect((await verifyRecording(f, recordingKey)).ok).toBe(true);
  });
});
