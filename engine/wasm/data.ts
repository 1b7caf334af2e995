/**
 * Stage 1 of codegen: the static data segment. Constants the plans use (strings,
 * numbers, null/true/false, `with` paths, abort messages, the JSON of
 * `entrypoints()`/`builtins()`) are laid out as ready-made runtime values after the
 * runtime's own data, so generated code refers to them by address and never
 * allocates them. Layouts match `runtime/assembly/value.ts`.
 */

const T_NULL = 1;
const T_BOOLEAN = 2;
const T_NUMBER = 3;
const T_STRING = 4;
const T_ARRAY = 5;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export class StaticData {
  private buf = new Uint8Array(4096);
  private size = 0;
  private readonly strings = new Map<string, number>();
  private readonly numbers = new Map<string, number>();
  private readonly cstrs = new Map<string, number>();
  private readonly raw = new Map<string, number>();
  readonly nullAddr: number;
  readonly trueAddr: number;
  readonly falseAddr: number;

  /** `base` is the first free (8-aligned) address after the runtime's data. */
  constructor(readonly base: number) {
    this.nullAddr = this.struct(8, (v) => v.setUint8(0, T_NULL));
    this.trueAddr = this.struct(8, (v) => {
      v.setUint8(0, T_BOOLEAN);
      v.setUint32(4, 1, true);
    });
    this.falseAddr = this.struct(8, (v) => v.setUint8(0, T_BOOLEAN));
  }

  /** First address past the static data: where the heap starts. */
  get end(): number {
    return this.base + align(this.size, 8);
  }

  get bytes(): Uint8Array {
    return this.buf.slice(0, this.size);
  }

  private reserve(n: number, alignment: number): number {
    const at = align(this.size, alignment);
    if (at + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, at + n + 1024));
      next.set(this.buf);
      this.buf = next;
    }
    this.size = at + n;
    return at;
  }

  private struct(n: number, fill: (v: DataView) => void): number {
    const at = this.reserve(n, 8);
    fill(new DataView(this.buf.buffer, at, n));
    return this.base + at;
  }

  /** Raw UTF-8 bytes, shared by every constant with the same text. */
  private text(s: string): { addr: number; len: number } {
    const b = new TextEncoder().encode(s);
    const key = s;
    let addr = this.raw.get(key);
    if (addr === undefined) {
      const at = this.reserve(b.length, 1);
      this.buf.set(b, at);
      addr = this.base + at;
      this.raw.set(key, addr);
    }
    return { addr, len: b.length };
  }

  string(s: string): number {
    let a = this.strings.get(s);
    if (a === undefined) {
      const t = this.text(s);
      a = this.struct(16, (v) => {
        v.setUint8(0, T_STRING);
        v.setUint32(4, t.len, true);
        v.setUint32(8, t.addr, true);
      });
      this.strings.set(s, a);
    }
    return a;
  }

  /** A number from its exact text: i64 when it is an integer that fits, text otherwise. */
  number(text: string): number {
    let a = this.numbers.get(text);
    if (a === undefined) {
      const big = /^-?[0-9]+$/.test(text) && text !== "-0" ? BigInt(text) : undefined;
      if (big !== undefined && big >= INT64_MIN && big <= INT64_MAX && text.replace("-", "").length <= 18) {
        a = this.struct(16, (v) => {
          v.setUint8(0, T_NUMBER);
          v.setUint8(1, 0);
          v.setBigInt64(8, big, true);
        });
      } else {
        const t = this.text(text);
        a = this.struct(16, (v) => {
          v.setUint8(0, T_NUMBER);
          v.setUint8(1, 1);
          v.setUint32(4, t.len, true);
          v.setUint32(8, t.addr, true);
        });
      }
      this.numbers.set(text, a);
    }
    return a;
  }

  /** An array value of string keys, for WithStmt paths. */
  stringArray(items: string[]): number {
    const ptrs = items.map((s) => this.string(s));
    const elems = this.struct(Math.max(4, ptrs.length * 4), (v) => ptrs.forEach((p, i) => v.setUint32(i * 4, p, true)));
    return this.struct(16, (v) => {
      v.setUint8(0, T_ARRAY);
      v.setUint32(4, ptrs.length, true);
      v.setUint32(8, ptrs.length, true);
      v.setUint32(12, elems, true);
    });
  }

  /** A NUL-terminated string (abort messages). The SDK decodes them as Latin-1. */
  cstring(s: string): number {
    let a = this.cstrs.get(s);
    if (a === undefined) {
      const ascii = s.replace(/[^\x20-\x7e]/g, "?");
      const at = this.reserve(ascii.length + 1, 1);
      for (let i = 0; i < ascii.length; i++) this.buf[at + i] = ascii.charCodeAt(i);
      this.buf[at + ascii.length] = 0;
      a = this.base + at;
      this.cstrs.set(s, a);
    }
    return a;
  }

  /**
   * A zeroed 16-byte memo entry {u32 generation, input, data, result} for one rule.
   * Static data is never reset by the SDK; the generation says whether it is current.
   */
  memoEntry(): number {
    return this.struct(16, () => {});
  }

  /** Raw bytes of some text (for JSON the runtime parses at run time). */
  utf8(s: string): { addr: number; len: number } {
    const b = new TextEncoder().encode(s);
    const at = this.reserve(b.length, 1);
    this.buf.set(b, at);
    return { addr: this.base + at, len: b.length };
  }
}

export function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
