/**
 * The session index, built by scanning the recordings folder (`<dir>/<yyyy-mm-dd>/<id>.jsonl`).
 * Day folders before `since` are skipped without being read; each remaining file is read
 * whole. Fine at today's sizes; a persistent index can replace the scan behind the same API.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { readRecording } from "./read.js";
import { dayOf, parseNs } from "./time.js";

export interface SessionSummary {
  id: string;
  /** The identity's email, or its `sub` when it has none. */
  identity: string;
  sub: string;
  connection: string;
  started: string;
  /** Absent while the session is open, or when it ended without a disconnect line. */
  ended?: string;
  statements: number;
  denied: number;
  file: string;
}

export interface ListOptions {
  /** Sessions that started at or after this time (RFC 3339 or a `parseSince` form). */
  since?: bigint;
  /** Matches the identity's `sub` exactly or its email case-insensitively. */
  identity?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Sessions under `dir`, oldest first. A missing folder has no sessions. */
export async function listSessions(dir: string, options: ListOptions = {}): Promise<SessionSummary[]> {
  const days = (await readdir(dir, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory() && DAY.test(e.name))
    .map((e) => e.name)
    .filter((d) => options.since === undefined || d >= dayOf(options.since))
    .sort();
  const out: SessionSummary[] = [];
  for (const day of days) {
    const names = (await readdir(join(dir, day))).filter((n) => n.endsWith(".jsonl")).sort();
    for (const name of names) {
      const summary = await summarise(join(dir, day, name));
      if (!summary) continue;
      if (options.since !== undefined && (parseNs(summary.started) ?? 0n) < options.since) continue;
      if (options.identity !== undefined && !matchesIdentity(summary, options.identity)) continue;
      out.push(summary);
    }
  }
  return out.sort((a, b) => (a.started < b.started ? -1 : a.started > b.started ? 1 : 0));
}

function matchesIdentity(s: SessionSummary, wanted: string): boolean {
  return s.sub === wanted || (s.identity !== s.sub && s.identity.toLowerCase() === wanted.toLowerCase());
}

async function summarise(file: string): Promise<SessionSummary | undefined> {
  const { records } = await readRecording(file).catch(() => ({ records: [] }));
  const connect = records.find((r) => r.type === "connect");
  if (!connect || typeof connect.session !== "string") return undefined;
  const identity = (connect.identity ?? {}) as { sub?: unknown; email?: unknown };
  const connection = (connect.connection ?? {}) as { name?: unknown };
  const sub = typeof identity.sub === "string" ? identity.sub : "";
  let statements = 0;
  let denied = 0;
  let ended: string | undefined;
  for (const r of records) {
    if (r.type === "statement") {
      statements++;
      if ((r.decision as { outcome?: unknown } | undefined)?.outcome === "deny") denied++;
    } else if (r.type === "disconnect") ended = r.ts;
  }
  return {
    id: connect.session,
    identity: typeof identity.email === "string" && identity.email ? identity.email : sub,
    sub,
    connection: typeof connection.name === "string" ? connection.name : "",
    started: connect.ts,
    ...(ended ? { ended } : {}),
    statements,
    denied,
    file,
  };
}

/** The recording of a session id under `dir`, or undefined. */
export async function findSession(dir: string, id: string): Promise<string | undefined> {
  const days = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory() && DAY.test(e.name)).map((e) => e.name).sort().reverse();
  for (const day of days) {
    const names = await readdir(join(dir, day)).catch(() => [] as string[]);
    if (names.includes(`${id}.jsonl`)) return join(dir, day, `${id}.jsonl`);
  }
  return undefined;
}

const RELATIVE = /^(\d+)(s|m|h|d|w)$/;
const UNIT_NS: Record<string, bigint> = { s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n, d: 86_400_000_000_000n, w: 604_800_000_000_000n };

/**
 * `--since`: an RFC 3339 time, a day (`2025-01-02`, midnight UTC), or an age before `now`
 * (`90m`, `24h`, `7d`, `2w`). Undefined when it is none of these.
 */
export function parseSince(text: string, now: bigint): bigint | undefined {
  const rel = RELATIVE.exec(text);
  if (rel) return now - BigInt(rel[1]!) * UNIT_NS[rel[2]!]!;
  if (DAY.test(text)) return parseNs(`${text}T00:00:00Z`);
  return parseNs(text);
}
