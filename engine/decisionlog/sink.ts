/**
 * Stage 3: writing lines. A decision must never wait for the disk, so `write` only hands
 * the line to the stream's buffer and returns; Node writes it in the background. The
 * buffer is bounded: past `maxBufferedBytes` (a stuck disk, a slow pipe) lines are dropped
 * and counted instead of growing memory without limit, and `dropped` says how many, so the
 * gateway can alert. `close()` flushes everything buffered.
 */
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";

export interface SinkOptions {
  /** Default 64 MiB. */
  maxBufferedBytes?: number;
  /** End the stream on close (default true; false for shared streams such as stdout). */
  end?: boolean;
  /** Called once per stream error; lines written after an error are dropped. */
  onError?: (error: Error) => void;
}

export class LineSink {
  private droppedLines = 0;
  private failed: Error | undefined;
  private closing: Promise<void> | undefined;

  /** Appends to a file (created if missing). */
  static toFile(path: string, options: SinkOptions = {}): LineSink {
    return new LineSink(createWriteStream(path, { flags: "a" }), options);
  }

  constructor(
    private readonly stream: Writable,
    private readonly options: SinkOptions = {},
  ) {
    stream.on("error", (e: Error) => {
      if (!this.failed) options.onError?.(e);
      this.failed = e;
    });
  }

  /** Queues one line (a newline is added). False when it was dropped. */
  write(line: string): boolean {
    if (this.failed || this.closing) {
      this.droppedLines++;
      return false;
    }
    if (this.stream.writableLength > (this.options.maxBufferedBytes ?? 64 * 1024 * 1024)) {
      this.droppedLines++;
      return false;
    }
    this.stream.write(line + "\n");
    return true;
  }

  /** Lines refused since the start (buffer full, stream failed or closed). */
  get dropped(): number {
    return this.droppedLines;
  }

  /** The stream's error, if it failed. */
  get error(): Error | undefined {
    return this.failed;
  }

  /** Flushes what is buffered; ends the stream unless `end: false`. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const s = this.stream;
      if (this.failed || s.destroyed) return resolve();
      if (this.options.end ?? true) {
        s.once("error", () => resolve());
        s.end(() => resolve());
      } else if (s.writableNeedDrain) {
        const done = () => {
          s.off("drain", done);
          s.off("error", done);
          resolve();
        };
        s.on("drain", done);
        s.on("error", done);
      } else {
        resolve();
      }
    });
    return this.closing;
  }
}
