import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startRecording, type SessionRecorder } from "./recorder.js";
import { replay } from "./replay.js";
import { listSessions, findSession, parseSince } from "./sessions.js";
import { startAsciicast } from "./asciicast.js";
import { verifyRecording } from "./verify.js";
import { parseNs } from "./time.js";

const root = mkdtempSync(join(tmpdir(), "portcullis-timeline-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const KEY = Buffer.from("k");
const DAY1 = parseNs("2025-01-02T10:00:00Z")!;
const DAY2 = parseNs("2025-01-03T09:30:00Z")!;

/** A recorder whose clock starts at `start` and advances by `stepMs` per reading. */
async function open(dir: string, session: string, start: bigint, who: { sub: string; email?: string }, stepMs = 250): Promise<SessionRecorder> {
  let t = start - BigInt(stepMs) * 1_000_000n;
  const opened = await startRecording({ dir, key: KEY, now: () => (t += BigInt(stepMs) * 1_000_000n) }, {
    session,
    identity: { ...who, issuer: "https://idp.example", groups: ["dba"], agent: who.sub.startsWith("bot") },
    connection: { name: who.sub === "carol" ? "billing" : "shop", type: "postgres", tags: {} },
    client_addr: "10.0.0.7:40000",
    application_name: "psql",
  });
  if (!opened.ok) throw new Error(opened.error);
  return opened.recorder;
}

describe("replay", () => {
  it("prints offsets, identity, outcomes, reasons, rows and masked counts", async () => {
    const dir = mkdtempSync(join(root, "r-"));
    const rec = await open(dir, "replay-1", DAY1, { sub: "alice", email: "alice@example.com" });
    await rec.statement({ text: "SELECT email, phone FROM users", decision: { id: "dec-1", outcome: "allow", reasons: [], revision: "abc123" }, rows_returned: 3, masked: { "public.users.email": 3, phone: 2 }, duration_ms: 1.5 });
    await rec.statement({ text: "DROP TABLE users", decision: { id: "dec-2", outcome: "deny", reasons: ["dropping tables is not allowed", "agents may not write"], revision: "abc123" } });
    await rec.statement({ text: "UPDATE t SET x = 1\nWHERE id = 2", decision: { id: "dec-3", outcome: "allow", reasons: [], revision: "abc123" }, approval_id: "apr-9", rows_affected: 1, error: "deadlock detected" });
    await rec.disconnect({ reason: "client terminated" });
    const text = await replay(rec.path);
    expect(text).toContain("session replay-1 on shop (postgres)");
    expect(text).toContain("identity  alice@example.com (sub alice, issuer https://idp.example), groups dba");
    expect(text).toContain("client    10.0.0.7:40000, application psql");
    expect(text).toMatch(/\+0\.000s {2}connect/);
    expect(text).toMatch(/\+0\.250s {2}ALLOW {5}SELECT email, phone FROM users\n\s+3 rows · masked 5 \(public\.users\.email 3, phone 2\) · 1\.5 ms · decision dec-1 · revision abc123/);
    expect(text).toMatch(/\+0\.500s {2}DENY {6}DROP TABLE users\n(.*\n)?\s+reason: dropping tables is not allowed\n\s+reason: agents may not write/);
    expect(text).toMatch(/UPDATE t SET x = 1\n\s+WHERE id = 2\n\s+1 affected · approval apr-9 · decision dec-3 · revision abc123\n\s+error: deadlock detected/);
    expect(text).toMatch(/\+1\.000s {2}disconnect: client terminated \(3 statements, 1 denied, 3 rows, 1 affected, 5 masked, 1 errors\)/);
    expect(text).not.toContain("no disconnect line");
  });

  it("shows an unfinished session and skips a torn line", async () => {
    const dir = mkdtempSync(join(root, "r2-"));
    const rec = await open(dir, "replay-2", DAY1, { sub: "bot-1" });
    await rec.statement({ text: "SELECT 1", decision: { id: "d", outcome: "allow", reasons: [], revision: "r" } });
    await rec.close();
    writeFileSync(rec.path, readFileSync(rec.path, "utf8") + '{"seq":3,"ts":"20');
    const text = await replay(rec.path);
    expect(text).toContain("identity  bot-1 (issuer https://idp.example), groups dba, agent");
    expect(text).toContain("ALLOW     SELECT 1");
    expect(text).toContain("(no disconnect line: the session is still open, or ended abruptly)");
    expect(text).toContain("(skipped unreadable line 3)");
  });
});

describe("listSessions", () => {
  const dir = join(root, "list");
  it("indexes sessions by scanning, filtered by time and identity", async () => {
    const a = await open(dir, "s-alice", DAY1, { sub: "alice", email: "Alice@Example.com" });
    await a.statement({ text: "DROP TABLE x", decision: { id: "d", outcome: "deny", reasons: ["no"], revision: "r" } });
    await a.statement({ text: "SELECT 1", decision: { id: "d", outcome: "allow", reasons: [], revision: "r" } });
    await a.disconnect({ reason: "bye" });
    const b = await open(dir, "s-bob", DAY2, { sub: "bob" });
    await b.close();
    const c = await open(dir, "s-carol", DAY2 + 3_600_000_000_000n, { sub: "carol", email: "carol@example.com" });
    await c.disconnect({ reason: "bye" });
    writeFileSync(join(dir, "2025-01-03", "junk.jsonl"), "not a recording\n");

    const all = await listSessions(dir);
    expect(all.map((s) => s.id)).toEqual(["s-alice", "s-bob", "s-carol"]);
    expect(all[0]).toEqual({
      id: "s-alice", identity: "Alice@Example.com", sub: "alice", connection: "shop",
      started: "2025-01-02T10:00:00.000000000Z", ended: "2025-01-02T10:00:00.750000000Z",
      statements: 2, denied: 1, file: a.path,
    });
    expect(all[1]!.ended).toBeUndefined();
    expect(all[2]!.connection).toBe("billing");
    expect((await listSessions(dir, { since: parseNs("2025-01-03T00:00:00Z")! })).map((s) => s.id)).toEqual(["s-bob", "s-carol"]);
    expect((await listSessions(dir, { since: parseNs("2025-01-03T10:00:00Z")! })).map((s) => s.id)).toEqual(["s-carol"]);
    expect((await listSessions(dir, { identity: "alice@example.com" })).map((s) => s.id)).toEqual(["s-alice"]);
    expect((await listSessions(dir, { identity: "bob" })).map((s) => s.id)).toEqual(["s-bob"]);
    expect(await listSessions(dir, { identity: "ALICE" })).toEqual([]);
    expect(await listSessions(join(root, "nowhere"))).toEqual([]);
    expect(await findSession(dir, "s-carol")).toBe(c.path);
    expect(await findSession(dir, "s-dave")).toBeUndefined();
  });

  it("reads --since as a time, a day or an age", () => {
    const now = parseNs("2025-01-10T12:00:00Z")!;
    expect(parseSince("2025-01-02T03:04:05.5+01:00", now)).toBe(parseNs("2025-01-02T02:04:05.5Z"));
    expect(parseSince("2025-01-02", now)).toBe(parseNs("2025-01-02T00:00:00Z"));
    expect(parseSince("24h", now)).toBe(parseNs("2025-01-09T12:00:00Z"));
    expect(parseSince("2w", now)).toBe(parseNs("2024-12-27T12:00:00Z"));
    expect(parseSince("yesterday", now)).toBeUndefined();
  });
});

describe("asciicast", () => {
  async function terminalSession(dir: string) {
    const rec = await open(dir, "tty-1", DAY1, { sub: "alice" }, 100);
    let t = DAY1;
    const opened = await startAsciicast({ recorder: rec, width: 80, height: 24, env: { TERM: "xterm-256color", SHELL: "/bin/bash" }, recordInput: true, now: () => (t += 500_000_000n) });
    if (!opened.ok) throw new Error(opened.error);
    const cast = opened.cast;
    cast.output("$ ");
    cast.input("ls\r");
    cast.output("ls\r\nREADME.md  src\r\n$ ");
    expect((await cast.checkpoint()).ok).toBe(true);
    await rec.statement({ text: "ls", decision: { id: "d", outcome: "allow", reasons: [], revision: "r" } });
    cast.marker("ls");
    cast.resize(100, 30);
    cast.output("bye ✓\r\n");
    expect((await cast.close()).ok).toBe(true);
    await rec.disconnect({ reason: "exit" });
    return { rec, cast };
  }

  it("writes plain asciicast v2 that replays, chained by checkpoints in the session record", async () => {
    const dir = mkdtempSync(join(root, "cast-"));
    const { rec, cast } = await terminalSession(dir);
    expect(cast.path).toBe(rec.path.replace(/\.jsonl$/, ".cast"));
    const lines = readFileSync(cast.path, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as unknown);
    expect(lines[0]).toEqual({ version: 2, width: 80, height: 24, timestamp: Number(DAY1 / 1_000_000_000n), env: { TERM: "xterm-256color", SHELL: "/bin/bash" } });
    expect(lines.slice(1)).toEqual([
      [0.5, "o", "$ "], [1, "i", "ls\r"], [1.5, "o", "ls\r\nREADME.md  src\r\n$ "], [2, "m", "ls"], [2.5, "r", "100x30"], [3, "o", "bye ✓\r\n"],
    ]);
    const result = await verifyRecording(rec.path, KEY);
    expect(result).toMatchObject({ ok: true, complete: true, casts: [{ file: "tty-1.cast", unchained: 0 }] });
    const text = await replay(cast.path);
    expect(text).toContain("asciicast 80x24");
    expect(text).toContain("ls\r\nREADME.md  src\r\n$ ");
    expect(text).toContain("marker] ls");
  });

  it("detects an edited cast file, and reports output after the last checkpoint as unchained", async () => {
    const dir = mkdtempSync(join(root, "cast2-"));
    const { rec, cast } = await terminalSession(dir);
    const original = readFileSync(cast.path, "utf8");
    writeFileSync(cast.path, original.replace("README.md", "README.mx"));
    const bad = await verifyRecording(rec.path, KEY);
    expect(bad).toMatchObject({ ok: false, firstBad: { reason: "asciicast mismatch" } });
    // Lines: connect, checkpoint, statement, checkpoint, disconnect; the edit is under the first checkpoint.
    expect(bad.firstBad!.line).toBe(2);
    expect(bad.firstBad!.detail).toContain("tty-1.cast");
    writeFileSync(cast.path, original + '[9.0,"o","after a crash"]\n');
    expect(await verifyRecording(rec.path, KEY)).toMatchObject({ ok: true, casts: [{ file: "tty-1.cast", unchained: 26 }] });
  });
});
