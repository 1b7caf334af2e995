/**
 * The gateway with the `pg` driver against the real PostgreSQL on 127.0.0.1:5432:
 * allowed statements match a direct connection; denied ones fail with 42501, never reach
 * the server (tripwires, see testkit/fixtures.ts) and leave the session usable.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import pg from "pg";
import { PostgresGateway } from "./gateway.js";
import type { GatewayLogEvent } from "./types.js";
import { PG, direct, policyDecider, tokens } from "./testkit/index.js";
import { POLICY, clearLog, installFixtures, tripwireLog } from "./testkit/fixtures.js";

/** This file's own database (test files run in parallel). */
const DB = "pcs_pgdriver";
let gateway: PostgresGateway;
let port: number;
let token: string;
const logs: GatewayLogEvent[] = [];

beforeAll(async () => {
  await installFixtures(DB);
  const { issuer, authenticator } = await tokens();
  token = await issuer.mint({ sub: "alice", groups: ["dev"] });
  const decider = await policyDecider(POLICY);
  gateway = new PostgresGateway({
    upstream: { host: PG.host, port: PG.port, user: "postgres", database: DB },
    connection: { name: "test-db", type: "postgres", tags: { env: "test" } },
    decider,
    authenticator,
    allowPlaintextPassword: true,
    policyVersion: () => 1,
    log: (e) => logs.push(e),
  });
  port = (await gateway.listen({ host: "127.0.0.1", port: 0 })).port;
});

afterAll(async () => {
  await gateway?.close({ graceMs: 1000 });
});

beforeEach(async () => {
  await clearLog(DB);
});

async function through(): Promise<pg.Client> {
  const c = new pg.Client({ host: "127.0.0.1", port, user: "alice", password: token, database: DB });
  await c.connect();
  return c;
}

async function errorOf(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error("expected an error");
}

