/**
 * Session recording through the gateway with psql: the recording verifies, holds each
 * statement (allowed with row counts, denied with the reason) and the disconnect, and never
 * the upstream password; a gateway that cannot record refuses the session.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresGateway } from "./gateway.js";
import { PG, loginRole, policyDecider, psql, secret, setupServer, tokens } from "./testkit/index.js";
import { POLICY, installFixtures } from "./testkit/fixtures.js";
import { recordingFiles, verifyRecording } from "../../core/recording/index.js";

const DB = "pcs_recording";
const password = secret();
const key = randomBytes(32);
const dir = mkdtempSync(join(tmpdir(), "pcs-rec-"));
const gateways: PostgresGateway[] = [];
let token: string;

async function start(recordingDir: string): Promise<number> {
  const { issuer, authenticator } = await tokens();
  token = await issuer.mint({ sub: "alice", groups: ["dev"] });
  const g = new PostgresGateway({
    upstream: { host: PG.host, port: PG.port, user: "pcs_scram", password, database: DB },
    connection: { name: "rec-db", type: "postgres", tags: {} },
    decider: await policyDecider(POLICY),
    authenticator,
    allowPlaintextPassword: true,
    recording: { dir: recordingDir, key, secrets: [] },
  });
  gateways.push(g);
  return (await g.listen({ host: "127.0.0.1", port: 0 })).port;
}

beforeAll(async () => {
  setupServer();
  await installFixtures(DB);
  await loginRole("pcs_scram", password, "scram-sha-256");
  const { direct } = await import("./testkit/index.js");
  const c = await direct(DB);
  await c.query("GRANT ALL ON ALL TABLES IN SCHEMA public TO pcs_scram");
  await c.end();
});

afterAll(async () => {
  for (const g of gateways) await g.close({ graceMs: 500 });
});

describe("recording", () => {
  it("a psql session's recording verifies and holds statements, denials and the disconnect, never the upstream password", async () => {
    const port = await start(dir);
    const out = await psql(
      ["-h", "127.0.0.1", "-p", String(port), "-U", "alice", "-d", DB, "-At"],
      { PGPASSWORD: token },
      `SELECT count(*) FROM pcs_items;\nSELECT * FROM pcs_secrets;\nSELECT '${password}' AS leak;\n`,
    );
    expect(out.stdout).toContain("50");
    expect(out.stderr).toContain("reading public.pcs_secrets is not allowed");
    await new Promise((r) => setTimeout(r, 300));
    const files = await recordingFiles(dir);
    expect(files).toHaveLength(1);
    const v = await verifyRecording(files[0]!, key);
    expect(v).toMatchObject({ ok: true, complete: true });
    const text = readFileSync(files[0]!, "utf8");
    expect(text).not.toContain(password);
    const lines = text.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.type)).toEqual(["connect", "statement", "statement", "statement", "disconnect"]);
    expect(lines[1]).toMatchObject({ text: "SELECT count(*) FROM pcs_items;", rows_returned: 1, decision: { outcome: "allow" }, input: { kinds: ["select"], tables: ["public.pcs_items"] } });
    expect(lines[2]).toMatchObject({ decision: { outcome: "deny", reasons: ["reading public.pcs_secrets is not allowed"] } });
    expect(String(lines[2]!.error)).toMatch(/denied by policy/);
    expect(lines[3]).toMatchObject({ rows_returned: 1 });
  });

  it("refuses the session when the recording cannot start", async () => {
    const bad = join(mkdtempSync(join(tmpdir(), "pcs-rec-bad-")), "file");
    writeFileSync(bad, "");
    const port = await start(bad);
    const out = await psql(["-h", "127.0.0.1", "-p", String(port), "-U", "alice", "-d", DB, "-c", "SELECT 1"], { PGPASSWORD: token });
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain("cannot record this session");
  });
});
