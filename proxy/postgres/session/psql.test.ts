/**
 * The gateway with `psql` (a child process) over TLS (`sslmode=require`, token in
 * PGPASSWORD): queries, transactions, COPY FROM STDIN, cancel by SIGINT, refusals of
 * plaintext and bad tokens, and a malformed frame that ends only its own connection.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeClientMessage } from "../codec/index.js";
import { PostgresGateway } from "./gateway.js";
import type { GatewayLogEvent } from "./types.js";
import { PG, direct, policyDecider, psql, tlsMaterial, tokens } from "./testkit/index.js";
import { POLICY, clearLog, installFixtures, tripwireLog } from "./testkit/fixtures.js";
import pg from "pg";

/** This file's own database (test files run in parallel). */
const DB = "pcs_psql";
let gateway: PostgresGateway;
let port: number;
let token: string;
let expired: string;
const logs: GatewayLogEvent[] = [];

beforeAll(async () => {
  await installFixtures(DB);
  const { issuer, authenticator } = await tokens();
  token = await issuer.mint({ sub: "bob", groups: ["dev"] });
  expired = await issuer.mint({ sub: "bob", ttlSeconds: -3600 });
  const tls = tlsMaterial();
  gateway = new PostgresGateway({
    upstream: { host: PG.host, port: PG.port, user: "postgres", database: DB },
    connection: { name: "test-db", type: "postgres", tags: {} },
    decider: await policyDecider(POLICY),
    authenticator,
    tls: { cert: tls.cert, key: tls.key },
    requireTls: true,
    policyVersion: () => 1,
    log: (e) => logs.push(e),
  });
  port = (await gateway.listen({ host: "127.0.0.1", port: 0 })).port;
  await clearLog(DB);
});

afterAll(async () => {
  await gateway?.close({ graceMs: 1000 });
});

const conn = (sslmode = "require"): string[] => ["-h", "127.0.0.1", "-p", String(port), "-U", "bob", "-d", DB, "--set", `sslmode=${sslmode}`];
const env = (password = token, sslmode = "require"): Record<string, string> => ({ PGPASSWORD: password, PGSSLMODE: sslmode, PGAPPNAME: "psql-test" });

