import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Identity } from "../contracts.js";
import { createApprovals, type Approvals, type StatementToApprove } from "./workflow.js";
import { createSqliteStore } from "./store-sqlite.js";
import type { ApprovalStore } from "./types.js";
import { AGENT, ALICE, BOB, CAROL, DAVE, people, sqlitePath, tempDir, type People } from "./testkit/people.js";

let p: People;
let alice: Identity, bob: Identity, carol: Identity, dave: Identity, agent: Identity;
const stores: ApprovalStore[] = [];

beforeAll(async () => {
  p = await people();
  [alice, bob, carol, dave, agent] = await Promise.all([ALICE, BOB, CAROL, DAVE, AGENT].map((w) => p.identity(w)));
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await p.issuer.close();
});

function fresh(path = sqlitePath(), opts: { now?: () => Date } = {}): Approvals {
  const store = createSqliteStore({ path, pollMs: 50 });
  stores.push(store);
  return createApprovals({ store, ...opts });
}

const stmt = (extra: Partial<StatementToApprove> = {}): StatementToApprove => ({
  identity: alice, connection: "shop", statement: "TRUNCATE orders", mode: "hold",
  approval: { approvers: ["dba"], min: 1, reason: "TRUNCATE needs a DBA", ttl_seconds: 600 }, ...extra,
});

async function requested(a: Approvals, s: StatementToApprove): Promise<string> {
  const r = await a.requestApproval(s);
  if (!r.ok) throw new Error(r.reason);
  return r.id;
}

