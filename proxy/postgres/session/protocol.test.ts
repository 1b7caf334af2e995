/**
 * Exact message sequences through the gateway (a bare protocol client against the real
 * server): pipelined extended-protocol batches with a denial in the middle, Flush,
 * unknown statements and portals, FunctionCall, GSSENCRequest, plaintext refusals, the
 * session input the policy sees, the tripwires' control run, and draining on close().
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import fc from "fast-check";
import { encodeClientMessage as enc } from "../codec/index.js";
import type { PolicyInput } from "../../core/contracts.js";
import { PostgresGateway } from "./gateway.js";
import { PG, RawClient, direct, policyDecider, summary, tlsMaterial, tokens } from "./testkit/index.js";
import { POLICY, clearLog, installFixtures, tripwireLog } from "./testkit/fixtures.js";

/** This file's own database (test files run in parallel). */
const DB = "pcs_protocol";

let gateway: PostgresGateway;
let port: number;
let token: string;
let inputs: PolicyInput[];
let authenticator: Awaited<ReturnType<typeof tokens>>["authenticator"];

const options = async () => {
  const decider = await policyDecider(POLICY);
  return {
    upstream: { host: PG.host, port: PG.port, user: "postgres", database: DB },
    connection: { name: "proto-db", type: "postgres" as const, tags: { env: "test" } },
    decider,
    authenticator,
  };
};

beforeAll(async () => {
  await installFixtures(DB);
  const t = await tokens();
  authenticator = t.authenticator;
  token = await t.issuer.mint({ sub: "dave", groups: ["ops"], agent: true });
  const main = await options();
  inputs = main.decider.inputs;
  gateway = new PostgresGateway({ ...main, allowPlaintextPassword: true, policyVersion: () => 1 });
  port = (await gateway.listen({ host: "127.0.0.1", port: 0 })).port;
  await clearLog(DB);
});

afterAll(async () => {
  await gateway?.close({ graceMs: 500 });
});

const parse = (sql: string, name = "") => enc({ type: "Parse", name, sql, paramTypes: [] });
const bind = (statement = "", params: (string | null)[] = [], portal = "") =>
  enc({ type: "Bind", portal, statement, paramFormats: [], params: params.map((p) => (p === null ? null : Buffer.from(p))), resultFormats: [] });
const execute = (portal = "") => enc({ type: "Execute", portal, maxRows: 0 });
const sync = enc({ type: "Sync" });
const flush = enc({ type: "Flush" });
const query = (sql: string) => enc({ type: "Query", sql });

