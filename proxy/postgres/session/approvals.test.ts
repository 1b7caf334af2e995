/**
 * Approvals through the gateway with the `pg` driver against the real PostgreSQL: the real
 * workflow (createApprovals + a SQLite file store), real demo-issuer identities. A held
 * statement runs once a second identity approves; `defer` runs exactly the approved
 * statement once; self-approval is refused; a store that is down denies.
 */
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { PostgresGateway } from "./gateway.js";
import { PG, direct, policyDecider } from "./testkit/index.js";
import { createApprovals, createSqliteStore, type Approvals } from "../../core/approvals/index.js";
import { ALICE, BOB, people, sqlitePath, tempDir, type People } from "../../core/approvals/testkit/people.js";

const DB = "pcs_approvals";

const POLICY = `
package portcullis

default approval := null

approval := {"approvers": ["dba"], "min": 1, "reason": "deleting needs a DBA", "ttl_seconds": 600} if {
  some s in input.request.statements
  s.kind == "delete"
}

decision := {"allow": true, "deny": [], "approval": approval, "mask": []}
`;

let who: People;
const gateways: PostgresGateway[] = [];

async function gatewayWith(workflow: Approvals, mode: "hold" | "defer"): Promise<number> {
  const g = new PostgresGateway({
    upstream: { host: PG.host, port: PG.port, user: "postgres", database: DB },
    connection: { name: "appr-db", type: "postgres", tags: {} },
    decider: await policyDecider(POLICY),
    authenticator: who.authenticator,
    allowPlaintextPassword: true,
    approvals: { workflow, mode, holdTimeoutMs: 10_000 },
  });
  gateways.push(g);
  return (await g.listen({ host: "127.0.0.1", port: 0 })).port;
}

async function client(port: number): Promise<pg.Client> {
  const c = new pg.Client({ host: "127.0.0.1", port, user: "alice", password: await who.token(ALICE), database: DB });
  await c.connect();
  return c;
}

const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: { code: string; message: string }) => e);

async function pendingId(workflow: Approvals): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const [r] = await workflow.list({ status: "pending" });
    if (r !== undefined) return r.id;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error("no pending approval appeared");
}

async function rows(): Promise<number[]> {
  const c = await direct(DB);
  try {
    return (await c.query<{ id: number }>("SELECT id FROM pcs_appr ORDER BY id")).rows.map((r) => r.id);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  const admin = await direct("postgres");
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DB]);
  if (!exists.rowCount) await admin.query(`CREATE DATABASE ${DB}`).catch(() => {});
  await admin.end();
  const c = await direct(DB);
  await c.query("DROP TABLE IF EXISTS pcs_appr; CREATE TABLE pcs_appr (id int PRIMARY KEY); INSERT INTO pcs_appr SELECT generate_series(1, 10)");
  await c.end();
  who = await people();
});

afterAll(async () => {
  for (const g of gateways) await g.close({ graceMs: 500 });
});

describe("approvals in the session", () => {
  it("hold: the statement waits, a second identity approves, then it runs; self-approval is refused", async () => {
    const workflow = createApprovals({ store: createSqliteStore({ path: sqlitePath() }) });
    const port = await gatewayWith(workflow, "hold");
    const c = await client(port);
    try {
      let done = false;
      const running = c.query("DELETE FROM pcs_appr WHERE id = 1").finally(() => (done = true));
      const id = await pendingId(workflow);
      await new Promise((r) => setTimeout(r, 200));
      expect(done).toBe(false);
      expect(await rows()).toContain(1); // nothing ran while held
      const self = await workflow.vote(id, await who.identity(ALICE), "approve", "me");
      expect(self).toMatchObject({ ok: false, status: 403 });
      const ok = await workflow.vote(id, await who.identity(BOB), "approve", "fine");
      expect(ok.ok).toBe(true);
      const r = await running;
      expect(r.rowCount).toBe(1);
      expect(await rows()).not.toContain(1);
    } finally {
      await c.end();
    }
  });

  it("defer: fails at once with the id; once approved, exactly that statement runs once", async () => {
    const workflow = createApprovals({ store: createSqliteStore({ path: sqlitePath() }) });
    const port = await gatewayWith(workflow, "defer");
    const c = await client(port);
    try {
      const first = await errorOf(c.query("DELETE FROM pcs_appr WHERE id = 2"));
      expect(first?.code).toBe("42501");
      const id = /approval id ([a-z0-9-]+)\)/.exec(first!.message)?.[1];
      expect(id).toBeDefined();
      expect(first!.message).toContain(`portcullis approvals approve ${id}`);
      expect(await rows()).toContain(2);
      expect((await workflow.vote(id!, await who.identity(BOB), "approve", "ok")).ok).toBe(true);
      // A different statement is not covered by the grant.
      expect((await errorOf(c.query("DELETE FROM pcs_appr WHERE id = 3")))?.code).toBe("42501");
      expect(await rows()).toContain(3);
      // The identical statement (whitespace normalised) runs once.
      expect((await c.query("DELETE  FROM pcs_appr WHERE id = 2;")).rowCount).toBe(1);
      expect((await errorOf(c.query("DELETE FROM pcs_appr WHERE id = 2")))?.code).toBe("42501");
    } finally {
      await c.end();
    }
  });

  it("defer binds parameters: an approved extended-protocol statement runs only with the same parameters", async () => {
    const workflow = createApprovals({ store: createSqliteStore({ path: sqlitePath() }) });
    const port = await gatewayWith(workflow, "defer");
    const c = await client(port);
    try {
      const first = await errorOf(c.query("DELETE FROM pcs_appr WHERE id = $1", [4]));
      const id = /approval id ([a-z0-9-]+)\)/.exec(first!.message)![1]!;
      expect((await workflow.vote(id, await who.identity(BOB), "approve", "ok")).ok).toBe(true);
      expect((await errorOf(c.query("DELETE FROM pcs_appr WHERE id = $1", [5])))?.code).toBe("42501");
      expect((await c.query("DELETE FROM pcs_appr WHERE id = $1", [4])).rowCount).toBe(1);
      expect(await rows()).toContain(5);
    } finally {
      await c.end();
    }
  });

  it("store down: statements needing approval are denied; others run", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "plain-file"), "");
    const workflow = createApprovals({ store: createSqliteStore({ path: join(dir, "plain-file", "approvals.db") }) });
    const port = await gatewayWith(workflow, "hold");
    const c = await client(port);
    try {
      const e = await errorOf(c.query("DELETE FROM pcs_appr WHERE id = 6"));
      expect(e?.code).toBe("42501");
      expect(e?.message).toContain("approval store unavailable");
      expect(await rows()).toContain(6);
      expect((await c.query("SELECT count(*)::int AS n FROM pcs_appr")).rows[0].n).toBeGreaterThan(0);
    } finally {
      await c.end();
    }
  });
});
