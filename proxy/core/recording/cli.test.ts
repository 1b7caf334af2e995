/**
 * The `verify`, `replay` and `sessions` commands, run as users run them: the built
 * `portcullis` command as a child process (vitest's global setup builds dist/).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRecording } from "./recorder.js";
import { parseNs } from "./time.js";
import { portcullis } from "../../../cli/run-cli.js";

const root = mkdtempSync(join(tmpdir(), "portcullis-reccli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = join(root, "recordings");
const keyFile = join(root, "key");
let aliceFile = "";

/** `portcullis <command> …args` in the test's temporary folder. */
function run(command: string, args: string[]) {
  return portcullis([command, ...args], root);
}

beforeAll(async () => {
  writeFileSync(keyFile, "cli secret key\n");
  const key = Buffer.from("cli secret key");
  const sessions = [
    { id: "cli-alice", sub: "alice", email: "alice@example.com", at: "2025-03-01T08:00:00Z" },
    { id: "cli-bot", sub: "bot-7", at: "2025-03-02T08:00:00Z" },
  ];
  for (const s of sessions) {
    let t = parseNs(s.at)!;
    const opened = await startRecording({ dir, key, now: () => (t += 1_000_000n) }, {
      session: s.id,
      identity: { sub: s.sub, ...(s.email ? { email: s.email } : {}), issuer: "https://idp", groups: [], agent: !s.email },
      connection: { name: "shop", type: "postgres", tags: {} },
      client_addr: "127.0.0.1:5000",
    });
    if (!opened.ok) throw new Error(opened.error);
    await opened.recorder.statement({ text: "DELETE FROM orders", decision: { id: "d1", outcome: "deny", reasons: ["DELETE needs a WHERE clause"], revision: "r1" } });
    await opened.recorder.disconnect({ reason: "bye" });
    if (s.id === "cli-alice") aliceFile = opened.recorder.path;
  }
});

describe("portcullis verify", () => {
  it("exits 0 on clean recordings", () => {
    const r = run("verify", [dir, "--key-file", keyFile]);
    expect(r.stdout).toContain(`${aliceFile}: ok (3 lines)`);
    expect(r.stderr).toContain("2 recordings checked, 0 failed");
    expect(r.code).toBe(0);
  });

  it("exits 1 naming the first bad line", () => {
    const copy = join(root, "edited.jsonl");
    writeFileSync(copy, readFileSync(aliceFile, "utf8").replace("DELETE FROM orders", "DELETE FROM ordert"));
    const r = run("verify", [copy, "--key-file", keyFile]);
    expect(r.stdout).toContain(`${copy}:2: HMAC mismatch`);
    expect(r.code).toBe(1);
    const json = run("verify", [copy, "--key-file", keyFile, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject([{ file: copy, ok: false, lines: 1, firstBad: { line: 2, reason: "HMAC mismatch" } }]);
  });

  it("exits 2 without a key file or with a missing path", () => {
    expect(run("verify", [dir]).code).toBe(2);
    expect(run("verify", [join(root, "nope"), "--key-file", keyFile]).code).toBe(2);
  });
});

describe("portcullis replay", () => {
  it("finds a session by id under --dir and prints its timeline", () => {
    const r = run("replay", ["cli-alice", "--dir", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("session cli-alice on shop (postgres)");
    expect(r.stdout).toMatch(/DENY {6}DELETE FROM orders\n\s+decision d1 · revision r1\n\s+reason: DELETE needs a WHERE clause/);
  });

  it("takes a file, and exits 1 for an unknown session", () => {
    expect(run("replay", [aliceFile]).stdout).toContain("alice@example.com");
    const r = run("replay", ["cli-nobody", "--dir", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no recording of session cli-nobody");
  });
});

describe("portcullis sessions list", () => {
  it("lists sessions as a table, filtered", () => {
    const r = run("sessions", ["list", "--dir", dir]);
    expect(r.code).toBe(0);
    const rows = r.stdout.trimEnd().split("\n");
    expect(rows[0]).toMatch(/^STARTED\s+ENDED\s+IDENTITY\s+CONNECTION\s+STATEMENTS\s+DENIED\s+ID$/);
    expect(rows.slice(1).map((l) => l.split(/\s+/))).toEqual([
      ["2025-03-01T08:00:00Z", "2025-03-01T08:00:00Z", "alice@example.com", "shop", "1", "1", "cli-alice"],
      ["2025-03-02T08:00:00Z", "2025-03-02T08:00:00Z", "bot-7", "shop", "1", "1", "cli-bot"],
    ]);
    const json = JSON.parse(run("sessions", ["list", "--dir", dir, "--since", "2025-03-02", "--json"]).stdout) as { id: string }[];
    expect(json.map((s) => s.id)).toEqual(["cli-bot"]);
    const byIdentity = JSON.parse(run("sessions", ["list", "--dir", dir, "--identity", "ALICE@example.com", "--json"]).stdout) as { id: string }[];
    expect(byIdentity.map((s) => s.id)).toEqual(["cli-alice"]);
  });

  it("exits 2 on a bad --since or a missing subcommand", () => {
    expect(run("sessions", ["list", "--dir", dir, "--since", "soon"]).code).toBe(2);
    expect(run("sessions", ["--dir", dir]).code).toBe(2);
  });
});