describe("extended protocol sequences", () => {
  it("a denial mid-batch: earlier messages answered, error in place, skip to Sync, ReadyForQuery", async () => {
    const c = await RawClient.login(port, token);
    c.send(parse("SELECT 1 AS a"), bind(), execute(), parse("DELETE FROM pcs_guarded"), bind(), execute(), sync, query("SELECT 2 AS b"));
    const got = summary(await c.until((m) => m.type === "ReadyForQuery", 2));
    expect(got).toEqual([
      "ParseComplete", "BindComplete", "DataRow", "CommandComplete",
      "Error:42501", "Ready:I",
      "RowDescription", "DataRow", "CommandComplete", "Ready:I",
    ]);
    c.close();
    expect(await tripwireLog(DB)).toEqual([]);
  });

  it("keeps a transaction open ('T') across a denied Parse inside it", async () => {
    const c = await RawClient.login(port, token);
    c.send(query("BEGIN"));
    await c.until((m) => m.type === "ReadyForQuery");
    c.send(parse("SELECT * FROM pcs_secrets"), bind(), execute(), sync);
    expect(summary(await c.until((m) => m.type === "ReadyForQuery"))).toEqual(["Error:42501", "Ready:T"]);
    c.send(query("SELECT 1"));
    expect(summary(await c.until((m) => m.type === "ReadyForQuery"))).toEqual(["RowDescription", "DataRow", "CommandComplete", "Ready:T"]);
    c.send(query("ROLLBACK"));
    expect(summary(await c.until((m) => m.type === "ReadyForQuery"))).toEqual(["CommandComplete", "Ready:I"]);
    c.close();
  });

  it("answers a Flush, then a denial after it closes the half-done batch upstream", async () => {
    const c = await RawClient.login(port, token);
    c.send(parse("SELECT 3 AS c", "s3"), flush);
    expect(summary(await c.until((m) => m.type === "ParseComplete"))).toEqual(["ParseComplete"]);
    c.send(bind("s3", [], "p3"), execute("p3"), flush);
    expect(summary(await c.until((m) => m.type === "CommandComplete"))).toEqual(["BindComplete", "DataRow", "CommandComplete"]);
    c.send(parse("UPDATE pcs_guarded SET v = 'x'"), bind(), execute(), sync);
    expect(summary(await c.until((m) => m.type === "ReadyForQuery"))).toEqual(["Error:42501", "Ready:I"]);
    // The named statement survived: it was created before the denial.
    c.send(bind("s3"), execute(), sync);
    expect(summary(await c.until((m) => m.type === "ReadyForQuery"))).toEqual(["BindComplete", "DataRow", "CommandComplete", "Ready:I"]);
    c.close();
    expect(await tripwireLog(DB)).toEqual([]);
  });

  it("refuses unknown statements and portals, a denied statement at Bind, and a duplicate name", async () => {
    const c = await RawClient.login(port, token);
    c.send(bind("nope"), execute(), sync);
    expect(summary(await c.until((m) => m.type === "ReadyForQuery"))).toEqual(["Error:26000", "Ready:I"]);
    c.send(execute("no-portal"), sync);
    expect(summary(await c.until((m) => m.type === "ReadyForQuery"))).toEqual(["Error:34000", "Ready:I"]);
    c.send(parse("DELETE FROM pcs_guarded WHERE id = $1", "del"), sync);
    expect(summary(await c.until((m) => m.type === "ReadyForQuery"))).toEqual(["Error:42501", "Ready:I"]);
    // Binding the denied statement repeats its denial.
    c.send(bind("del", ["1"]), execute(), sync);
    expect(summary(await c.until((m) => m.type === "ReadyForQuery"))).toEqual(["Error:42501", "Ready:I"]);
    c.send(parse("SELECT $1::int AS n", "dup"), parse("SELECT 2", "dup"), sync);
    expect(summary(await c.until((m) => m.type === "ReadyForQuery"))).toEqual(["ParseComplete", "Error:42P05", "Ready:I"]);
    c.send(bind("dup", ["666"]), execute(), sync);
    const denied = await c.until((m) => m.type === "ReadyForQuery");
    expect(summary(denied)).toEqual(["Error:42501", "Ready:I"]);
    expect(denied[0]!.type === "ErrorResponse" && denied[0]!.fields.message).toContain("parameter value 666 is not allowed");
    c.send(bind("dup", ["5"]), execute(), sync);
    expect(summary(await c.until((m) => m.type === "ReadyForQuery"))).toEqual(["BindComplete", "DataRow", "CommandComplete", "Ready:I"]);
    c.close();
    expect(await tripwireLog(DB)).toEqual([]);
  });

  it("denies FunctionCall and keeps going", async () => {
    const c = await RawClient.login(port, token);
    c.send(enc({ type: "FunctionCall", functionOid: 1, argFormats: [], args: [], resultFormat: 0 }));
    expect(summary(await c.until((m) => m.type === "ReadyForQuery"))).toEqual(["Error:42501", "Ready:I"]);
    c.send(query("SELECT 1"));
    expect(summary(await c.until((m) => m.type === "ReadyForQuery"))).toEqual(["RowDescription", "DataRow", "CommandComplete", "Ready:I"]);
    c.close();
  });
});

