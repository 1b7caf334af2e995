/**
 * The shared store against the real PostgreSQL on 127.0.0.1:5432: a database per test file,
 * two independent store instances (two gateways) and a second node process.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { Identity } from "../contracts.js";
import { createApprovals, type Approvals, type StatementToApprove } from "./workflow.js";
import { createPostgresStore } from "./store-postgres.js";
import type { ApprovalStore } from "./types.js";
import { ALICE, BOB, CAROL, people, type People } from "./testkit/people.js";

const ADMIN_URL = "postgres://postgres@127.0.0.1:5432/test";
const DB = `approvals_test_${process.pid}_${Date.now() % 100000}`;
const URL_ = `postgres://postgres@127.0.0.1:5432/${DB}`;

let p: People;
let alice: Identity, bob: Identity, carol: Identity;
const stores: ApprovalStore[] = [];

beforeAll(async () => {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  await c.query(`CREATE DATABASE ${DB}`);
  await c.end();
  p = await people();
  [alice, bob, carol] = await Promise.all([ALICE, BOB, CAROL].map((w) => p.identity(w)));
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await p.issuer.close();
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await c.end();
});

function gateway(url = URL_, recheckMs = 60_000): Approvals {
  const store = createPostgresStore({ url, connectTimeoutMs: 1000 });
  stores.push(store);
  // A long safety re-read, so a wake-up within it can only come from LISTEN/NOTIFY.
  return createApprovals({ store, recheckMs });
}

const stmt = (extra: Partial<StatementToApprove> = {}): StatementToApprove => ({
  identity: alice, connection: "shop", statement: "TRUNCATE orders", mode: "hold",
  approval: { approvers: ["dba"], min: 2, reason: "TRUNCATE needs two DBAs", ttl_seconds: 600 }, ...extra,
});

describe("PostgreSQL store", () => {
  it("two gateways see each other's requests and votes; a vote in one wakes a hold in the other", async () => {
    const gw1 = gateway();
    const gw2 = gateway();
    const r = await gw1.requestApproval(stmt());
    if (!r.ok) throw new Error(r.reason);
    expect((await gw2.get(r.id))).toMatchObject({ id: r.id, status: "pending", requester: { sub: "alice", email: "alice@example.com" } });
    expect((await gw2.list({ status: "pending" })).map((x) => x.id)).toContain(r.id);
    const held = gw1.hold(r.id, 20_000);
    await new Promise((res) => setTimeout(res, 300)); // the LISTEN connection is up
    expect(await gw2.vote(r.id, bob, "approve", "one")).toMatchObject({ ok: true, record: { status: "pending" } });
    expect(await gw1.vote(r.id, bob, "approve", "again")).toMatchObject({ ok: false, status: 409 });
    const t0 = Date.now();
    expect(await gw2.vote(r.id, carol, "approve", "two")).toMatchObject({ ok: true, record: { status: "approved" } });
    expect(await held).toMatchObject({ status: "approved" });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect((await gw2.get(r.id))!.status).toBe("consumed");
  });

  it("concurrent votes from both gateways are all counted (row lock)", async () => {
    const gw1 = gateway();
    const gw2 = gateway();
    const r = await gw1.requestApproval(stmt());
    if (!r.ok) throw new Error(r.reason);
    const [x, y] = await Promise.all([gw1.vote(r.id, bob, "approve", ""), gw2.vote(r.id, carol, "approve", "")]);
    expect(x.ok && y.ok).toBe(true);
    expect((await gw1.get(r.id))).toMatchObject({ status: "approved", votes: [{}, {}] });
  });

  it("a deferred grant is consumed once across gateways", async () => {
    const gw1 = gateway();
    const gw2 = gateway();
    const s = stmt({ mode: "defer", statement: "DELETE FROM orders", approval: { approvers: ["dba"], min: 1, reason: "r", ttl_seconds: 600 } });
    const first = await gw1.gate({ ...s, holdTimeoutMs: 0 });
    expect(first.allow).toBe(false);
    await gw2.vote(first.id!, bob, "approve", "");
    const b = gw1.bindingOf(s);
    const got = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? gw1 : gw2).consumeDeferred(b, alice)));
    expect(got.filter((g) => g !== null)).toHaveLength(1);
  });

  it("a vote from this process wakes a hold in a second node process", async () => {
    const dist = fileURLToPath(new URL("../../../dist/proxy/core/approvals/index.js", import.meta.url));
    expect(existsSync(dist)).toBe(true);
    const gw = gateway();
    const script = `
      import { createApprovals, createPostgresStore } from ${JSON.stringify(dist)};
      const store = createPostgresStore({ url: process.argv[1] });
      const a = createApprovals({ store, recheckMs: 60000 });
      const identity = JSON.parse(process.argv[2]);
      const r = await a.requestApproval({ identity, connection: "shop", statement: "DROP TABLE audit", mode: "hold",
        approval: { approvers: ["dba"], min: 1, reason: "drop", ttl_seconds: 600 } });
      console.log(JSON.stringify({ id: r.id }));
      const out = await a.hold(r.id, 20000);
      console.log(JSON.stringify({ status: out.status }));
      await store.close();`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, URL_, JSON.stringify(alice)], { stdio: ["ignore", "pipe", "inherit"] });
    const lines: string[] = [];
    let buf = "";
    const next = () =>
      new Promise<string>((resolve, reject) => {
        const tick = () => {
          const i = buf.indexOf("\n");
          if (i >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            lines.push(line);
            return resolve(line);
          }
          child.stdout.once("data", (d: Buffer) => {
            buf += d.toString();
            tick();
          });
        };
        child.once("exit", (code) => reject(new Error(`child exited ${code}`)));
        tick();
      });
    const { id } = JSON.parse(await next()) as { id: string };
    expect(await gw.get(id)).toMatchObject({ status: "pending", summary: "DROP TABLE audit" });
    await new Promise((res) => setTimeout(res, 500)); // the child's LISTEN is up
    const t0 = Date.now();
    expect(await gw.vote(id, bob, "approve", "")).toMatchObject({ ok: true });
    expect(JSON.parse(await next())).toEqual({ status: "approved" });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("a hold survives its LISTEN connection being killed: it reconnects and still wakes", async () => {
    const gw1 = gateway();
    const gw2 = gateway();
    const r = await gw1.requestApproval(stmt({ statement: "REINDEX DATABASE shop", approval: { approvers: ["dba"], min: 1, reason: "r", ttl_seconds: 600 } }));
    if (!r.ok) throw new Error(r.reason);
    const held = gw1.hold(r.id, 20_000);
    await new Promise((res) => setTimeout(res, 300));
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    const killed = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'", [DB]);
    await admin.end();
    expect(killed.rowCount).toBeGreaterThanOrEqual(1);
    await new Promise((res) => setTimeout(res, 1000)); // reconnected (backoff 250 ms)
    const t0 = Date.now();
    await gw2.vote(r.id, bob, "approve", "");
    expect((await held).status).toBe("approved");
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("an unreachable server denies with a reason", async () => {
    const down = gateway("postgres://postgres@127.0.0.1:1/test");
    const r = await down.requestApproval(stmt());
    expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/^approval store unavailable: approval store \(PostgreSQL\): .*ECONNREFUSED/) });
    expect(await down.gate({ ...stmt(), holdTimeoutMs: 1000 })).toMatchObject({ allow: false, message: expect.stringContaining("approval store unavailable") });
    expect(await down.consumeDeferred("x", alice)).toBeNull();
    await expect(down.list()).rejects.toThrow(/unavailable|ECONNREFUSED/);
  });
});
