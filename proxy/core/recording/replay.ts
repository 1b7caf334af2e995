/**
 * A recording as a readable timeline, for `portcullis replay`:
 *
 *   session 7f3a… on shop (postgres)
 *     identity  alice@example.com (sub alice, issuer https://idp…), agent
 *     client    127.0.0.1:51234, application psql
 *     started   2025-01-02T03:04:05.123456789Z
 *
 *   +0.000s  connect
 *   +0.120s  ALLOW     SELECT email FROM users
 *                      3 rows · masked 3 (public.users.email 3) · 1.2 ms · decision d-1 · revision abc
 *   +0.500s  DENY      DROP TABLE users
 *                      reason: dropping tables is not allowed
 *   +1.200s  disconnect: client terminated (2 statements, 1 denied, 3 rows, 3 masked)
 *
 * Offsets are from the connect line. Replay shows what a file says; it does not verify
 * it (the footer says so, and how).
 */
import { readFile } from "node:fs/promises";
import { readRecording, type ReadRecording } from "./read.js";
import { parseNs } from "./time.js";
import type { RecordLine, SessionTotals } from "./types.js";

/** A `.jsonl` recording as a timeline; a `.cast` file as its header and the output it holds. */
export async function replay(path: string): Promise<string> {
  if (path.endsWith(".cast")) return replayCastText(await readFile(path, "utf8"));
  return replayText(await readRecording(path));
}

/**
 * An asciicast v2 file as text: a header line, then the output as the terminal received
 * it (escape sequences included), with `[marker]` lines where markers were set.
 */
export function replayCastText(data: string): string {
  const [head = "", ...events] = data.split("\n");
  let header: Record<string, unknown> = {};
  try {
    header = JSON.parse(head) as Record<string, unknown>;
  } catch {
    // A cast without a readable header still has its events.
  }
  const out: string[] = [`asciicast ${String(header.width ?? "?")}x${String(header.height ?? "?")}, started ${typeof header.timestamp === "number" ? new Date(header.timestamp * 1000).toISOString() : "?"}\n`];
  for (const text of events) {
    if (!text) continue;
    let e: unknown;
    try {
      e = JSON.parse(text);
    } catch {
      continue;
    }
    if (!Array.isArray(e) || typeof e[2] !== "string") continue;
    if (e[1] === "o") out.push(e[2]);
    else if (e[1] === "m") out.push(`\n[${typeof e[0] === "number" ? e[0].toFixed(3) : "?"}s marker] ${e[2]}\n`);
  }
  return out.join("");
}

export function replayText({ records, skipped }: ReadRecording): string {
  const out: string[] = [];
  const connect = records.find((r) => r.type === "connect");
  const origin = parseNs(String(connect?.ts ?? records[0]?.ts ?? "")) ?? 0n;
  if (connect) out.push(...header(connect), "");
  for (const r of records) {
    const at = parseNs(String(r.ts));
    const offset = at === undefined ? "      ?" : `+${(Number(at - origin) / 1e9).toFixed(3)}s`;
    const prefix = `${offset.padStart(9)}  `;
    const indent = " ".repeat(prefix.length + 10);
    switch (r.type) {
      case "connect":
        out.push(`${prefix}connect`);
        break;
      case "statement":
        out.push(...statement(r, prefix, indent));
        break;
      case "disconnect":
        out.push(`${prefix}disconnect: ${str(r.reason) || "(no reason)"}${totals(r.totals)}`);
        break;
      default: {
        const { seq: _s, ts: _t, type: _y, prev: _p, hmac: _h, kind, ...rest } = r;
        const fields = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : "";
        out.push(`${prefix}event     ${str(kind) || "?"}${fields}`);
      }
    }
  }
  const last = records[records.length - 1];
  if (last && last.type !== "disconnect") out.push("", "(no disconnect line: the session is still open, or ended abruptly)");
  if (skipped.length) out.push("", `(skipped unreadable line${skipped.length === 1 ? "" : "s"} ${skipped.join(", ")})`);
  out.push("", "Not verified here: run `portcullis verify <file> --key-file <key>` to check the chain and HMACs.");
  return out.join("\n") + "\n";
}

