/**
 * Upstream → client. Upstream bytes are forwarded as the slices they arrived in (no
 * decoding, no copies); the relay only walks message headers to find ReadyForQuery,
 * which it needs for three things:
 *
 * - the transaction status, for the ReadyForQuery the gateway sends itself after a denial;
 * - ordering: the gateway's own messages (a denial's ErrorResponse) must reach the client
 *   after the responses to everything forwarded before them, i.e. after a given number of
 *   upstream ReadyForQuery messages;
 * - swallowing the ReadyForQuery of a Sync the gateway sent on its own (to close an
 *   extended-protocol batch that a denial cut short).
 *
 * It also reads ParameterStatus (rare, small) so the session can see a `client_encoding`
 * change, which would make the server read SQL differently from how it was decided.
 */
import type { TransactionStatus } from "../codec/index.js";

/**
 * Sees every upstream message when masking or recording is on (results.ts). `message`
 * returns the bytes to send instead (the same `whole` to pass it on) or a promise of them
 * (a RowDescription waiting for a catalog lookup: the relay holds everything after it).
 * `ready` is called for every ReadyForQuery, before it is forwarded.
 */
export interface ResponseTap {
  message(type: number, body: Buffer, whole: Buffer): Buffer | Promise<Buffer>;
  ready(status: TransactionStatus): void;
}

const Z = 0x5a; // ReadyForQuery
const S = 0x53; // ParameterStatus

/** Something the gateway wants the client to see, at its place in the response stream. */
interface Injected {
  /** How many upstream ReadyForQuery messages must have gone by first. */
  after: number;
  data: Buffer | ((status: TransactionStatus) => Buffer);
}

export class ServerRelay {
  /** The transaction status of the latest upstream ReadyForQuery. */
  status: TransactionStatus;
  /** For each ReadyForQuery still owed by upstream, in order: whether to swallow it. */
  private readonly expected: boolean[] = [];
  private expectedHead = 0;
  private readySeen = 0;
  private readyOwedTotal = 0;
  private readonly injected: Injected[] = [];

  // Header parsing state across chunks.
  private header = Buffer.alloc(5);
  private headerFill = 0;
  private bodyLeft = 0;
  /** Bytes of a ReadyForQuery in progress (it is held back until complete). */
  private zFill = 0;
  private zBuf = Buffer.alloc(6);
  private failed = false;
  /** The body of a ParameterStatus in progress (copied; it is forwarded as usual). */
  private param: Buffer | undefined;
  private paramFill = 0;

  // Message mode (with a tap): whole messages, split ones kept until complete.
  private partial: Buffer[] = [];
  private partialLength = 0;
  /** Chunks that arrived while a tapped message was being resolved. */
  private held: Buffer[] | undefined;

  constructor(
    status: TransactionStatus,
    private readonly write: (chunks: Buffer[]) => void,
    private readonly onViolation: (message: string) => void,
    private readonly onParameter: (name: string, value: string) => void = () => {},
    private readonly tap?: ResponseTap,
  ) {
    this.status = status;
  }

  /** Whether everything forwarded has been answered and nothing of ours is queued. */
  get idle(): boolean {
    return this.readySeen === this.readyOwedTotal && this.injected.length === 0;
  }

  /** The session forwarded a Query or Sync: upstream owes one ReadyForQuery. */
  expectReady(swallow = false): void {
    this.expected.push(swallow);
    this.readyOwedTotal++;
  }

  /**
   * Queues the gateway's own bytes after the responses to everything forwarded so far. A
   * function is called with the transaction status current at that point.
   */
  inject(data: Injected["data"]): void {
    if (this.injected.length === 0 && this.readySeen === this.readyOwedTotal) {
      this.write([typeof data === "function" ? data(this.status) : data]);
      return;
    }
    this.injected.push({ after: this.readyOwedTotal, data });
  }

