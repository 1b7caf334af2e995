import { afterEach, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createWebhook, type WebhookPayload } from "./webhook.js";
import { createApprovals } from "./workflow.js";
import { createSqliteStore } from "./store-sqlite.js";
import { ALICE, BOB, people, sqlitePath } from "./testkit/people.js";

interface Sink {
  url: string;
  received: WebhookPayload[];
  close(): Promise<void>;
}

/** A local HTTP endpoint answering each POST with the next status in `statuses` (then 200). */
async function sink(statuses: number[] = [], delayMs = 0): Promise<Sink> {
  const received: WebhookPayload[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      setTimeout(() => {
        const status = statuses.shift() ?? 200;
        if (status === 200) received.push(JSON.parse(Buffer.concat(chunks).toString()) as WebhookPayload);
        res.writeHead(status).end();
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

describe("webhook", () => {
  it("posts every new request and outcome with a Slack-compatible text", async () => {
    const s = await sink();
    const p = await people();
    const store = createSqliteStore({ path: sqlitePath() });
    const hook = createWebhook({ url: s.url, onError: (m) => { throw new Error(m); } });
    cleanup.push(s.close, p.issuer.close, store.close, hook.close);
    const a = createApprovals({ store, webhook: hook });
    const [alice, bob] = await Promise.all([p.identity(ALICE), p.identity(BOB)]);
    const r = await a.requestApproval({ identity: alice, connection: "shop", statement: "TRUNCATE orders", mode: "hold", approval: { approvers: ["dba"], min: 1, reason: "TRUNCATE needs a DBA", ttl_seconds: 600 } });
    if (!r.ok) throw new Error(r.reason);
    const held = a.hold(r.id, 5000);
    await a.vote(r.id, bob, "approve", "ok");
    await held;
    await hook.flush();
    expect(s.received.map((x) => x.event)).toEqual(["approval.requested", "approval.approved", "approval.consumed"]);
    expect(s.received[0]!.text).toContain(`Approval ${r.id} requested by alice@example.com on shop: TRUNCATE needs a DBA`);
    expect(s.received[0]!.text).toContain(`portcullis approvals approve ${r.id}`);
    expect(s.received[1]!.text).toMatch(new RegExp(`^Approval ${r.id} approved by bob@example.com \\(ok\\)`));
    expect(s.received[1]!.approval).toMatchObject({ id: r.id, status: "approved" });
  });

  it("retries failures with backoff and reports a delivery it gives up on", async () => {
    const s = await sink([500, 503]);
    const errors: string[] = [];
    const hook = createWebhook({ url: s.url, backoffMs: 20, attempts: 3, onError: (m) => errors.push(m) });
    cleanup.push(s.close, hook.close);
    const rec = { id: "abcd-efgh", requester: { sub: "alice", groups: [] }, connection: "shop", summary: "x", votes: [], approval: { approvers: ["dba"], min: 1, reason: "r", ttl_seconds: 1 }, expires_at: "2026-01-01T00:00:00Z" } as never;
    hook.notify("approval.denied", rec);
    await hook.flush();
    expect(s.received).toHaveLength(1);
    expect(errors).toEqual([]);

    const dead = createWebhook({ url: "http://127.0.0.1:1/hook", backoffMs: 5, attempts: 2, onError: (m) => errors.push(m) });
    cleanup.push(dead.close);
    dead.notify("approval.expired", rec);
    await dead.flush();
    expect(errors).toEqual([expect.stringMatching(/^approval.expired abcd-efgh not delivered after 2 attempts: /)]);
  });

  it("never blocks the caller, even when the endpoint is slow", async () => {
    const s = await sink([], 100);
    const hook = createWebhook({ url: s.url });
    cleanup.push(s.close, hook.close);
    const rec = { id: "abcd-efgh", requester: { sub: "a", groups: [] }, connection: "c", summary: "x", votes: [], approval: { approvers: [], min: 1, reason: "r", ttl_seconds: 1 }, expires_at: "" } as never;
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) hook.notify("approval.requested", rec);
    expect(performance.now() - t0).toBeLessThan(20);
    await hook.flush();
    expect(s.received).toHaveLength(10);
  });
});