function header(c: RecordLine): string[] {
  const id = (c.identity ?? {}) as { sub?: unknown; email?: unknown; issuer?: unknown; agent?: unknown; groups?: unknown };
  const conn = (c.connection ?? {}) as { name?: unknown; type?: unknown };
  const who = str(id.email) ? [str(id.email), str(id.sub) && `sub ${str(id.sub)}`] : [str(id.sub)];
  if (str(id.issuer)) who.push(`issuer ${str(id.issuer)}`);
  const groups = Array.isArray(id.groups) && id.groups.length ? `, groups ${id.groups.map(str).join(" ")}` : "";
  const lines = [
    `session ${str(c.session)} on ${str(conn.name) || "?"} (${str(conn.type) || "?"})`,
    `  identity  ${who[0] || "?"}${who.length > 1 ? ` (${who.slice(1).filter(Boolean).join(", ")})` : ""}${groups}${id.agent === true ? ", agent" : ""}`,
    `  client    ${str(c.client_addr) || "?"}${str(c.application_name) ? `, application ${str(c.application_name)}` : ""}`,
    `  started   ${str(c.ts)}`,
  ];
  if (c.details && typeof c.details === "object") lines.push(`  details   ${JSON.stringify(c.details)}`);
  return lines;
}

function statement(r: RecordLine, prefix: string, indent: string): string[] {
  const d = (r.decision ?? {}) as { id?: unknown; outcome?: unknown; reasons?: unknown; revision?: unknown };
  const outcome = (str(d.outcome) || "?").toUpperCase();
  const text = str(r.text).split("\n");
  const out = [`${prefix}${outcome.padEnd(10)}${text[0]}`, ...text.slice(1).map((t) => indent + t)];
  const facts: string[] = [];
  if (typeof r.rows_returned === "number") facts.push(`${r.rows_returned} row${r.rows_returned === 1 ? "" : "s"}`);
  if (typeof r.rows_affected === "number") facts.push(`${r.rows_affected} affected`);
  const masked = r.masked && typeof r.masked === "object" ? Object.entries(r.masked as Record<string, unknown>) : [];
  if (masked.length) {
    const total = masked.reduce((n, [, v]) => n + (typeof v === "number" ? v : 0), 0);
    facts.push(`masked ${total} (${masked.map(([k, v]) => `${k} ${String(v)}`).join(", ")})`);
  }
  if (typeof r.duration_ms === "number") facts.push(`${r.duration_ms} ms`);
  if (str(r.approval_id)) facts.push(`approval ${str(r.approval_id)}`);
  if (str(d.id)) facts.push(`decision ${str(d.id)}`);
  if (str(d.revision)) facts.push(`revision ${str(d.revision)}`);
  if (facts.length) out.push(indent + facts.join(" · "));
  for (const reason of Array.isArray(d.reasons) ? d.reasons : []) out.push(`${indent}reason: ${str(reason)}`);
  if (r.error !== undefined) out.push(`${indent}error: ${str(r.error)}`);
  if (r.scrubbed) out.push(`${indent}(${String(r.scrubbed)} secret occurrence(s) scrubbed)`);
  return out;
}

function totals(t: unknown): string {
  if (!t || typeof t !== "object") return "";
  const x = t as Partial<SessionTotals>;
  const parts = [`${x.statements ?? 0} statements`, `${x.denied ?? 0} denied`, `${x.rows_returned ?? 0} rows`];
  if (x.rows_affected) parts.push(`${x.rows_affected} affected`);
  parts.push(`${x.masked ?? 0} masked`);
  if (x.errors) parts.push(`${x.errors} errors`);
  return ` (${parts.join(", ")})`;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v);
}
