/**
 * `portcullis approvals` against a running admin API: in process (through the command
 * object, with captured output) and as a separate node process running the built command,
 * the way an approver's terminal would (until the lead registers it in cli/commands/index.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { approvalsCommand, runApprovals, type ApprovalsIo } from "../../../cli/commands/approvals.js";
import { UsageError } from "../../../cli/command.js";
import { createApprovals, createSqliteStore, type Approvals, type ApprovalStore } from "../approvals/index.js";
import { ALICE, BOB, CAROL, DAVE, people, sqlitePath, tempDir, type People } from "../approvals/testkit/people.js";
import type { Identity } from "../contracts.js";
import { startAdminServer, type AdminServer } from "./server.js";

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
  for (const w of [ALICE, BOB, CAROL, DAVE]) tokens[w.sub] = await p.token(w);
});
afterAll(async () => {
  await admin.close();
  await store.close();
  await p.issuer.close();
});

async function cli(args: string[], token?: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: ApprovalsIo = { out: (t) => (out += t), err: (t) => (err += t), env: token ? { PORTCULLIS_TOKEN: token } : {} };
  const code = await runApprovals([...args, "--url", admin.url], io);
  return { code, out, err };
}

async function newRequest(statement: string, min = 1): Promise<string> {
  const r = await approvals.requestApproval({ identity: alice, connection: "shop", statement, mode: "hold", approval: { approvers: ["dba"], min, reason: "needs a DBA", ttl_seconds: 600 } });
  if (!r.ok) throw new Error(r.reason);
  return r.id;
}

describe("portcullis approvals (in process)", () => {
  it("is a Command named approvals with help", () => {
    expect(approvalsCommand.name).toBe("approvals");
    expect(approvalsCommand.help).toMatch(/portcullis approvals approve <id> \[--reason <r>\]/);
  });

  it("lists, shows and approves; the held statement then runs", async () => {
    const id = await newRequest("TRUNCATE orders");
    const held = approvals.hold(id, 10_000);
    const list = await cli(["list", "--status", "pending"], tokens.bob);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`^ID +STATUS +CREATED +REQUESTER +CONNECTION +VOTES +STATEMENT\\n${id} +pending +\\S+ +alice@example.com +shop +0/1 +TRUNCATE orders\\n`));
    const show = await cli(["show", id], tokens.bob);
    expect(show.out).toContain(`approval ${id}: pending`);
    expect(show.out).toContain("needs       1 of [dba]");
    const ok = await cli(["approve", id, "--reason", "maintenance window"], tokens.bob);
    expect(ok).toEqual({ code: 0, out: `approved ${id}: now approved\n`, err: "" });
    expect((await held).status).toBe("approved");
    expect((await cli(["show", id], tokens.bob)).out).toContain("vote        approve by bob@example.com at");
  });

  it("reports refusals with exit 1: self-approval, non-member, unknown id, already decided, bad token", async () => {
    const id = await newRequest("DELETE FROM orders", 2);
    expect(await cli(["approve", id], tokens.alice)).toMatchObject({ code: 1, err: "portcullis approvals: you cannot vote on your own request (HTTP 403)\n" });
    expect(await cli(["approve", id], tokens.dave)).toMatchObject({ code: 1, err: expect.stringContaining("(HTTP 403)") });
    expect(await cli(["approve", "zzzz-zzzz"], tokens.bob)).toMatchObject({ code: 1, err: expect.stringContaining("(HTTP 404)") });
    expect(await cli(["approve", id], tokens.bob)).toMatchObject({ code: 0, out: `approved ${id}: now pending (1 of 2 approvals so far)\n` });
    expect(await cli(["deny", id, "--reason", "no"], tokens.carol)).toMatchObject({ code: 0, out: `denied ${id}: now denied\n` });
    expect(await cli(["approve", id], tokens.carol)).toMatchObject({ code: 1, err: expect.stringContaining("(HTTP 409)") });
    expect(await cli(["list"], "garbage")).toMatchObject({ code: 1, err: expect.stringContaining("(HTTP 401)") });
    const json = await cli(["show", id, "--json"], tokens.bob);
    expect(JSON.parse(json.out)).toMatchObject({ id, status: "denied" });
  });

  it("bad usage throws UsageError; an unreachable API is exit 1", async () => {
    await expect(cli(["list"])).rejects.toThrow(UsageError);
    await expect(cli(["approve"], tokens.bob)).rejects.toThrow(/approvals approve <id>/);
    await expect(cli(["frobnicate"], tokens.bob)).rejects.toThrow(UsageError);
    await expect(cli(["show", "x", "--status", "pending"], tokens.bob)).rejects.toThrow(UsageError);
    await expect(cli(["list", "--token-file", "/nonexistent/token"], tokens.bob)).rejects.toThrow(/cannot read --token-file/);
    const io: ApprovalsIo = { out: () => {}, err: () => {}, env: { PORTCULLIS_TOKEN: tokens.bob } };
    expect(await runApprovals(["list", "--url", "http://127.0.0.1:1"], io)).toBe(1);
  });
});

describe("portcullis approvals (a separate process, built)", () => {
  it("a hold granted from the command line lets the waiting statement run", async () => {
    const built = fileURLToPath(new URL("../../../dist/cli/commands/approvals.js", import.meta.url));
    expect(existsSync(built)).toBe(true);
    const tokenFile = join(tempDir(), "token");
    writeFileSync(tokenFile, tokens.carol + "\n", { mode: 0o600 });
    const id = await newRequest("ALTER TABLE orders DROP COLUMN note");
    const held = approvals.hold(id, 15_000);
    const script = `const { approvalsCommand } = await import(${JSON.stringify(built)}); process.exitCode = await approvalsCommand.run(process.argv.slice(1));`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script, "approve", id, "--reason", "ok", "--token-file", tokenFile, "--url", admin.url], { env: { PATH: process.env.PATH ?? "" } });
    expect(stdout).toBe(`approved ${id}: now approved\n`);
    expect(await held).toMatchObject({ status: "approved" });
  });
});
