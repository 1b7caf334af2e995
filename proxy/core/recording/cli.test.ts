/**
 * The `verify`, `replay` and `sessions` commands, run as child processes on the built
 * files (vitest's global setup builds dist/). They are not in `cli/commands/index.ts`
 * yet, so a tiny runner stands in for `cli/main.ts` (usage errors exit 2 as there).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRecording } from "./recorder.js";
import { parseNs } from "./time.js";

const dist = fileURLToPath(new URL("../../../dist/", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "portcullis-reccli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = join(root, "recordings");
const keyFile = join(root, "key");
let aliceFile = "";

const RUNNER = `
const [file, name, ...args] = process.argv.slice(1);
const { UsageError } = await import(new URL("cli/command.js", process.env.DIST_URL).href);
const mod = await import(new URL("cli/commands/" + file + ".js", process.env.DIST_URL).href);
try { process.exitCode = await mod[name].run(args); }
catch (e) { if (e instanceof UsageError) { process.stderr.write(e.message + "\\n"); process.exitCode = 2; } else throw e; }
`;

function run(file: string, name: string, args: string[]) {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", RUNNER, "--", file, name, ...args], { encoding: "utf8", env: { ...process.env, DIST_URL: pathToFileURL(dist).href }, cwd: root });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
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
    const r = run("verify", "verifyCommand", [dir, "--key-file", keyFile]);
    expect(r.stdout).toContain(`${aliceFile}: ok (3 lines)`);
    expect(r.stderr).toContain("2 recordings checked, 0 failed");
    expect(r.code).toBe(0);
  });

  it("exits 1 naming the first bad line", () => {
    const copy = join(root, "edited.jsonl");
    writeFileSync(copy, readFileSync(aliceFile, "utf8").replace("DELETE FROM orders", "DELETE FROM ordert"));
    const r = run("verify", "verifyCommand", [copy, "--key-file", keyFile]);
    expect(r.stdout).toContain(`${copy}:2: HMAC mismatch`);
    expect(r.code).toBe(1);
    const json = run("verify", "verifyCommand", [copy, "--key-file", keyFile, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject([{ file: copy, ok: false, lines: 1, firstBad: { line: 2, reason: "HMAC mismatch" } }]);
  });

  it("exits 2 without a key file or with a missing path", () => {
    expect(run("verify", "verifyCommand", [dir]).code).toBe(2);
    expect(run("verify", "verifyCommand", [join(root, "nope"), "--key-file", keyFile]).code).toBe(2);
  });
});

describe("portcullis replay", () => {
  it("finds a session by id under --dir and prints its timeline", () => {
    const r = run("replay", "replayCommand", ["cli-alice", "--dir", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("session cli-alice on shop (postgres)");
    expect(r.stdout).toMatch(/DENY {6}DELETE FROM orders\n\s+decision d1 · revision r1\n\s+reason: DELETE needs a WHERE clause/);
  });

  it("takes a file, and exits 1 for an unknown session", () => {
    expect(run("replay", "replayCommand", [aliceFile]).stdout).toContain("alice@example.com");
    const r = run("replay", "replayCommand", ["cli-nobody", "--dir", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no recording of session cli-nobody");
  });
});

describe("portcullis sessions list", () => {
  it("lists sessions as a table, filtered", () => {
    const r = run("sessions", "sessionsCommand", ["list", "--dir", dir]);
    expect(r.code).toBe(0);
    const rows = r.stdout.trimEnd().split("\n");
    expect(rows[0]).toMatch(/^STARTED\s+ENDED\s+IDENTITY\s+CONNECTION\s+STATEMENTS\s+DENIED\s+ID$/);
    expect(rows.slice(1).map((l) => l.split(/\s+/))).toEqual([
      ["2025-03-01T08:00:00Z", "2025-03-01T08:00:00Z", "alice@example.com", "shop", "1", "1", "cli-alice"],
      ["2025-03-02T08:00:00Z", "2025-03-02T08:00:00Z", "bot-7", "shop", "1", "1", "cli-bot"],
    ]);
    const json = JSON.parse(run("sessions", "sessionsCommand", ["list", "--dir", dir, "--since", "2025-03-02", "--json"]).stdout) as { id: string }[];
    expect(json.map((s) => s.id)).toEqual(["cli-bot"]);
    const byIdentity = JSON.parse(run("sessions", "sessionsCommand", ["list", "--dir", dir, "--identity", "ALICE@example.com", "--json"]).stdout) as { id: string }[];
    expect(byIdentity.map((s) => s.id)).toEqual(["cli-alice"]);
  });

  it("exits 2 on a bad --since or a missing subcommand", () => {
    expect(run("sessions", "sessionsCommand", ["list", "--dir", dir, "--since", "soon"]).code).toBe(2);
    expect(run("sessions", "sessionsCommand", ["--dir", dir]).code).toBe(2);
  });
});
