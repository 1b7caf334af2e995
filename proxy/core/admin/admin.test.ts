/** The admin API over real HTTP, with real OIDC tokens from the demo issuer and a real SQLite store. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApprovals, createSqliteStore, type Approvals, type ApprovalStore } from "../approvals/index.js";
import { AGENT, ALICE, BOB, CAROL, DAVE, people, sqlitePath, type People } from "../approvals/testkit/people.js";
import type { Identity } from "../contracts.js";
import { parseAddress, startAdminServer, type AdminServer } from "./server.js";

let p: People;
let store: ApprovalStore;
let approvals: Approvals;
let admin: AdminServer;
let alice: Identity;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  p = await people();
  store = createSqliteStore({ path: sqlitePath() });
  approvals = createApprovals({ store });
  admin = await startAdminServer({ approvals, authenticator: p.authenticator });
  alice = await p.identity(ALICE);
  for (const w of [ALICE, BOB, CAROL, DAVE, AGENT]) tokens[w.sub] = await p.token(w);
});
afterAll(async () => {
  await admin.close();
  await store.close();
  await p.issuer.close();
});

async function call(method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(admin.url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json" },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return { status: res.status, body: await res.json() };
}

async function newRequest(min = 1, statement = "TRUNCATE orders"): Promise<string> {
  const r = await approvals.requestApproval({ identity: alice, connection: "shop", statement, mode: "hold", approval: { approvers: ["dba"], min, reason: "needs a DBA", ttl_seconds: 600 } });
  if (!r.ok) throw new Error(r.reason);
  return r.id;
}

describe("admin API", () => {
  it("listens on loopback by default and refuses other addresses unless allowed", async () => {
    expect(admin.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(startAdminServer({ approvals, authenticator: p.authenticator, address: "0.0.0.0:0" })).rejects.toThrow(/not loopback/);
    expect(parseAddress("[::1]:9090")).toEqual({ host: "::1", port: 9090 });
    expect(parseAddress("nope")).toMatch(/host:port/);
  });

  it("a hold is granted by an approver's POST and the waiter resolves approved", async () => {
    const id = await newRequest();
    const held = approvals.hold(id, 10_000);
    const r = await call("POST", `/v1/approvals/${id}/approve`, tokens.bob, { reason: "ok for tonight" });
    expect(r).toMatchObject({ status: 200, body: { id, status: "approved", votes: [{ sub: "bob", email: "bob@example.com", decision: "approve", reason: "ok for tonight" }] } });
    expect((await held).status).toBe("approved");
    expect((await call("GET", `/v1/approvals/${id}`, tokens.dave)).body.status).toBe("consumed");
  });

  it("min 2 needs two distinct approvers; a second vote by the same one is 409", async () => {
    const id = await newRequest(2);
    expect((await call("POST", `/v1/approvals/${id}/approve`, tokens.bob, {})).body.status).toBe("pending");
    expect(await call("POST", `/v1/approvals/${id}/approve`, tokens.bob, {})).toMatchObject({ status: 409, body: { error: `you already voted on ${id}` } });
    expect((await call("POST", `/v1/approvals/${id}/approve`, tokens.carol, {})).body.status).toBe("approved");
  });

  it("a denial ends the request; later votes are 409", async () => {
    const id = await newRequest(2);
    const held = approvals.hold(id, 10_000);
    expect((await call("POST", `/v1/approvals/${id}/deny`, tokens.bob, { reason: "no" })).body.status).toBe("denied");
    expect((await held).status).toBe("denied");
    expect(await call("POST", `/v1/approvals/${id}/approve`, tokens.carol, {})).toMatchObject({ status: 409, body: { error: `approval ${id} is already denied` } });
  });

  it("401 without or with a bad token, 403 for self-approval, non-members and agents, 404, 400, 405", async () => {
    const id = await newRequest();
    expect(await call("GET", "/v1/approvals", undefined)).toMatchObject({ status: 401, body: { error: expect.stringMatching(/^missing bearer token/) } });
    expect(await call("GET", "/v1/approvals", "not.a.jwt")).toMatchObject({ status: 401, body: { error: expect.stringMatching(/^invalid token: /) } });
    const expired = await p.token({ ...BOB, ttlSeconds: -120 });
    expect(await call("POST", `/v1/approvals/${id}/approve`, expired, {})).toMatchObject({ status: 401, body: { error: expect.stringContaining("expired") } });
    expect(await call("POST", `/v1/approvals/${id}/approve`, tokens.alice, {})).toMatchObject({ status: 403, body: { error: "you cannot vote on your own request" } });
    expect(await call("POST", `/v1/approvals/${id}/approve`, tokens.dave, {})).toMatchObject({ status: 403, body: { error: `only members of dba may vote on ${id}` } });
    expect(await call("POST", `/v1/approvals/${id}/approve`, tokens["agent-7"], {})).toMatchObject({ status: 403 });
    expect(await call("GET", "/v1/approvals/zzzz-zzzz", tokens.bob)).toMatchObject({ status: 404 });
    expect(await call("POST", "/v1/approvals/zzzz-zzzz/approve", tokens.bob, {})).toMatchObject({ status: 404 });
    expect(await call("POST", `/v1/approvals/${id}/approve`, tokens.bob, "{oops")).toMatchObject({ status: 400 });
    expect(await call("POST", `/v1/approvals/${id}/approve`, tokens.bob, { reason: 7 })).toMatchObject({ status: 400 });
    expect(await call("GET", "/v1/approvals?status=maybe", tokens.bob)).toMatchObject({ status: 400 });
    expect(await call("DELETE", `/v1/approvals/${id}`, tokens.bob)).toMatchObject({ status: 405 });
    expect(await call("GET", "/v2/things", tokens.bob)).toMatchObject({ status: 404 });
    expect((await call("GET", `/v1/approvals/${id}`, tokens.bob)).body).toMatchObject({ status: "pending", votes: [] });
  });

  it("lists by status", async () => {
    const id = await newRequest(1, "DROP TABLE x");
    const pending = await call("GET", "/v1/approvals?status=pending", tokens.bob);
    expect(pending.status).toBe(200);
    expect(pending.body.approvals.map((a: { id: string }) => a.id)).toContain(id);
    expect(pending.body.approvals.every((a: { status: string }) => a.status === "pending")).toBe(true);
    const all = await call("GET", "/v1/approvals", tokens.bob);
    expect(all.body.approvals.length).toBeGreaterThan(pending.body.approvals.length);
  });

  it("an expired request shows as expired and cannot be voted on", async () => {
    const r = await approvals.requestApproval({ identity: alice, connection: "shop", statement: "VACUUM", mode: "defer", approval: { approvers: ["dba"], min: 1, reason: "r", ttl_seconds: 1 } });
    if (!r.ok) throw new Error(r.reason);
    await new Promise((res) => setTimeout(res, 1100));
    expect((await call("GET", `/v1/approvals/${r.id}`, tokens.bob)).body.status).toBe("expired");
    expect((await call("GET", "/v1/approvals?status=expired", tokens.bob)).body.approvals.map((a: { id: string }) => a.id)).toContain(r.id);
    expect(await call("POST", `/v1/approvals/${r.id}/approve`, tokens.bob, {})).toMatchObject({ status: 409 });
  });

  it("answers 503 when the store is down", async () => {
    const broken = createSqliteStore({ path: "/proc/definitely/not/here.db" });
    const server = await startAdminServer({ approvals: createApprovals({ store: broken }), authenticator: p.authenticator });
    try {
      const res = await fetch(`${server.url}/v1/approvals`, { headers: { authorization: `Bearer ${tokens.bob}` } });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toMatch(/^approval store unavailable/);
    } finally {
      await server.close();
      await broken.close();
    }
  });
});