describe("startup", () => {
  it("declines GSSENCRequest with 'N' and carries on", async () => {
    const s = connect({ host: "127.0.0.1", port });
    await new Promise((r) => s.once("connect", r));
    s.write(enc({ type: "GSSENCRequest" }));
    const answer = await new Promise<Buffer>((r) => s.once("data", r));
    expect(answer.toString()).toBe("N");
    s.write(enc({ type: "Startup", major: 3, minor: 0, parameters: { user: "x" } }));
    const next = await new Promise<Buffer>((r) => s.once("data", r));
    expect(next[0]).toBe(0x52); // 'R': AuthenticationCleartextPassword
    s.destroy();
  });

  it("refuses to take a token over plaintext unless allowed, and plaintext after SSLRequest", async () => {
    const tls = tlsMaterial();
    const strict = new PostgresGateway({ ...(await options()), tls: { cert: tls.cert, key: tls.key } });
    const p = (await strict.listen({ host: "127.0.0.1", port: 0 })).port;
    try {
      const c = new pg.Client({ host: "127.0.0.1", port: p, user: "dave", password: token, database: DB, ssl: false });
      const e = await c.connect().then(() => null, (err: { code?: string; message: string }) => err);
      expect(e?.code).toBe("28000");
      expect(e?.message).toContain("must be sent over TLS");
      // CVE-2021-23214: bytes sent ahead of the TLS handshake are refused, not read as encrypted.
      const s = connect({ host: "127.0.0.1", port: p });
      await new Promise((r) => s.once("connect", r));
      const data: Buffer[] = [];
      s.on("data", (b: Buffer) => data.push(b));
      const closed = new Promise((r) => s.once("close", r));
      s.write(Buffer.concat([enc({ type: "SSLRequest" }), enc({ type: "Startup", major: 3, minor: 0, parameters: { user: "x" } })]));
      await closed;
      expect(Buffer.concat(data).toString("latin1")).toContain("received unencrypted data after SSL request");
      // With TLS, it works.
      const ok = new pg.Client({ host: "127.0.0.1", port: p, user: "dave", password: token, database: DB, ssl: { rejectUnauthorized: false } });
      await ok.connect();
      expect((await ok.query("SELECT 1 AS x")).rows).toEqual([{ x: 1 }]);
      await ok.end();
    } finally {
      await strict.close({ graceMs: 200 });
    }
  });
});

describe("what the policy sees", () => {
  it("identity, connection, session (id, start, address, application_name, stats) and the request", async () => {
    const c = new pg.Client({ host: "127.0.0.1", port, user: "dave", password: token, database: DB, application_name: "unit-app" });
    await c.connect();
    const before = inputs.length;
    await c.query("SELECT 1");
    await c.query("SELECT name FROM pcs_items WHERE id = $1", [9]);
    await c.query("DELETE FROM pcs_guarded").catch(() => {});
    await c.end();
    const seen = inputs.slice(before);
    expect(seen[0]!.identity).toMatchObject({ sub: "dave", groups: ["ops"], agent: true });
    expect(seen[0]!.connection).toEqual({ name: "proto-db", type: "postgres", tags: { env: "test" } });
    expect(seen[0]!.session).toMatchObject({ application_name: "unit-app", client_addr: expect.stringContaining("127.0.0.1") });
    expect(seen[0]!.session.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(seen[0]!.session.started_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(seen.map((i) => i.session.stats)).toEqual([
      { statements: 1, denied: 0 }, // SELECT 1
      { statements: 2, denied: 0 }, // Parse
      { statements: 3, denied: 0 }, // Bind with $1 = 9
      { statements: 4, denied: 0 }, // DELETE: counted as it is decided …
    ]);
    expect((seen[2]!.request as { params: unknown[] }).params).toEqual(["9"]);
    expect(seen.map((i) => i.session.id).every((id) => id === seen[0]!.session.id)).toBe(true);
  });
});

describe("the tripwires (control)", () => {
  it("do fire when the denied statements run directly", async () => {
    const d = await direct(DB);
    try {
      await d.query("BEGIN");
      await d.query("SELECT * FROM pcs_secrets");
      await d.query("DELETE FROM pcs_guarded WHERE id = 2");
      await d.query("DO $$ BEGIN UPDATE pcs_guarded SET v = v; END $$");
      const r = await d.query("SELECT what FROM pcs_log ORDER BY id");
      expect(r.rows.map((x) => x.what)).toEqual(["read pcs_secrets", "DELETE pcs_guarded", "UPDATE pcs_guarded"]);
    } finally {
      await d.query("ROLLBACK");
      await d.end();
    }
  });
});

describe("close()", () => {
  it("lets a running statement finish, then ends sessions and refuses new ones", async () => {
    const g = new PostgresGateway({ ...(await options()), allowPlaintextPassword: true });
    const p = (await g.listen({ host: "127.0.0.1", port: 0 })).port;
    const c = new pg.Client({ host: "127.0.0.1", port: p, user: "dave", password: token, database: DB });
    c.on("error", () => {});
    await c.connect();
    const running = c.query("SELECT pg_sleep(0.4), 'finished' AS s");
    await new Promise((r) => setTimeout(r, 100));
    const closing = g.close({ graceMs: 3000 });
    expect((await running).rows[0].s).toBe("finished");
    await closing;
    expect(g.sessionCount).toBe(0);
    const late = new pg.Client({ host: "127.0.0.1", port: p, user: "dave", password: token, database: DB });
    await expect(late.connect()).rejects.toThrow();
  });
});

describe("upstream loss", () => {
  it("ends only the session whose backend went away, with a FATAL error", async () => {
    const victim = await RawClient.login(port, token);
    const bystander = await RawClient.login(port, token);
    victim.send(query("SELECT pg_backend_pid() AS pid"));
    const rows = await victim.until((m) => m.type === "ReadyForQuery");
    const row = rows.find((m) => m.type === "DataRow");
    const pid = row?.type === "DataRow" ? Number(row.values[0]!.toString()) : NaN;
    const d = await direct(DB);
    await d.query("SELECT pg_terminate_backend($1)", [pid]);
    await d.end();
    const last = await victim.until(() => false, 1, 3000).catch(() => []);
    expect(victim.closed).toBe(true);
    expect(summary(last)).toContain("Error:57P01"); // PostgreSQL's own notice of the termination, relayed
    bystander.send(query("SELECT 1"));
    expect(summary(await bystander.until((m) => m.type === "ReadyForQuery"))).toEqual(["RowDescription", "DataRow", "CommandComplete", "Ready:I"]);
    bystander.close();
  });
});

describe("random bytes after login", () => {
  it("never take the gateway down: the connection gets 08P01 or an answer, others carry on", async () => {
    const bystander = await RawClient.login(port, token);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (bytes) => {
        const c = await RawClient.login(port, token);
        c.send(Buffer.from(bytes));
        await new Promise((r) => setTimeout(r, 20));
        const got = summary(c.received.splice(0));
        const b = Buffer.from(bytes);
        const known = "QPBDESHCdcfFX";
        const length = b.length >= 5 ? b.readInt32BE(1) : 0;
        const unknownType = !known.includes(String.fromCharCode(b[0]!));
        // The framer reads a whole frame before looking at its type, so an unknown type is
        // only reported once its declared body has arrived (or its length is out of bounds).
        if (b.length >= 5 && (length < 4 || (unknownType && (length > 10_000 || b.length >= length + 1)))) {
          // A bad length or an unknown type is a protocol violation: 08P01, and this connection ends.
          await c.until(() => false, 1, 2000).catch(() => []);
          expect(got.concat(summary(c.received))).toContain("Error:08P01");
          expect(c.closed).toBe(true);
        }
        c.close();
      }),
      { numRuns: 25 },
    );
    bystander.send(query("SELECT 1"));
    expect(summary(await bystander.until((m) => m.type === "ReadyForQuery"))).toEqual(["RowDescription", "DataRow", "CommandComplete", "Ready:I"]);
    bystander.close();
    expect(await tripwireLog(DB)).toEqual([]);
  });
});

