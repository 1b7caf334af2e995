/**
 * Stage 1 of the codec: a byte stream in arbitrary chunks → whole logical packets.
 *
 * A MySQL packet is a 3-byte little-endian payload length and a 1-byte sequence id. A
 * payload of 16 MiB − 1 or more is sent as several packets of exactly 0xffffff bytes
 * followed by a shorter one (possibly empty); the framer joins them, checking that their
 * sequence ids run on without a gap, as the server does. The size limit is checked before
 * a payload is buffered, so a hostile length cannot make the gateway hold more than it
 * allows.
 */
import { violation, type ProtocolViolation } from "./buffers.js";

/** The largest payload of one physical packet; a payload this long continues in the next. */
export const MAX_PACKET_PAYLOAD = 0xffffff;
/** Default limit on a reassembled payload: MariaDB's largest max_allowed_packet (1 GiB). */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024 * 1024;

/** One logical packet as cut from the stream. */
export interface Packet {
  /** Sequence id of the first physical packet. */
  sequenceId: number;
  /** Sequence id of the last physical packet; a reply continues from `(last + 1) & 0xff`. */
  lastSequenceId: number;
  payload: Buffer;
}

export interface FramerOptions {
  /** Largest accepted reassembled payload (default 1 GiB). */
  maxPayload?: number;
}

/** The result of feeding a chunk: the packets completed so far, and the error that ended the stream, if any. */
export interface FeedResult {
  packets: Packet[];
  error?: ProtocolViolation;
}

export class Framer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  // Parts of a split payload received so far (each exactly MAX_PACKET_PAYLOAD long).
  private partial: Buffer[] = [];
  private partialLength = 0;
  private firstSeq = 0;
  private lastSeq = 0;
  private failed: ProtocolViolation | undefined;
  private readonly maxPayload: number;

  constructor(options: FramerOptions = {}) {
    this.maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  }

  /**
   * Bytes received but not yet part of a whole packet. After an SSLRequest this must be
   * zero: plaintext sent ahead of the TLS handshake would otherwise be read as if it had
   * come through TLS.
   */
  get pendingBytes(): number {
    return this.buffered + this.partialLength;
  }

  get error(): ProtocolViolation | undefined {
    return this.failed;
  }

  feed(chunk: Uint8Array): FeedResult {
    const packets: Packet[] = [];
    if (this.failed) return { packets, error: this.failed };
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk));
      this.buffered += chunk.length;
    }
    for (;;) {
      if (this.buffered < 4) break;
      const header = this.peek(4);
      const length = header.readUIntLE(0, 3);
      const seq = header[3]!;
      if (this.partial.length > 0 && seq !== ((this.lastSeq + 1) & 0xff)) {
        return this.fail(packets, `packet continuation has sequence id ${seq}, expected ${(this.lastSeq + 1) & 0xff}`);
      }
      if (this.partialLength + length > this.maxPayload) {
        return this.fail(packets, `packet of ${this.partialLength + length} bytes exceeds the limit of ${this.maxPayload}`);
      }
      if (this.buffered < 4 + length) break;
      this.take(4);
      const body = this.take(length);
      if (this.partial.length === 0) this.firstSeq = seq;
      this.lastSeq = seq;
      if (length === MAX_PACKET_PAYLOAD) {
        this.partial.push(body);
        this.partialLength += length;
        continue;
      }
      const payload = this.partial.length === 0 ? body : Buffer.concat([...this.partial, body]);
      this.partial = [];
      this.partialLength = 0;
      packets.push({ sequenceId: this.firstSeq, lastSequenceId: seq, payload });
    }
    return { packets };
  }

  private fail(packets: Packet[], message: string): FeedResult {
    this.failed = violation(message);
    this.chunks = [];
    this.buffered = 0;
    this.partial = [];
    this.partialLength = 0;
    return { packets, error: this.failed };
  }

  private peek(n: number): Buffer {
    this.coalesce(n);
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    this.coalesce(n);
    const first = this.chunks[0]!;
    // A copy: callers keep payloads while later chunks arrive.
    const out = Buffer.from(first.subarray(0, n));
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }

  // Joins leading chunks until the first holds at least n bytes (n ≤ buffered).
  private coalesce(n: number): void {
    if (this.chunks[0]!.length >= n) return;
    let size = 0;
    let count = 0;
    while (size < n) size += this.chunks[count++]!.length;
    this.chunks.splice(0, count, Buffer.concat(this.chunks.slice(0, count), size));
  }
}

/**
 * Frames one payload as physical packets starting at `sequenceId`, split at 16 MiB − 1
 * (with an empty final packet when the payload is an exact multiple). The next packet of
 * the exchange uses `nextSequenceId(payload.length, sequenceId)`.
 */
export function encodePacket(payload: Uint8Array, sequenceId: number): Buffer {
  const parts: Buffer[] = [];
  let seq = sequenceId & 0xff;
  let offset = 0;
  for (;;) {
    const len = Math.min(MAX_PACKET_PAYLOAD, payload.length - offset);
    const header = Buffer.alloc(4);
    header.writeUIntLE(len, 0, 3);
    header[3] = seq;
    parts.push(header, Buffer.from(payload.subarray(offset, offset + len)));
    offset += len;
    seq = (seq + 1) & 0xff;
    if (len < MAX_PACKET_PAYLOAD) break;
  }
  return Buffer.concat(parts);
}

/** The sequence id that follows a payload of `length` bytes framed from `sequenceId`. */
export function nextSequenceId(length: number, sequenceId: number): number {
  return (sequenceId + Math.floor(length / MAX_PACKET_PAYLOAD) + 1) & 0xff;
}
