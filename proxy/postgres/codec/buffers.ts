/**
 * Bounds-checked reading and growable writing of PostgreSQL wire primitives.
 *
 * Shared by both directions of the codec. All integers are big-endian (network order).
 * Strings are NUL-terminated UTF-8: the codec assumes `client_encoding = UTF8`, which the
 * gateway enforces, and rejects invalid UTF-8 rather than guessing, because a statement
 * decoded differently from how the server decodes it could slip past a policy.
 */

/** A malformed frame, reported as a value by every public decoder and the framer. */
export interface ProtocolViolation {
  code: "protocol_violation";
  message: string;
}

export function violation(message: string): ProtocolViolation {
  return { code: "protocol_violation", message };
}

/**
 * Thrown only inside this codec to unwind out of a half-read body; every public decoder
 * catches it and returns the `ProtocolViolation` as a value.
 */
export class Malformed extends Error {
  constructor(readonly violation: ProtocolViolation) {
    super(violation.message);
  }
}

export function malformed(message: string): never {
  throw new Malformed(violation(message));
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A cursor over one message body; every read checks that the body holds enough bytes. */
export class Reader {
  private offset = 0;

  constructor(private readonly body: Buffer, private readonly what: string) {}

  private need(n: number, field: string): void {
    if (this.offset + n > this.body.length) malformed(`${this.what}: ${field} runs past the end of the message`);
  }

  byte(field: string): number {
    this.need(1, field);
    return this.body[this.offset++]!;
  }

  int16(field: string): number {
    this.need(2, field);
    const v = this.body.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  /** Counts are unsigned on the wire: PostgreSQL reads them with pq_getmsgint(…, 2). */
  uint16(field: string): number {
    this.need(2, field);
    const v = this.body.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(field: string): number {
    this.need(4, field);
    const v = this.body.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  bytes(n: number, field: string): Buffer {
    if (n < 0) malformed(`${this.what}: negative length for ${field}`);
    this.need(n, field);
    // A copy, so that decoded messages never alias the framer's reusable input.
    const out = Buffer.from(this.body.subarray(this.offset, this.offset + n));
    this.offset += n;
    return out;
  }

  /** A length-prefixed value where -1 means SQL NULL (Bind parameters, DataRow columns). */
  nullableBytes(field: string): Buffer | null {
    const len = this.int32(`${field} length`);
    if (len === -1) return null;
    if (len < -1) malformed(`${this.what}: invalid length ${len} for ${field}`);
    return this.bytes(len, field);
  }

  cstring(field: string): string {
    const end = this.body.indexOf(0, this.offset);
    if (end < 0) malformed(`${this.what}: ${field} is missing its NUL terminator`);
    const s = decodeUtf8(this.body.subarray(this.offset, end), `${this.what}: ${field}`);
    this.offset = end + 1;
    return s;
  }

  rest(): Buffer {
    return this.bytes(this.body.length - this.offset, "data");
  }

  remaining(): number {
    return this.body.length - this.offset;
  }

  /** PostgreSQL's pq_getmsgend: trailing bytes mean the two sides disagree on the format. */
  end(): void {
    if (this.offset !== this.body.length) malformed(`${this.what}: ${this.body.length - this.offset} unexpected trailing bytes`);
  }
}

export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return malformed(`${what} is not valid UTF-8`);
  }
}

/**
 * Builds one message. Strings cannot carry NUL on the wire; rather than emit a corrupt
 * frame, a NUL inside a string is replaced with U+FFFD (the policy side already refuses
 * SQL containing NUL, so nothing it decided on can change meaning here).
 */
export class Writer {
  private parts: Buffer[] = [];
  private size = 0;

  private push(b: Buffer): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }

  byte(v: number): this {
    return this.push(Buffer.from([v & 0xff]));
  }

  int16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16BE(v & 0xffff, 0);
    return this.push(b);
  }

  int32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v >>> 0, 0);
    return this.push(b);
  }

  bytes(v: Uint8Array): this {
    return this.push(Buffer.from(v));
  }

  nullableBytes(v: Uint8Array | null): this {
    if (v === null) return this.int32(-1);
    return this.int32(v.length).bytes(v);
  }

  cstring(s: string): this {
    return this.push(Buffer.from(s.includes("\0") ? s.replaceAll("\0", "\uFFFD") : s, "utf8")).byte(0);
  }

  /** A typed frame: type byte, int32 length counting itself and the body. */
  frame(type: string): Buffer {
    const header = Buffer.allocUnsafe(5);
    header.write(type, 0, "latin1");
    header.writeInt32BE(this.size + 4, 1);
    return Buffer.concat([header, ...this.parts], this.size + 5);
  }

  /** An untyped startup-phase frame: int32 length, then the body. */
  untypedFrame(): Buffer {
    const header = Buffer.allocUnsafe(4);
    header.writeInt32BE(this.size + 4, 0);
    return Buffer.concat([header, ...this.parts], this.size + 4);
  }
}