describe("policyReadsParams", () => {
  it("false: a Bind is not decided again, the Parse decision stands", async () => {
    const main = await options();
    const g = new PostgresGateway({ ...main, allowPlaintextPassword: true, policyReadsParams: () => false });
    const p = (await g.listen({ host: "127.0.0.1", port: 0 })).port;
    try {
      const c = await RawClient.login(p, token);
      c.send(parse("SELECT $1::int AS n", "s"), sync);
      await c.until((m) => m.type === "ReadyForQuery");
      const before = main.decider.inputs.length;
      for (const v of ["1", "2", "3"]) {
        c.send(bind("s", [v]), execute(), sync);
        expect(summary(await c.until((m) => m.type === "ReadyForQuery"))).toEqual(["BindComplete", "DataRow", "CommandComplete", "Ready:I"]);
      }
      expect(main.decider.inputs.length).toBe(before);
      c.close();
    } finally {
      await g.close({ graceMs: 200 });
    }
  });
});

describe("client_encoding", () => {
  it("a change the guard cannot see still ends the session before anything else runs in it", async () => {
    const c = await RawClient.login(port, token);
    c.send(query("SET client_encoding = 'SJIS'"));
    expect(summary(await c.until((m) => m.type === "ReadyForQuery"))).toEqual(["Error:42501", "Ready:I"]);
    c.send(query("SELECT set_config('client_' || 'encoding', 'SJIS', false)"));
    const last = await c.until(() => false, 1, 3000).catch(() => []);
    expect(summary(last)).toContain("Error:0A000");
    expect(c.closed).toBe(true);
  });
});
