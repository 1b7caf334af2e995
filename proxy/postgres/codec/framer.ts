/**
 * Stage 1 of the codec: a byte stream in arbitrary chunks → whole frames.
 *
 * The framer knows only the envelope (type byte and int32 length), never message
 * contents, except for one thing PostgreSQL itself does: after an `SSLRequest` or
 * `GSSENCRequest` the client sends another untyped startup packet, so the framer stays in
 * startup mode. It enforces length limits before buffering a body, so a hostile length
 * cannot make the gateway allocate a gigabyte it was never sent.
 */
import { violation, type ProtocolViolation } from "./buffers.js";

/** One message as cut from the stream. `type` is null for startup-phase packets. */
export interface Frame {
  type: string | null;
  body: Buffer;
}

export interface FramerOptions {
  /** Whether the stream begins with an untyped startup packet (a client→server stream). */
  startup?: boolean;
  /** Largest accepted length of a message that can legitimately be big (default 1 GiB − 1). */
  maxLargeLength?: number;
  /** Largest accepted length of any other message (default 10,000 bytes, PostgreSQL's PQ_SMALL_MESSAGE_LIMIT). */
  maxSmallLength?: number;
  /** Which typed messages may be large. Defaults to PostgreSQL's server-side choice for client messages. */
  isLarge?: (type: string) => boolean;
}

/** The result of feeding a chunk: the frames completed so far, and the error that ended the stream, if any. */
export interface FeedResult {
  frames: Frame[];
  error?: ProtocolViolation;
}

export const LARGE_MESSAGE_LIMIT = 0x3fffffff;
export const SMALL_MESSAGE_LIMIT = 10_000;
/** PostgreSQL's MAX_STARTUP_PACKET_LENGTH. */
export const STARTUP_PACKET_LIMIT = 10_000;

/** Startup-phase request codes (in the protocol-version field). */
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;

// Client messages whose body is user data of unbounded size; PostgreSQL's
// SocketBackend gives these PQ_LARGE_MESSAGE_LIMIT and every other type the small one.
const CLIENT_LARGE_TYPES = new Set(["Q", "P", "B", "d", "F", "p", "f"]);

/** Server messages are all allowed the large limit: DataRow, CopyData, notices can be big. */
export const allLarge = (): boolean => true;

export class Framer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private inStartup: boolean;
  private failed: ProtocolViolation | undefined;
  private readonly maxLarge: number;
  private readonly maxSmall: number;
  private readonly isLarge: (type: string) => boolean;

  constructor(options: FramerOptions = {}) {
    this.inStartup = options.startup ?? false;
    this.maxLarge = options.maxLargeLength ?? LARGE_MESSAGE_LIMIT;
    this.maxSmall = options.maxSmallLength ?? SMALL_MESSAGE_LIMIT;
    this.isLarge = options.isLarge ?? ((t) => CLIENT_LARGE_TYPES.has(t));
  }

  /**
   * Bytes received but not yet part of a whole frame. After answering an `SSLRequest`
   * with 'S' this must be zero: plaintext sent ahead of the TLS handshake would
   * otherwise be read as if it had been encrypted (CVE-2021-23214).
   */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Whether the next frame is expected to be an untyped startup packet. */
  get expectingStartup(): boolean {
    return this.inStartup;
  }

  feed(chunk: Uint8Array): FeedResult {
    if (this.failed) return { frames: [], error: this.failed };
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      const next = this.next();
      if (next === undefined) return { frames };
      if ("code" in next) {
        this.failed = next;
        this.chunks = [];
        this.buffered = 0;
        return { frames, error: next };
      }
      frames.push(next);
    }
  }

  /** The first n buffered bytes, without consuming them (only ever called for headers). */
  private peek(n: number): Buffer {
    // Merge just the leading chunks, once, so a header split across chunks does not make
    // every later feed re-concatenate the whole pending body.
    let count = 0;
    let size = 0;
    while (size < n) size += this.chunks[count++]!.length;
    if (count > 1) this.chunks.splice(0, count, Buffer.concat(this.chunks.slice(0, count), size));
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const whole = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    // Copy the frame out so that callers can keep it after the input chunk is reused.
    const out = Buffer.from(whole.subarray(0, n));
    const rest = whole.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  private next(): Frame | ProtocolViolation | undefined {
    const headerSize = this.inStartup ? 4 : 5;
    if (this.buffered < headerSize) return undefined;
    const header = this.peek(headerSize);
    const type = this.inStartup ? null : String.fromCharCode(header[0]!);
    const length = header.readInt32BE(this.inStartup ? 0 : 1);
    const limit = type === null ? STARTUP_PACKET_LIMIT : this.isLarge(type) ? this.maxLarge : this.maxSmall;
    const what = type === null ? "startup packet" : `message '${printable(type)}'`;
    // The length counts itself; a startup packet also needs its 4-byte code.
    const minimum = type === null ? 8 : 4;
    if (length < minimum) return violation(`${what}: invalid length ${length}`);
    if (length > limit) return violation(`${what}: length ${length} exceeds the limit of ${limit} bytes`);
    const total = length + (type === null ? 0 : 1);
    if (this.buffered < total) return undefined;
    const frame = this.take(total).subarray(headerSize);
    if (type === null) {
      const code = frame.readInt32BE(0);
      this.inStartup = code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE;
    }
    return { type, body: frame };
  }
}

function printable(type: string): string {
  const c = type.charCodeAt(0);
  return c >= 0x20 && c < 0x7f ? type : `\\x${c.toString(16).padStart(2, "0")}`;
}