describe("psql over TLS", () => {
  it("returns what a direct psql returns (rows and command tags)", async () => {
    const script = "SELECT id, name, price, tags FROM pcs_items WHERE id <= 5 ORDER BY id;\nSELECT count(*) FROM pcs_items;\nBEGIN;\nUPDATE pcs_items SET name = name WHERE id = 1;\nROLLBACK;\n";
    const via = await psql(conn(), env(), script);
    const straight = await psql(["-h", PG.host, "-p", String(PG.port), "-U", "postgres", "-d", DB], {}, script);
    expect(via.stderr).toBe("");
    expect(via.code).toBe(0);
    expect(via.stdout).toBe(straight.stdout);
    expect(via.stdout).toContain("UPDATE 1");
  });

  it("denies with 42501 and carries on, keeping the transaction open", async () => {
    const script = [
      "\\set VERBOSITY verbose",
      "BEGIN;",
      "INSERT INTO pcs_copy VALUES (500, 'kept');",
      "DELETE FROM pcs_guarded;",
      "SELECT note FROM pcs_copy WHERE id = 500;",
      "COMMIT;",
      // psql sends statements joined by \; as one Query message.
      "SELECT 1 AS one \\; SELECT * FROM pcs_secrets;",
      "SELECT 'still here' AS status;",
      "",
    ].join("\n");
    const r = await psql(conn(), env(), script);
    expect(r.stderr).toMatch(/ERROR: {2}42501: denied by policy: writing public.pcs_guarded is not allowed \(decision [0-9a-f-]{36}\)/);
    expect(r.stderr).toMatch(/ERROR: {2}42501: denied by policy: reading public.pcs_secrets is not allowed/);
    expect(r.stdout).toContain(" kept\n");
    expect(r.stdout).toContain("COMMIT");
    expect(r.stdout).toContain("still here");
    expect(r.stdout).not.toContain(" one \n"); // the multi-statement string was refused as a whole
    expect(await tripwireLog(DB)).toEqual([]);
    const d = await direct(DB);
    expect((await d.query("SELECT count(*)::int AS n FROM pcs_copy WHERE id = 500")).rows).toEqual([{ n: 1 }]);
    await d.end();
  });

  it("decides EXECUTE on the PREPAREd body (psql)", async () => {
    const script = [
      "PREPARE item(int) AS SELECT name FROM pcs_items WHERE id = $1;",
      "EXECUTE item(8);",
      "PREPARE wipe AS DELETE FROM pcs_guarded;",
      "EXECUTE wipe;",
      "SELECT count(*) AS guarded FROM pcs_guarded;",
      "",
    ].join("\n");
    const r = await psql(conn(), env(), script);
    expect(r.stdout).toContain("item 8");
    expect(r.stdout).toContain("PREPARE");
    expect(r.stderr).toContain("denied by policy: writing public.pcs_guarded is not allowed");
    expect(r.stdout).toMatch(/guarded\s*\n-+\n\s*2\n/);
    expect(await tripwireLog(DB)).toEqual([]);
  });

  it("streams COPY FROM STDIN when the COPY is allowed", async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `${1000 + i}\tnote ${i}`).join("\n");
    const r = await psql(conn(), env(), `COPY pcs_copy (id, note) FROM STDIN;\n${rows}\n\\.\nSELECT count(*) FROM pcs_copy WHERE id >= 1000;\n`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("COPY 2000");
    expect(r.stdout).toMatch(/\b2000\b/);
    const denied = await psql(conn(), env(), "COPY pcs_guarded FROM STDIN;\n3\tthree\n\\.\nSELECT 'after' AS s;\n");
    expect(denied.stderr).toContain("denied by policy: writing public.pcs_guarded is not allowed");
    expect(denied.stdout).toContain("after");
    expect(await tripwireLog(DB)).toEqual([]);
  });

  it("cancels pg_sleep on SIGINT", async () => {
    const started = Date.now();
    const r = await psql(conn(), env(), "SELECT pg_sleep(10);\n", 800);
    expect(r.stderr).toContain("canceling statement due to user request");
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it("refuses plaintext when TLS is required, and bad tokens with 28P01", async () => {
    const plain = await psql([...conn("disable")], env(token, "disable"), "SELECT 1;\n");
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toContain("accepts TLS connections only");
    const bad = await psql(conn(), env(expired), "SELECT 1;\n");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/token authentication failed: .*exp/i);
    const garbage = await psql(conn(), env("not-a-token"), "SELECT 1;\n");
    expect(garbage.stderr).toContain("token authentication failed");
    // 28P01 is the SQLSTATE; psql prints it with VERBOSITY verbose only, so check with pg too.
    const c = new pg.Client({ host: "127.0.0.1", port, user: "bob", password: expired, database: DB, ssl: { rejectUnauthorized: false } });
    const e = await c.connect().then(() => null, (err: { code?: string }) => err);
    expect(e?.code).toBe("28P01");
  });
});

describe("malformed frames", () => {
  it("close only their own connection with 08P01", async () => {
    const tls = await import("node:tls");
    const other = new pg.Client({ host: "127.0.0.1", port, user: "bob", password: token, database: DB, ssl: { rejectUnauthorized: false } });
    await other.connect();
    // A raw TLS client: SSLRequest, startup, password, then a Query frame with a bogus length.
    const sock = connect({ host: "127.0.0.1", port });
    await new Promise((r) => sock.once("connect", r));
    sock.write(encodeClientMessage({ type: "SSLRequest" }));
    await new Promise((r) => sock.once("data", r));
    const t = tls.connect({ socket: sock, rejectUnauthorized: false });
    await new Promise((r) => t.once("secureConnect", r));
    const received: Buffer[] = [];
    t.on("data", (b: Buffer) => received.push(b));
    const closed = new Promise((r) => t.once("close", r));
    t.write(encodeClientMessage({ type: "Startup", major: 3, minor: 0, parameters: { user: "bob", database: DB } }));
    await new Promise((r) => setTimeout(r, 100));
    t.write(encodeClientMessage({ type: "PasswordMessage", password: token }));
    await new Promise((r) => setTimeout(r, 300));
    const bogus = Buffer.from([0x51, 0, 0, 0, 2]); // 'Q' with length 2 (< 4)
    t.write(bogus);
    await closed;
    const all = Buffer.concat(received).toString("latin1");
    expect(all).toContain("08P01");
    expect(all).toContain("invalid length");
    expect((await other.query("SELECT 'unaffected' AS s")).rows).toEqual([{ s: "unaffected" }]);
    await other.end();
  });
});
