/**
 * asciicast v2 for terminal sessions (the SSH gateway's interactive shells), chained
 * into the session's JSON-lines recording.
 *
 * The `.cast` file (`<dir>/<day>/<session-id>.cast`, next to the `.jsonl`) is plain
 * asciicast v2, so `asciinema play` and `portcullis replay` read it unchanged: a header
 * line `{"version":2,"width","height","timestamp",…}`, then `[seconds, "o"|"i"|"r"|"m",
 * data]` lines. Nothing is embedded in it, because players reject event arrays with
 * extra members.
 *
 * Its integrity lives in the JSON-lines recording instead: each `checkpoint()` fsyncs
 * the cast file, then appends an `event` line `{kind: "asciicast", file, bytes, sha256,
 * events}` to the session recording (and fsyncs that), where `sha256` is the hash of the
 * cast file's first `bytes` bytes — the whole prefix, so every checkpoint covers all
 * earlier output. That line is itself chained and HMAC'd, so `verify` on the `.jsonl`
 * proves the cast up to the last checkpoint; bytes after it (a crash since) are reported
 * as unchained, not as tampering. Front ends checkpoint at each command boundary (when
 * an entered line has been decided) and when the session ends.
 */
import { createHash, type Hash } from "node:crypto";
import { basename } from "node:path";
import { AppendFile } from "./file.js";
import type { SessionRecorder, Written } from "./recorder.js";
import { nowNs } from "./time.js";

export interface AsciicastOptions {
  /** The session's recorder; the cast goes next to its file and its checkpoints into it. */
  recorder: SessionRecorder;
  width: number;
  height: number;
  title?: string;
  /** Typically `{ TERM, SHELL }`. */
  env?: Record<string, string>;
  /** Record what the user typed (`"i"` events) as well as output; asciinema's own default is off. */
  recordInput?: boolean;
  now?: () => bigint;
}

export async function startAsciicast(options: AsciicastOptions): Promise<{ ok: true; cast: AsciicastWriter } | { ok: false; error: string }> {
  const path = options.recorder.path.replace(/\.jsonl$/, "") + ".cast";
  let file: AppendFile;
  try {
    file = await AppendFile.create(path);
  } catch (error) {
    return { ok: false, error: `cannot create ${path}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const now = options.now ?? nowNs;
  const cast = new AsciicastWriter(file, options, now());
  return { ok: true, cast };
}

export class AsciicastWriter {
  private readonly hash: Hash = createHash("sha256");
  private bytes = 0;
  private events = 0;
  private closed = false;

  /** Use `startAsciicast`. */
  constructor(
    private readonly file: AppendFile,
    private readonly options: AsciicastOptions,
    private readonly startNs: bigint,
  ) {
    const header: Record<string, unknown> = {
      version: 2,
      width: options.width,
      height: options.height,
      timestamp: Number(startNs / 1_000_000_000n),
    };
    if (options.title !== undefined) header.title = options.recorder.scrubText(options.title);
    if (options.env) header.env = options.env;
    this.write(JSON.stringify(header));
  }

  get path(): string {
    return this.file.path;
  }

  /** Terminal output (what the user saw). */
  output(data: string): void {
    this.event("o", data);
  }

  /** Terminal input (what the user typed); dropped unless `recordInput`. */
  input(data: string): void {
    if (this.options.recordInput) this.event("i", data);
  }

  /** A terminal resize (`"r"` event, `COLSxROWS`). */
  resize(width: number, height: number): void {
    this.event("r", `${width}x${height}`);
  }

  /** A marker (`"m"` event), e.g. at each decided command line. */
  marker(label: string): void {
    this.event("m", label);
  }

  /** Fsyncs the cast, then records and fsyncs a checkpoint covering all of it. */
  async checkpoint(): Promise<Written> {
    const bytes = this.bytes;
    const events = this.events;
    const sha256 = this.hash.copy().digest("hex");
    try {
      await this.file.flush(true);
    } catch (error) {
      return { ok: false, error: `writing ${this.path}: ${error instanceof Error ? error.message : String(error)}` };
    }
    const written = this.options.recorder.event({ kind: "asciicast", file: basename(this.path), bytes, sha256, events });
    if (!written.ok) return written;
    const synced = await this.options.recorder.flush();
    return synced.ok ? written : synced;
  }

  /** A last checkpoint, then closes the cast file (the recorder stays open). */
  async close(): Promise<Written> {
    if (this.closed) return { ok: false, error: `${this.path} is closed` };
    const written = await this.checkpoint();
    this.closed = true;
    await this.file.close().catch(() => undefined);
    return written;
  }

  private event(code: "o" | "i" | "r" | "m", data: string): void {
    if (this.closed) return;
    const now = this.options.now ?? nowNs;
    const seconds = Number(now() - this.startNs) / 1e9;
    this.events++;
    this.write(`[${Math.max(0, seconds).toFixed(6)},${JSON.stringify(code)},${JSON.stringify(this.options.recorder.scrubText(data))}]`);
  }

  private write(line: string): void {
    const bytes = Buffer.from(line + "\n", "utf8");
    this.hash.update(bytes);
    this.bytes += bytes.length;
    this.file.append(line + "\n");
  }
}