describe("hold", () => {
  it("resolves approved when a DBA approves, and the grant is then used", async () => {
    const a = fresh();
    const id = await requested(a, stmt());
    const held = a.hold(id, 10_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(await a.vote(id, bob, "approve", "looks fine")).toMatchObject({ ok: true, record: { status: "approved" } });
    const out = await held;
    expect(out).toMatchObject({ status: "approved", record: { status: "consumed" } });
    expect((await a.get(id))!.status).toBe("consumed");
  });
  it("needs two distinct approvers when min is 2", async () => {
    const a = fresh();
    const id = await requested(a, stmt({ approval: { approvers: ["dba"], min: 2, reason: "r", ttl_seconds: 600 } }));
    const held = a.hold(id, 10_000);
    let settled = false;
    void held.then(() => (settled = true));
    await a.vote(id, bob, "approve", "");
    expect(await a.vote(id, bob, "approve", "")).toMatchObject({ ok: false, status: 409 });
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    await a.vote(id, carol, "approve", "");
    expect((await held).status).toBe("approved");
  });
  it("ends on a denial, with the approver's reason", async () => {
    const a = fresh();
    const id = await requested(a, stmt());
    const held = a.hold(id, 10_000);
    await a.vote(id, bob, "deny", "not during business hours");
    expect(await held).toMatchObject({ status: "denied", reason: `approval ${id} denied by bob@example.com: not during business hours` });
    expect(await a.vote(id, carol, "approve", "")).toEqual({ ok: false, status: 409, error: `approval ${id} is already denied` });
  });
  it("refuses self-approval, non-members and agents (403), unknown ids (404)", async () => {
    const a = fresh();
    const id = await requested(a, stmt({ identity: carol }));
    expect(await a.vote(id, carol, "approve", "")).toMatchObject({ ok: false, status: 403, error: "you cannot vote on your own request" });
    expect(await a.vote(id, dave, "approve", "")).toMatchObject({ ok: false, status: 403 });
    expect(await a.vote(id, agent, "approve", "")).toMatchObject({ ok: false, status: 403 });
    expect(await a.vote("zzzz-zzzz", bob, "approve", "")).toMatchObject({ ok: false, status: 404 });
    expect((await a.get(id))!.votes).toEqual([]);
  });
  it("resolves expired when nobody decides within the ttl, and timeout at the hold's limit", async () => {
    const a = fresh();
    const id = await requested(a, stmt({ approval: { approvers: ["dba"], min: 1, reason: "r", ttl_seconds: 1 } }));
    const t0 = Date.now();
    expect((await a.hold(id, 10_000)).status).toBe("expired");
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((await a.get(id))!.status).toBe("expired");
    expect(await a.vote(id, bob, "approve", "")).toMatchObject({ ok: false, status: 409 });
    const id2 = await requested(a, stmt());
    expect(await a.hold(id2, 100)).toMatchObject({ status: "timeout" });
    expect((await a.get(id2))!.status).toBe("pending");
  });
  it("is cancelled by its signal", async () => {
    const a = fresh();
    const id = await requested(a, stmt());
    const ac = new AbortController();
    const held = a.hold(id, 10_000, ac.signal);
    ac.abort();
    expect((await held).status).toBe("cancelled");
  });
  it("wakes on a vote made through another store instance on the same file (cross-process poll)", async () => {
    const path = sqlitePath();
    const gw1 = fresh(path);
    const gw2 = fresh(path);
    const id = await requested(gw1, stmt());
    const held = gw1.hold(id, 10_000);
    expect((await gw2.list({ status: "pending" })).map((r) => r.id)).toEqual([id]);
    const t0 = Date.now();
    await gw2.vote(id, bob, "approve", "");
    expect((await held).status).toBe("approved");
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe("defer", () => {
  it("lets the identical statement run once, never another statement or identity", async () => {
    const a = fresh();
    const s = stmt({ mode: "defer", statement: "DELETE FROM orders WHERE id = $1", params: ["42"] });
    const first = await a.gate({ ...s, holdTimeoutMs: 0 });
    expect(first).toMatchObject({ allow: false, message: expect.stringMatching(/^requires approval: TRUNCATE needs a DBA \(approval id [a-z2-9]{4}-[a-z2-9]{4}\)/) });
    const id = (first as { id: string }).id;
    // A retry before approval reuses the same request.
    expect(await a.gate({ ...s, holdTimeoutMs: 0 })).toMatchObject({ allow: false, id });
    await a.vote(id, bob, "approve", "");
    expect(await a.consumeDeferred(a.bindingOf({ ...s, params: ["43"] }), alice)).toBeNull();
    expect(await a.consumeDeferred(a.bindingOf({ ...s, statement: "DELETE FROM orders" }), alice)).toBeNull();
    expect(await a.consumeDeferred(a.bindingOf({ ...s, identity: dave }), dave)).toBeNull();
    expect(await a.consumeDeferred(a.bindingOf(s), dave)).toBeNull();
    expect(await a.gate({ ...s, statement: "DELETE   FROM orders\nWHERE id = $1;", holdTimeoutMs: 0 })).toEqual({ allow: true, id });
    expect(await a.consumeDeferred(a.bindingOf(s), alice)).toBeNull();
    expect((await a.get(id))!.status).toBe("consumed");
  });
  it("sweep saves overdue requests as expired, once", async () => {
    let clock = Date.parse("2026-03-01T10:00:00Z");
    const a = fresh(sqlitePath(), { now: () => new Date(clock) });
    const old = await requested(a, stmt({ approval: { approvers: ["dba"], min: 1, reason: "r", ttl_seconds: 10 } }));
    const young = await requested(a, stmt({ statement: "VACUUM", approval: { approvers: ["dba"], min: 1, reason: "r", ttl_seconds: 600 } }));
    clock += 11_000;
    expect(await a.sweep()).toBe(1);
    expect(await a.sweep()).toBe(0);
    expect((await a.list({ status: "expired" })).map((r) => r.id)).toEqual([old]);
    expect((await a.list({ status: "pending" })).map((r) => r.id)).toEqual([young]);
  });
  it("refuses an approved grant after its ttl", async () => {
    let clock = Date.parse("2026-03-01T10:00:00Z");
    const a = fresh(sqlitePath(), { now: () => new Date(clock) });
    const s = stmt({ mode: "defer", approval: { approvers: ["dba"], min: 1, reason: "r", ttl_seconds: 60 } });
    const r = await a.requestApproval(s);
    if (!r.ok) throw new Error(r.reason);
    clock += 30_000;
    await a.vote(r.id, bob, "approve", "");
    clock += 61_000;
    expect(await a.consumeDeferred(a.bindingOf(s), alice)).toBeNull();
    expect((await a.get(r.id))!.status).toBe("expired");
  });
  it("is consumed by exactly one of many concurrent retries (two store instances)", async () => {
    const path = sqlitePath();
    const gw1 = fresh(path);
    const gw2 = fresh(path);
    const s = stmt({ mode: "defer" });
    const id = await requested(gw1, s);
    await gw2.vote(id, bob, "approve", "");
    const b = gw1.bindingOf(s);
    const got = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? gw1 : gw2).consumeDeferred(b, alice)));
    expect(got.filter((g) => g !== null).map((g) => g!.id)).toEqual([id]);
  });
});

describe("store down", () => {
  it("denies with a reason when the SQLite path cannot be written", async () => {
    const dir = tempDir();
    const ro = join(dir, "ro");
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    writeFileSync(join(dir, "plain-file"), "");
    // A missing folder and a path under a regular file fail even for root.
    const paths = [join(dir, "missing", "deeper", "approvals.db"), join(dir, "plain-file", "approvals.db")];
    if (process.getuid?.() !== 0) paths.push(join(ro, "approvals.db")); // root ignores permissions
    for (const path of paths) {
      const a = fresh(path);
      const r = await a.requestApproval(stmt());
      expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/^approval store unavailable: cannot open /) });
      expect(await a.gate({ ...stmt(), holdTimeoutMs: 1000 })).toMatchObject({ allow: false, message: expect.stringContaining("approval store unavailable") });
      expect(await a.consumeDeferred("x", alice)).toBeNull();
      expect(await a.vote("abcd-efgh", bob, "approve", "")).toMatchObject({ ok: false, status: 503 });
    }
  });
});