describe("pass-through", () => {
  it("returns exactly what a direct connection returns (rows, fields, command tags)", async () => {
    const d = await direct(DB);
    const g = await through();
    try {
      for (const sql of [
        "SELECT * FROM pcs_items ORDER BY id",
        "SELECT id, price, tags, created FROM pcs_items WHERE id < 5 ORDER BY id",
        "SELECT 1 AS a, NULL::text AS b, 'x'::bytea AS c, now()::date = current_date AS d",
        "SELECT count(*) FROM pcs_items",
      ]) {
        const [a, b] = [await d.query({ text: sql, rowMode: "array" }), await g.query({ text: sql, rowMode: "array" })];
        expect(b.rows).toEqual(a.rows);
        expect(b.command).toBe(a.command);
        expect(b.fields.map((f) => [f.name, f.dataTypeID])).toEqual(a.fields.map((f) => [f.name, f.dataTypeID]));
      }
    } finally {
      await d.end();
      await g.end();
    }
  });

  it("runs parameterised queries and named prepared statements", async () => {
    const g = await through();
    try {
      const r1 = await g.query("SELECT name FROM pcs_items WHERE id = $1", [7]);
      expect(r1.rows).toEqual([{ name: "item 7" }]);
      for (const id of [3, 4, 5]) {
        const r = await g.query({ name: "by-id", text: "SELECT id, name FROM pcs_items WHERE id = $1", values: [id] });
        expect(r.rows).toEqual([{ id, name: `item ${id}` }]);
      }
      const ins = await g.query("INSERT INTO pcs_copy VALUES ($1, $2)", [1, "x"]);
      expect(ins.command).toBe("INSERT");
      expect(ins.rowCount).toBe(1);
    } finally {
      await g.end();
    }
  });

  it("relays ParameterStatus and the gateway's own BackendKeyData", async () => {
    const g = await through();
    try {
      const r = await g.query("SHOW server_version");
      expect(r.rows[0].server_version).toMatch(/^15/);
      const pid = (g as unknown as { processID: number }).processID;
      const backend = (await g.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
      expect(pid).not.toBe(backend);
    } finally {
      await g.end();
    }
  });
});

describe("enforcement (simple and extended protocol)", () => {
  it("denies with 42501, naming the reasons and the decision id; the statement never reaches the server", async () => {
    const g = await through();
    try {
      for (const sql of [
        "SELECT * FROM pcs_secrets",
        "DELETE FROM pcs_guarded",
        "SELECT 1; DELETE FROM pcs_guarded WHERE id = 1; SELECT 2",
        "WITH gone AS (DELETE FROM pcs_guarded RETURNING *) SELECT count(*) FROM gone",
        "DO $$ BEGIN UPDATE pcs_guarded SET v = 'x'; END $$",
        "SELECT pcs_tripwire('direct call')",
      ]) {
        const e = await errorOf(g.query(sql));
        expect(e.code, sql).toBe("42501");
        expect(e.message).toMatch(/^denied by policy: .*(not allowed|may not be called).* \(decision [0-9a-f-]{36}\)$/);
      }
      // The session is still usable.
      expect((await g.query("SELECT 41 + 1 AS x")).rows).toEqual([{ x: 42 }]);
      const e = await errorOf(g.query("SELECT v FROM pcs_guarded WHERE id = $1 OR pcs_tripwire('param')", [1]));
      expect(e.code).toBe("42501");
      expect((await g.query("SELECT count(*)::int AS n FROM pcs_guarded")).rows).toEqual([{ n: 2 }]);
    } finally {
      await g.end();
    }
    expect(await tripwireLog(DB)).toEqual([]);
  });

  it("a denied statement in a multi-statement string stops the allowed ones too", async () => {
    const g = await through();
    try {
      const e = await errorOf(g.query("INSERT INTO pcs_copy VALUES (99, 'should not exist'); DELETE FROM pcs_guarded"));
      expect(e.code).toBe("42501");
    } finally {
      await g.end();
    }
    const d = await direct(DB);
    expect((await d.query("SELECT count(*)::int AS n FROM pcs_copy WHERE id = 99")).rows).toEqual([{ n: 0 }]);
    await d.end();
  });

  it("decides Bind parameters, and refuses Execute of a denied statement", async () => {
    const g = await through();
    try {
      expect((await g.query({ name: "q1", text: "SELECT name FROM pcs_items WHERE id = $1::int", values: ["3"] })).rows).toEqual([{ name: "item 3" }]);
      const e = await errorOf(g.query({ name: "q1", text: "SELECT name FROM pcs_items WHERE id = $1::int", values: ["666"] }));
      expect(e.code).toBe("42501");
      expect(e.message).toContain("parameter value 666");
      expect((await g.query({ name: "q1", text: "SELECT name FROM pcs_items WHERE id = $1::int", values: ["4"] })).rows).toEqual([{ name: "item 4" }]);
      const e2 = await errorOf(g.query({ name: "q2", text: "DELETE FROM pcs_guarded WHERE id = $1", values: [1] }));
      expect(e2.code).toBe("42501");
      expect((await g.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await g.end();
    }
    expect(await tripwireLog(DB)).toEqual([]);
  });

  it("decides SQL EXECUTE on the PREPAREd body", async () => {
    const g = await through();
    try {
      await g.query("PREPARE wipe(int) AS DELETE FROM pcs_guarded WHERE id = $1");
      const e = await errorOf(g.query("EXECUTE wipe(1)"));
      expect(e.code).toBe("42501");
      const e2 = await errorOf(g.query("PREPARE wipe2 AS SELECT 1; EXECUTE wipe"));
      expect(e2.code).toBe("42501");
      await g.query("PREPARE fine(int) AS SELECT name FROM pcs_items WHERE id = $1");
      expect((await g.query("EXECUTE fine(2)")).rows).toEqual([{ name: "item 2" }]);
    } finally {
      await g.end();
    }
    expect(await tripwireLog(DB)).toEqual([]);
  });

  it("keeps the transaction status across a denial, in and out of a transaction", async () => {
    const g = await through();
    try {
      await g.query("BEGIN");
      await g.query("INSERT INTO pcs_copy VALUES (7, 'in tx')");
      expect((await errorOf(g.query("DELETE FROM pcs_guarded"))).code).toBe("42501");
      // Still in the (not failed) transaction: the insert is visible and commits.
      expect((await g.query("SELECT note FROM pcs_copy WHERE id = 7")).rows).toEqual([{ note: "in tx" }]);
      expect((await errorOf(g.query({ text: "DELETE FROM pcs_guarded WHERE id = $1", values: [2] }))).code).toBe("42501");
      expect((await g.query("SELECT count(*)::int AS n FROM pcs_copy WHERE id = 7")).rows).toEqual([{ n: 1 }]);
      await g.query("COMMIT");
      const d = await direct(DB);
      expect((await d.query("SELECT count(*)::int AS n FROM pcs_copy WHERE id = 7")).rows).toEqual([{ n: 1 }]);
      await d.query("DELETE FROM pcs_copy WHERE id = 7");
      await d.end();
    } finally {
      await g.end();
    }
  });

  it("refuses an approval outcome when no approvals workflow is configured, saying so", async () => {
    const g = await through();
    try {
      const e = await errorOf(g.query("TRUNCATE pcs_copy"));
      expect(e.code).toBe("42501");
      expect(e.message).toMatch(/^requires approval: TRUNCATE needs a DBA \(approvals are not configured; decision [0-9a-f-]{36}\)$/);
    } finally {
      await g.end();
    }
  });

  it("cancels a running query on the right upstream backend", async () => {
    const g = await through();
    const other = await through();
    try {
      const started = Date.now();
      const running = errorOf(g.query("SELECT pg_sleep(10)"));
      await new Promise((r) => setTimeout(r, 300));
      // pg's cancel opens a new connection with the key the gateway gave this client.
      const canceller = new pg.Client({ host: "127.0.0.1", port, user: "alice", password: token, database: DB });
      (canceller as unknown as { cancel(c: pg.Client, q: unknown): void }).cancel(g, (g as unknown as { activeQuery: unknown }).activeQuery);
      const e = await running;
      expect(e.code).toBe("57014");
      expect(Date.now() - started).toBeLessThan(5000);
      expect((await other.query("SELECT 1 AS x")).rows).toEqual([{ x: 1 }]);
      expect((await g.query("SELECT 2 AS x")).rows).toEqual([{ x: 2 }]);
    } finally {
      await g.end();
      await other.end();
    }
  });
});
