import { mkdtempSync, readFileSync, writeFileSync, appendFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { startRecording, type RecorderOptions, type SessionRecorder } from "./recorder.js";
import { verifyRecording, verifyDir, verifyBytes } from "./verify.js";
import { encodeLine, genesis, sha256Hex } from "./line.js";
import { SCRUBBED } from "./scrub.js";
import type { ConnectPayload, StatementPayload } from "./types.js";

const root = mkdtempSync(join(tmpdir(), "portcullis-rec-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const KEY = Buffer.from("test gateway key");

let clock = 1_735_787_045_123_456_789n; // 2025-01-02T03:04:05.123456789Z
const now = () => (clock += 1_500_000n);

function connect(session: string, sub = "alice"): ConnectPayload {
  return {
    session,
    identity: { sub, email: `${sub}@example.com`, issuer: "https://idp.example", groups: ["dev"], agent: false },
    connection: { name: "shop", type: "postgres", tags: { env: "test" } },
    client_addr: "127.0.0.1:51234",
    application_name: "psql",
  };
}

function stmt(text: string, outcome: "allow" | "deny" = "allow", extra: Partial<StatementPayload> = {}): StatementPayload {
  return { text, decision: { id: `d-${text.length}`, outcome, reasons: outcome === "deny" ? ["not allowed"] : [], revision: "rev1" }, ...extra };
}

async function open(dir: string, session: string, options: Partial<RecorderOptions> = {}): Promise<SessionRecorder> {
  const opened = await startRecording({ dir, key: KEY, now, ...options }, connect(session));
  if (!opened.ok) throw new Error(opened.error);
  return opened.recorder;
}

/** A finished five-line session: connect, 2 statements, 1 event, disconnect. */
async function sample(session: string): Promise<string> {
  const dir = mkdtempSync(join(root, "s-"));
  const rec = await open(dir, session);
  expect(await rec.statement(stmt("SELECT email FROM users", "allow", { rows_returned: 3, masked: { "public.users.email": 3 }, duration_ms: 1.2 }))).toEqual({ ok: true, seq: 2 });
  expect(rec.event({ kind: "notice", message: "hello ünïcode ✓" })).toEqual({ ok: true, seq: 3 });
  await rec.statement(stmt("DROP TABLE users", "deny"));
  expect((await rec.disconnect({ reason: "client terminated" })).ok).toBe(true);
  return rec.path;
}

function lineStarts(data: Buffer): number[] {
  const starts = [0];
  for (let i = 0; i < data.length - 1; i++) if (data[i] === 0x0a) starts.push(i + 1);
  return starts;
}

describe("recorder", () => {
  it("writes <dir>/<day>/<session>.jsonl with the documented envelope", async () => {
    const path = await sample("sess-1");
    expect(path).toMatch(/\/2025-01-02\/sess-1\.jsonl$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(path, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.type)).toEqual(["connect", "statement", "event", "statement", "disconnect"]);
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(lines[0]!.prev).toBe(genesis("sess-1"));
    expect(lines[0]!.ts).toMatch(/^2025-01-02T03:04:05\.\d{9}Z$/);
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.prev).toBe(sha256Hex(Buffer.from(text.split("\n")[i - 1]!)));
    expect(Object.keys(lines[1]!)).toEqual(["seq", "ts", "type", "text", "decision", "rows_returned", "masked", "duration_ms", "prev", "hmac"]);
    expect(lines[4]!.totals).toEqual({ statements: 2, denied: 1, rows_returned: 3, rows_affected: 0, masked: 3, errors: 0 });
  });

  it("refuses a session id that is not a safe file name, and a reused one", async () => {
    const dir = mkdtempSync(join(root, "bad-"));
    for (const id of ["../etc", "a/b", ".hidden", ""]) {
      const r = await startRecording({ dir, key: KEY, now }, connect(id));
      expect(r.ok).toBe(false);
    }
    const first = await open(dir, "twice");
    const again = await startRecording({ dir, key: KEY, now: () => clock }, connect("twice"));
    expect(again.ok).toBe(false);
    await first.disconnect({ reason: "done" });
    expect((await verifyRecording(first.path, KEY)).ok).toBe(true);
  });

  it("returns errors as values after the session ended, and for unencodable payloads", async () => {
    const dir = mkdtempSync(join(root, "end-"));
    const rec = await open(dir, "ended");
    const circular: Record<string, unknown> = { kind: "loop" };
    circular.self = circular;
    expect(rec.event(circular as { kind: string }).ok).toBe(false);
    await rec.disconnect({ reason: "bye" });
    const late = await rec.statement(stmt("SELECT 1"));
    expect(late.ok).toBe(false);
    expect((await verifyRecording(rec.path, KEY)).ok).toBe(true);
  });
});

describe("verify", () => {
  it("passes on a clean recording", async () => {
    const path = await sample("clean");
    expect(await verifyRecording(path, KEY)).toEqual({ ok: true, lines: 5, complete: true, session: "clean" });
  });

  it("detects a one-byte edit in every line, naming that line", async () => {
    const path = await sample("edit");
    const data = readFileSync(path);
    const starts = lineStarts(data);
    for (const [i, start] of starts.entries()) {
      // A byte inside the payload, one in prev, and one in the hmac.
      const end = (starts[i + 1] ?? data.length) - 1;
      for (const at of [start + 10, end - 100, end - 5]) {
        const copy = Buffer.from(data);
        copy[at] = copy[at] === 0x41 ? 0x42 : 0x41;
        const r = await verifyBytes(copy, KEY);
        expect(r.ok).toBe(false);
        expect(r.firstBad?.line).toBe(i + 1);
        expect(r.lines).toBe(i);
      }
    }
  });

  it("detects a deleted line, naming the line after the gap", async () => {
    const path = await sample("delete");
    const lines = readFileSync(path, "utf8").split("\n");
    for (const drop of [0, 1, 2, 3]) {
      const kept = lines.filter((_, i) => i !== drop).join("\n");
      const file = join(root, `deleted-${drop}.jsonl`);
      writeFileSync(file, kept);
      const r = await verifyRecording(file, KEY);
      expect(r.ok).toBe(false);
      expect(r.firstBad).toMatchObject({ line: drop + 1, reason: "hash chain broken" });
    }
  });

  it("a removed last line looks like a crash: it verifies but is not complete", async () => {
    const path = await sample("truncated");
    const lines = readFileSync(path, "utf8").split("\n");
    const file = join(root, "truncated-copy.jsonl");
    writeFileSync(file, lines.slice(0, 4).join("\n") + "\n");
    expect(await verifyRecording(file, KEY)).toMatchObject({ ok: true, lines: 4, complete: false });
  });

  it("detects swapped lines, a wrong key, and lines after disconnect", async () => {
    const path = await sample("swap");
    const lines = readFileSync(path, "utf8").split("\n");
    const swapped = [lines[0], lines[2], lines[1], ...lines.slice(3)].join("\n");
    expect((await verifyBytes(Buffer.from(swapped), KEY)).firstBad).toMatchObject({ line: 2, reason: "hash chain broken" });
    expect((await verifyRecording(path, Buffer.from("another key"))).firstBad).toMatchObject({ line: 1, reason: "HMAC mismatch" });
  });

  it("reports a torn last line as such, after verifying everything before it", async () => {
    const path = await sample("torn");
    const copy = join(root, "torn-copy.jsonl");
    const data = readFileSync(path);
    writeFileSync(copy, data);
    appendFileSync(copy, data.subarray(0, 40));
    expect(await verifyRecording(copy, KEY)).toMatchObject({ ok: false, lines: 5, firstBad: { line: 6, reason: "torn last line" } });
  });

  it("reports garbage as an unparseable line and a forged seq as a sequence gap", async () => {
    const path = await sample("garbage");
    const data = readFileSync(path, "utf8");
    const lines = data.split("\n");
    expect((await verifyBytes(Buffer.from([lines[0], "not json", ...lines.slice(1)].join("\n")), KEY)).firstBad).toMatchObject({ line: 2, reason: "unparseable line" });
    // Only the key holder can write a valid line; one with a wrong seq is still caught.
    const forged = encodeLine({ seq: 7, ts: "2025-01-02T03:04:06.000000000Z", type: "event", payload: { kind: "x" }, prev: sha256Hex(Buffer.from(lines[0]!)) }, KEY);
    expect((await verifyBytes(Buffer.from(`${lines[0]}\n${forged}\n`), KEY)).firstBad).toMatchObject({ line: 2, reason: "sequence gap" });
  });

  it("verifyDir checks every recording under a folder", async () => {
    const dir = mkdtempSync(join(root, "dir-"));
    const a = await open(dir, "dir-a");
    await a.disconnect({ reason: "done" });
    const b = await open(dir, "dir-b");
    await b.statement(stmt("SELECT 1"));
    await b.disconnect({ reason: "done" });
    expect((await verifyDir(dir, KEY)).ok).toBe(true);
    const data = readFileSync(b.path);
    data[data.length - 30] ^= 1;
    writeFileSync(b.path, data);
    const r = await verifyDir(dir, KEY);
    expect(r.ok).toBe(false);
    expect(r.files.map((f) => [f.file.endsWith("dir-b.jsonl"), f.result.ok])).toEqual([[false, true], [true, false]]);
    expect(r.files[1]!.result.firstBad?.line).toBe(3);
    expect(await verifyDir(join(dir, "missing"), KEY)).toMatchObject({ ok: false, files: [{ result: { firstBad: { reason: "unreadable file" } } }] });
  });
});

describe("secret scrubbing", () => {
  it("removes configured secrets from every field before writing, and says how many", async () => {
    const dir = mkdtempSync(join(root, "scrub-"));
    const secrets = ["hunter2-upstream", "s3cr3t\"quote\\d"];
    const rec = await open(dir, "scrub", { secrets });
    await rec.statement(stmt("ALTER USER app PASSWORD 'hunter2-upstream'", "deny", { error: `auth failed for postgres://app:hunter2-upstream@db and s3cr3t"quote\\d` }));
    rec.event({ kind: "hunter2-upstream", ["key hunter2-upstream"]: ["nested s3cr3t\"quote\\d"] });
    await rec.disconnect({ reason: "done" });
    const text = readFileSync(rec.path, "utf8");
    for (const s of secrets) {
      expect(text).not.toContain(s);
      expect(text).not.toContain(JSON.stringify(s).slice(1, -1));
    }
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[1]!.text).toBe(`ALTER USER app PASSWORD '${SCRUBBED}'`);
    expect(lines[1]!.scrubbed).toBe(3);
    expect(lines[2]).toMatchObject({ kind: SCRUBBED, [`key ${SCRUBBED}`]: [`nested ${SCRUBBED}`], scrubbed: 3 });
    expect(lines[0]!.scrubbed).toBeUndefined();
    expect((await verifyRecording(rec.path, KEY)).ok).toBe(true);
  });

  it("drops a payload whose secret only appears once JSON-escaped", async () => {
    const dir = mkdtempSync(join(root, "scrub2-"));
    // The text holds a newline character; its JSON form holds backslash-n, which is the secret.
    const rec = await open(dir, "scrub2", { secrets: ["pa\\nss"] });
    await rec.statement(stmt("SELECT 'pa\nss'"));
    await rec.disconnect({ reason: "done" });
    const text = readFileSync(rec.path, "utf8");
    expect(text).not.toContain("pa\\nss");
    expect(JSON.parse(text.split("\n")[1]!)).toMatchObject({ scrub_failed: true, scrubbed: 1 });
  });
});

it("keeps its files in day folders only", async () => {
  const dir = mkdtempSync(join(root, "days-"));
  await (await open(dir, "day")).disconnect({ reason: "x" });
  expect(readdirSync(dir)).toEqual(["2025-01-02"]);
});
