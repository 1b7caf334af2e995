/**
 * The append-only file under a recording: lines are buffered in memory and written with
 * one `write` per flush; `sync` flushes and then fsyncs. Writes are serialised, so lines
 * reach the file in the order they were appended.
 *
 * The file is created exclusively (a session id is never reused) with mode 0600, opened
 * O_APPEND so nothing can be written anywhere but the end, and its folder is fsynced
 * once so the new name survives a power loss too.
 */
import { mkdir, open, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

/** Buffered bytes past which a write happens without waiting for a statement boundary. */
const FLUSH_AT = 64 * 1024;

export class AppendFile {
  private pending: string[] = [];
  private pendingBytes = 0;
  private queue: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;

  private constructor(readonly path: string, private readonly handle: FileHandle) {}

  static async create(path: string): Promise<AppendFile> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const handle = await open(path, "ax", 0o600);
    try {
      const folder = await open(dirname(path), "r");
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
    } catch {
      // Some file systems refuse fsync on a directory; the file's own fsyncs still hold.
    }
    return new AppendFile(path, handle);
  }

  /** The first I/O error; after one, every later write fails with it. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Queues `text` (whole lines, each ending in `\n`). */
  append(text: string): void {
    if (this.closed) throw new Error(`recording ${this.path} is closed`);
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= FLUSH_AT) void this.flush(false).catch(() => undefined);
  }

  /** Writes what is buffered; with `sync`, resolves only once it is on disk. */
  flush(sync: boolean): Promise<void> {
    const chunk = this.pending.join("");
    this.pending = [];
    this.pendingBytes = 0;
    const step = async () => {
      if (this.failure) throw this.failure;
      try {
        if (chunk.length > 0) {
          const bytes = Buffer.from(chunk, "utf8");
          let off = 0;
          while (off < bytes.length) off += (await this.handle.write(bytes, off, bytes.length - off)).bytesWritten;
        }
        if (sync) await this.handle.sync();
      } catch (error) {
        this.failure = error instanceof Error ? error : new Error(String(error));
        throw this.failure;
      }
    };
    const run = this.queue.then(step);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Flushes, fsyncs and closes; later appends throw. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush(true);
    } finally {
      await this.handle.close().catch(() => undefined);
    }
  }
}
