/**
 * The session recorder every front end uses: one per client session, one file per
 * recorder. Lines are chained and signed as `line.ts` defines, scrubbed of configured
 * secrets, and buffered; `statement` and `disconnect` resolve only once their line (and
 * everything before it) is fsynced, so a crash loses at most the `event` lines written
 * since the last statement.
 *
 * Typical use from a front end:
 *
 *   const opened = await startRecording({ dir, key, secrets }, { session, identity, connection, client_addr });
 *   if (!opened.ok) → refuse the session (fail closed)
 *   await rec.statement({ text, decision: { id, outcome, reasons, revision }, rows_returned, masked, duration_ms });
 *   rec.event({ kind: "copy_in", bytes: 1234 });
 *   await rec.disconnect({ reason: "client terminated" });
 *
 * Failures are values (`{ ok: false, error }`), never throws; after an I/O failure the
 * recorder stays failed (the file may end in a torn line), and a front end that must not
 * run unrecorded statements should end the session.
 */
import { join } from "node:path";
import { AppendFile } from "./file.js";
import { encodeLine, genesis, sha256Hex } from "./line.js";
import { containsSecret, createScrubber, type Scrubber } from "./scrub.js";
import { dayOf, formatNs, nowNs } from "./time.js";
import type { ConnectPayload, DisconnectPayload, EventPayload, RecordType, SessionTotals, StatementPayload } from "./types.js";

export interface RecorderOptions {
  /** The recordings root; files go in `<dir>/<yyyy-mm-dd>/<session-id>.jsonl` (UTC day the session started). */
  dir: string;
  /** The gateway's HMAC key. */
  key: Uint8Array;
  /** Strings that must never reach a recording (upstream passwords, private keys). */
  secrets?: readonly string[];
  /** Nanoseconds since the epoch; tests pin it. */
  now?: () => bigint;
}

export type Written = { ok: true; seq: number } | { ok: false; error: string };

/** A session id becomes a file name, so it is kept to a safe alphabet. */
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The path a session's recording has (or will have). */
export function recordingPath(dir: string, sessionId: string, startedNs: bigint): string {
  return join(dir, dayOf(startedNs), `${sessionId}.jsonl`);
}

/** Creates the session's file and writes (and fsyncs) its `connect` line. */
export async function startRecording(
  options: RecorderOptions,
  connect: ConnectPayload,
): Promise<{ ok: true; recorder: SessionRecorder } | { ok: false; error: string }> {
  if (!SESSION_ID.test(connect.session)) return { ok: false, error: `session id ${JSON.stringify(connect.session)} is not usable as a file name` };
  const now = options.now ?? nowNs;
  const started = now();
  const path = recordingPath(options.dir, connect.session, started);
  let file: AppendFile;
  try {
    file = await AppendFile.create(path);
  } catch (error) {
    return { ok: false, error: `cannot create recording ${path}: ${messageOf(error)}` };
  }
  const recorder = new SessionRecorder(file, connect.session, started, options.key, options.secrets ?? [], now);
  const first = recorder.append("connect", { ...connect }, started);
  if (!first.ok) return first;
  const synced = await recorder.flush();
  return synced.ok ? { ok: true, recorder } : synced;
}

export class SessionRecorder {
  private seq = 0;
  private prev: string;
  private readonly scrub: Scrubber;
  private readonly counts: SessionTotals = { statements: 0, denied: 0, rows_returned: 0, rows_affected: 0, masked: 0, errors: 0 };
  private ended = false;

  /** Use `startRecording`. */
  constructor(
    private readonly file: AppendFile,
    readonly sessionId: string,
    /** When the session started (ns since the epoch): the `connect` line's time. */
    readonly startedNs: bigint,
    private readonly key: Uint8Array,
    private readonly secrets: readonly string[],
    private readonly now: () => bigint,
  ) {
    this.prev = genesis(sessionId);
    this.scrub = createScrubber(secrets);
  }

  get path(): string {
    return this.file.path;
  }

  /** What has been recorded so far. */
  get totals(): SessionTotals {
    return { ...this.counts };
  }

  /** `text` with every configured secret replaced (for byte streams recorded elsewhere, e.g. asciicast). */
  scrubText(text: string): string {
    return this.scrub(text).value;
  }

  /** Records a statement and resolves once it is on disk. */
  async statement(payload: StatementPayload): Promise<Written> {
    const written = this.append("statement", { ...payload });
    if (!written.ok) return written;
    this.counts.statements++;
    if (payload.decision.outcome === "deny") this.counts.denied++;
    this.counts.rows_returned += count(payload.rows_returned);
    this.counts.rows_affected += count(payload.rows_affected);
    for (const n of Object.values(payload.masked ?? {})) this.counts.masked += count(n);
    if (payload.error !== undefined) this.counts.errors++;
    const synced = await this.flush();
    return synced.ok ? written : synced;
  }

  /** Records a protocol-specific event; buffered until the next statement, flush or disconnect. */
  event(payload: EventPayload): Written {
    return this.append("event", { ...payload });
  }

  /** Writes and fsyncs everything buffered. */
  async flush(): Promise<Written> {
    try {
      await this.file.flush(true);
      return { ok: true, seq: this.seq };
    } catch (error) {
      return { ok: false, error: `writing recording ${this.path}: ${messageOf(error)}` };
    }
  }

  /** Records the end of the session with its totals, fsyncs and closes the file. */
  async disconnect(payload: DisconnectPayload): Promise<Written> {
    const written = this.append("disconnect", { ...payload, totals: this.totals });
    this.ended = true;
    try {
      await this.file.close();
    } catch (error) {
      return { ok: false, error: `closing recording ${this.path}: ${messageOf(error)}` };
    }
    return written;
  }

  /**
   * Fsyncs and closes without a `disconnect` line, for a gateway stopping too hard to end
   * the session properly; the file verifies but is not `complete`.
   */
  async close(): Promise<Written> {
    this.ended = true;
    try {
      await this.file.close();
      return { ok: true, seq: this.seq };
    } catch (error) {
      return { ok: false, error: `closing recording ${this.path}: ${messageOf(error)}` };
    }
  }

  /** Encodes and queues one line. Exposed for `startRecording` and asciicast checkpoints. */
  append(type: RecordType, payload: Record<string, unknown>, at?: bigint): Written {
    if (this.ended) return { ok: false, error: `recording ${this.path} has ended` };
    if (this.file.error) return { ok: false, error: `recording ${this.path} failed earlier: ${this.file.error.message}` };
    let { value, count: scrubbed } = this.scrub(payload);
    let text: string;
    try {
      if (this.secrets.length > 0 && containsSecret(JSON.stringify(value), this.secrets)) {
        // Only a secret that surfaces through JSON escaping gets here; drop the payload whole.
        value = { scrub_failed: true, ...(type === "event" ? { kind: this.scrub(String(payload.kind)).value } : {}) };
        scrubbed = Math.max(scrubbed, 1);
      }
      text = encodeLine({ seq: this.seq + 1, ts: formatNs(at ?? this.now()), type, payload: value, scrubbed, prev: this.prev }, this.key);
    } catch (error) {
      return { ok: false, error: `cannot encode a ${type} line: ${messageOf(error)}` };
    }
    this.file.append(text + "\n");
    this.seq++;
    this.prev = sha256Hex(Buffer.from(text, "utf8"));
    return { ok: true, seq: this.seq };
  }
}

function count(n: unknown): number {
  return typeof n === "number" && Number.isFinite(n) ? n : typeof n === "bigint" ? Number(n) : 0;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