  feed(chunk: Buffer): void {
    if (this.failed) return;
    if (this.tap !== undefined) return this.feedMessages(chunk);
    const out: Buffer[] = [];
    let passFrom = 0;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.bodyLeft > 0) {
        const k = Math.min(this.bodyLeft, n - i);
        if (this.zFill > 0) {
          chunk.copy(this.zBuf, this.zFill, i, i + k);
          this.zFill += k;
        } else if (this.param !== undefined) {
          chunk.copy(this.param, this.paramFill, i, i + k);
          this.paramFill += k;
          if (this.paramFill === this.param.length) this.completeParameter();
        }
        i += k;
        this.bodyLeft -= k;
        if (this.bodyLeft === 0 && this.zFill > 0) {
          this.completeReady(out);
          passFrom = i;
        }
        continue;
      }
      // At a message boundary (or inside a header split across chunks).
      if (this.headerFill === 0 && chunk[i] === Z) {
        if (i > passFrom) out.push(chunk.subarray(passFrom, i));
      }
      const k = Math.min(5 - this.headerFill, n - i);
      chunk.copy(this.header, this.headerFill, i, i + k);
      this.headerFill += k;
      i += k;
      if (this.headerFill < 5) break;
      this.headerFill = 0;
      const length = this.header.readInt32BE(1);
      const isZ = this.header[0] === Z;
      if (length < 4 || (isZ && length !== 5)) {
        this.failed = true;
        if (!isZ && i - k > passFrom) out.push(chunk.subarray(passFrom, i - k));
        this.flush(out);
        this.onViolation(`upstream sent a message '${String.fromCharCode(this.header[0]!)}' with invalid length ${length}`);
        return;
      }
      this.bodyLeft = length - 4;
      if (isZ) {
        this.header.copy(this.zBuf, 0, 0, 5);
        this.zFill = 5;
      } else if (this.header[0] === S && length > 4 && length <= 64 * 1024) {
        this.param = Buffer.allocUnsafe(length - 4);
        this.paramFill = 0;
      }
    }
    // Forward the rest of a chunk, unless it is part of a held-back ReadyForQuery.
    if (this.zFill === 0 && passFrom < n && !(this.headerFill > 0 && this.header[0] === Z)) out.push(passFrom === 0 ? chunk : chunk.subarray(passFrom));
    this.flush(out);
  }

  /**
   * Message mode: every message is handed whole to the tap. Messages complete within a
   * chunk are slices of it; only a message split across chunks is copied together.
   */
  private feedMessages(chunk: Buffer): void {
    if (this.held !== undefined) return void this.held.push(chunk);
    let buf = chunk;
    if (this.partialLength > 0) {
      this.partial.push(chunk);
      this.partialLength += chunk.length;
      if (this.partialLength < 5) return;
      const need = 1 + (this.partial.length === 1 ? this.partial[0]! : Buffer.concat(this.partial)).readInt32BE(1);
      if (this.partialLength < need && need >= 5) return;
      buf = Buffer.concat(this.partial, this.partialLength);
      this.partial = [];
      this.partialLength = 0;
    }
    const out: Buffer[] = [];
    let i = 0;
    while (i + 5 <= buf.length) {
      const type = buf[i]!;
      const length = buf.readInt32BE(i + 1);
      if (length < 4 || (type === Z && length !== 5)) {
        this.failed = true;
        this.flush(out);
        this.onViolation(`upstream sent a message '${String.fromCharCode(type)}' with invalid length ${length}`);
        return;
      }
      if (i + 1 + length > buf.length) break;
      const whole = buf.subarray(i, i + 1 + length);
      const body = whole.subarray(5);
      i += 1 + length;
      if (type === Z) {
        this.tap!.ready(String.fromCharCode(body[0]!) as TransactionStatus);
        whole.copy(this.zBuf, 0, 0, 6);
        this.completeReady(out);
        continue;
      }
      if (type === S) {
        this.param = Buffer.from(body);
        this.completeParameter();
      }
      const replaced = this.tap!.message(type, body, whole);
      if (replaced instanceof Promise) {
        this.flush(out.splice(0));
        const rest = buf.subarray(i);
        this.held = rest.length > 0 ? [rest] : [];
        replaced.then(
          (bytes) => {
            const queued = this.held!;
            this.held = undefined;
            this.write([bytes]);
            for (const c of queued) if (!this.failed) this.feedMessages(c);
          },
          (e: unknown) => {
            this.failed = true;
            this.onViolation(`cannot process a result: ${(e as Error).message}`);
          },
        );
        return;
      }
      out.push(replaced);
    }
    if (i < buf.length) {
      const rest = Buffer.from(buf.subarray(i));
      this.partial = [rest];
      this.partialLength = rest.length;
    }
    this.flush(out);
  }

  private completeReady(out: Buffer[]): void {
    const status = String.fromCharCode(this.zBuf[5]!);
    this.zFill = 0;
    if (status === "I" || status === "T" || status === "E") this.status = status;
    const swallow = this.expectedHead < this.expected.length ? this.expected[this.expectedHead++]! : false;
    if (this.expectedHead > 64) {
      this.expected.splice(0, this.expectedHead);
      this.expectedHead = 0;
    }
    this.readySeen++;
    if (this.readySeen > this.readyOwedTotal) this.readyOwedTotal = this.readySeen; // a ReadyForQuery we did not ask for
    if (!swallow) out.push(Buffer.from(this.zBuf));
    while (this.injected.length > 0 && this.injected[0]!.after <= this.readySeen) {
      const { data } = this.injected.shift()!;
      out.push(typeof data === "function" ? data(this.status) : data);
    }
  }

  private completeParameter(): void {
    const body = this.param!;
    this.param = undefined;
    const nul = body.indexOf(0);
    if (nul < 0) return;
    const end = body.indexOf(0, nul + 1);
    this.onParameter(body.toString("utf8", 0, nul), body.toString("utf8", nul + 1, end < 0 ? body.length : end));
  }

  private flush(out: Buffer[]): void {
    if (out.length > 0) this.write(out);
  }
}
