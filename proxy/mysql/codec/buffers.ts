/**
 * Bounds-checked reading and growable writing of MySQL wire primitives.
 *
 * Shared by both directions of the codec. Integers are little-endian; "length-encoded"
 * integers and strings use the 0xfb/0xfc/0xfd/0xfe prefixes of the MySQL protocol. Text is
 * decoded as UTF-8 (the gateway pins `utf8mb4`); invalid UTF-8 is a violation rather than a
 * guess, because a statement decoded differently from how the server decodes it could slip
 * past a policy.
 */

/** A malformed packet, reported as a value by every public decoder and the framer. */
export interface ProtocolViolation {
  code: "protocol_violation";
  message: string;
}

export function violation(message: string): ProtocolViolation {
  return { code: "protocol_violation", message };
}

/** What every public decoder returns. */
export type DecodeResult<T> = { ok: true; message: T } | { ok: false; error: ProtocolViolation };

/**
 * Thrown only inside this codec to unwind out of a half-read packet; every public decoder
 * catches it (see `guard`) and returns the violation as a value.
 */
export class Malformed extends Error {
  constructor(readonly violation: ProtocolViolation) {
    super(violation.message);
  }
}

export function malformed(message: string): never {
  throw new Malformed(violation(message));
}

/** Runs a decoder body, turning a `Malformed` unwind into an error value. */
export function guard<T>(decode: () => T): DecodeResult<T> {
  try {
    return { ok: true, message: decode() };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, error: e.violation };
    // Anything else is a bug in the codec, still never thrown at the caller.
    return { ok: false, error: violation(`internal decoder error: ${(e as Error)?.message ?? String(e)}`) };
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return malformed(`${what} is not valid UTF-8`);
  }
}

/** A cursor over one packet payload; every read checks that the payload holds enough bytes. */
export class Reader {
  offset = 0;

  constructor(readonly body: Buffer, private readonly what: string) {}

  private need(n: number, field: string): void {
    if (n < 0 || this.offset + n > this.body.length) malformed(`${this.what}: ${field} runs past the end of the packet`);
  }

  remaining(): number {
    return this.body.length - this.offset;
  }

  peek(): number | undefined {
    return this.body[this.offset];
  }

  int1(field: string): number {
    this.need(1, field);
    return this.body[this.offset++]!;
  }

  int2(field: string): number {
    this.need(2, field);
    const v = this.body.readUInt16LE(this.offset);
    this.offset += 2;
    return v;
  }

  int3(field: string): number {
    this.need(3, field);
    const v = this.body.readUIntLE(this.offset, 3);
    this.offset += 3;
    return v;
  }

  int4(field: string): number {
    this.need(4, field);
    const v = this.body.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  int8(field: string): bigint {
    this.need(8, field);
    const v = this.body.readBigUInt64LE(this.offset);
    this.offset += 8;
    return v;
  }

  bytes(n: number, field: string): Buffer {
    this.need(n, field);
    // A copy, so that decoded messages never alias the framer's reusable input.
    const out = Buffer.from(this.body.subarray(this.offset, this.offset + n));
    this.offset += n;
    return out;
  }

  skip(n: number, field: string): void {
    this.need(n, field);
    this.offset += n;
  }

  /**
   * A length-encoded integer. 0xfb (NULL) and 0xff (ERR marker) are not integers; 0xfe is an
   * 8-byte integer here (callers that must tell EOF apart look at the first byte first).
   * Values past 2^53 cannot be lengths of anything we could hold, so they are violations.
   */
  lenencInt(field: string): number {
    const first = this.int1(field);
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.int2(field);
    if (first === 0xfd) return this.int3(field);
    if (first === 0xfe) {
      const v = this.int8(field);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) malformed(`${this.what}: ${field} is too large`);
      return Number(v);
    }
    return malformed(`${this.what}: invalid length-encoded integer prefix 0x${first.toString(16)} for ${field}`);
  }

  /** A length-encoded integer as a bigint (affected rows, insert ids can exceed 2^53). */
  lenencBig(field: string): bigint {
    const first = this.int1(field);
    if (first < 0xfb) return BigInt(first);
    if (first === 0xfc) return BigInt(this.int2(field));
    if (first === 0xfd) return BigInt(this.int3(field));
    if (first === 0xfe) return this.int8(field);
    return malformed(`${this.what}: invalid length-encoded integer prefix 0x${first.toString(16)} for ${field}`);
  }

  lenencBytes(field: string): Buffer {
    return this.bytes(this.lenencInt(`${field} length`), field);
  }

  /** A length-encoded value where a lone 0xfb means SQL NULL (text result rows). */
  nullableLenencBytes(field: string): Buffer | null {
    if (this.peek() === 0xfb) {
      this.offset++;
      return null;
    }
    return this.lenencBytes(field);
  }

  lenencString(field: string): string {
    return decodeUtf8(this.lenencBytes(field), `${this.what}: ${field}`);
  }

  /** NUL-terminated string. */
  cstring(field: string): string {
    const end = this.body.indexOf(0, this.offset);
    if (end < 0) malformed(`${this.what}: ${field} is missing its NUL terminator`);
    const s = decodeUtf8(this.body.subarray(this.offset, end), `${this.what}: ${field}`);
    this.offset = end + 1;
    return s;
  }

  /** NUL-terminated bytes. */
  cbytes(field: string): Buffer {
    const end = this.body.indexOf(0, this.offset);
    if (end < 0) malformed(`${this.what}: ${field} is missing its NUL terminator`);
    const out = Buffer.from(this.body.subarray(this.offset, end));
    this.offset = end + 1;
    return out;
  }

  /** The rest of the packet as a string (string<EOF>). */
  restString(field: string): string {
    return decodeUtf8(this.rest(), `${this.what}: ${field}`);
  }

  rest(): Buffer {
    return this.bytes(this.body.length - this.offset, "data");
  }

  /** Trailing bytes mean the two sides disagree on the format. */
  end(): void {
    if (this.offset !== this.body.length) malformed(`${this.what}: ${this.body.length - this.offset} unexpected trailing bytes`);
  }
}

/** Appends wire primitives to a growing buffer. */
export class Writer {
  private parts: Buffer[] = [];

  int1(v: number): this {
    const b = Buffer.alloc(1);
    b.writeUInt8(v & 0xff);
    this.parts.push(b);
    return this;
  }

  int2(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v & 0xffff);
    this.parts.push(b);
    return this;
  }

  int3(v: number): this {
    const b = Buffer.alloc(3);
    b.writeUIntLE(v & 0xffffff, 0, 3);
    this.parts.push(b);
    return this;
  }

  int4(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    this.parts.push(b);
    return this;
  }

  int8(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, v));
    this.parts.push(b);
    return this;
  }

  zeros(n: number): this {
    this.parts.push(Buffer.alloc(n));
    return this;
  }

  bytes(b: Uint8Array): this {
    this.parts.push(Buffer.from(b));
    return this;
  }

  lenencInt(v: number | bigint): this {
    const n = BigInt(v);
    if (n < 0n) throw new RangeError("length-encoded integers are unsigned");
    if (n < 0xfbn) return this.int1(Number(n));
    if (n <= 0xffffn) return this.int1(0xfc).int2(Number(n));
    if (n <= 0xffffffn) return this.int1(0xfd).int3(Number(n));
    return this.int1(0xfe).int8(n);
  }

  lenencBytes(b: Uint8Array): this {
    return this.lenencInt(b.length).bytes(b);
  }

  lenencString(s: string): this {
    return this.lenencBytes(Buffer.from(s, "utf8"));
  }

  /** NUL-terminated; a NUL inside the string would end it early, so it becomes U+FFFD. */
  cstring(s: string): this {
    return this.bytes(Buffer.from(s.replace(/\0/g, "\ufffd"), "utf8")).int1(0);
  }

  string(s: string): this {
    return this.bytes(Buffer.from(s, "utf8"));
  }

  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}
