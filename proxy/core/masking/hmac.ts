/**
 * Stage 1a: HMAC-SHA-256 for the `hash` method, in JavaScript.
 *
 * Why not `node:crypto`: masked values are short (an email, a card number), and for
 * those a native HMAC costs ~2–3 µs, nearly all of it crossing into C++ and building
 * objects (a `Hmac`, a digest `Buffer`, a hex string). Here the key's inner and outer
 * pad blocks are compressed once per key (RFC 2104 "precomputed" midstates), so a value
 * of up to 55 UTF-8 bytes costs two SHA-256 compressions with no allocation but the hex
 * result. Property-tested against `createHmac` (hmac.test.ts).
 */

/** SHA-256 round constants (FIPS 180-4, 4.2.2). */
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const INITIAL = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** Message schedule, reused by every compression (single-threaded, never re-entered). */
const W = new Int32Array(64);

/** Compresses the 64 bytes of `block` at `offset` into `state`. */
function compress(state: Int32Array, block: Uint8Array, offset: number): void {
  for (let t = 0; t < 16; t++) {
    const j = offset + t * 4;
    W[t] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let t = 16; t < 64; t++) {
    const w15 = W[t - 15]!, w2 = W[t - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[t] = (W[t - 16]! + s0 + W[t - 7]! + s1) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!, e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t]! + W[t]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

const HEX_DIGITS = new Uint8Array(Buffer.from("0123456789abcdef", "latin1"));
/** The hex digest's characters, turned into a string by one native call. */
const hexCodes = Buffer.alloc(64);

/** Scratch space: the message (grown on demand) and the outer block. */
let message = Buffer.alloc(256);
const outer = new Uint8Array(64);
const state = new Int32Array(8);

/** The UTF-8 bytes of `value` in `message` (Node's encoding: a lone surrogate becomes U+FFFD); returns their count. */
function encode(value: string): number {
  if (value.length * 3 + 72 > message.length) message = Buffer.alloc(value.length * 3 + 128);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) return message.write(value, 0, "utf8");
    message[i] = c;
  }
  return value.length;
}

/**
 * A keyed HMAC-SHA-256 function returning lower-case hex. The key's pad blocks are
 * compressed here, once; each call then hashes only the value.
 */
export function hmacSha256Hex(key: Uint8Array): (value: string) => string {
  let k = key;
  if (k.length > 64) k = new Uint8Array(sha256(k));
  const pad = new Uint8Array(64);
  const inner = Int32Array.from(INITIAL);
  const outerStart = Int32Array.from(INITIAL);
  for (let i = 0; i < 64; i++) pad[i] = (k[i] ?? 0) ^ 0x36;
  compress(inner, pad, 0);
  for (let i = 0; i < 64; i++) pad[i] = (k[i] ?? 0) ^ 0x5c;
  compress(outerStart, pad, 0);

  return (value) => {
    const n = encode(value);
    // Inner hash: the pad block is done; the message, 0x80, zeros, then the bit length
    // of pad + message in the last 8 bytes of a block.
    const total = n + 9 <= 64 ? 64 : Math.ceil((n + 9) / 64) * 64;
    message[n] = 0x80;
    for (let i = n + 1; i < total; i++) message[i] = 0;
    writeBitLength(message, total, 64 + n);
    state.set(inner);
    for (let off = 0; off < total; off += 64) compress(state, message, off);
    // Outer hash: the 32-byte inner digest in one block (length 64 + 32 bytes).
    for (let i = 0; i < 8; i++) writeWord(outer, i * 4, state[i]!);
    outer[32] = 0x80; // bytes 33..55 stay zero from the start
    writeBitLength(outer, 64, 96);
    state.set(outerStart);
    compress(state, outer, 0);
    for (let i = 0; i < 8; i++) {
      const w = state[i]!;
      for (let j = 0; j < 8; j++) hexCodes[i * 8 + j] = HEX_DIGITS[(w >>> (28 - j * 4)) & 15]!;
    }
    return hexCodes.toString("latin1", 0, 64);
  };
}

function writeWord(buf: Uint8Array, at: number, w: number): void {
  buf[at] = w >>> 24;
  buf[at + 1] = w >>> 16;
  buf[at + 2] = w >>> 8;
  buf[at + 3] = w;
}

/** The big-endian 64-bit bit count of `bytes` in the last 8 bytes before `end`. */
function writeBitLength(buf: Uint8Array, end: number, bytes: number): void {
  const bits = bytes * 8;
  writeWord(buf, end - 8, Math.floor(bits / 0x100000000));
  writeWord(buf, end - 4, bits >>> 0);
}

/** Plain SHA-256 (for keys longer than a block, which HMAC hashes first). */
function sha256(data: Uint8Array): Uint8Array {
  const total = Math.ceil((data.length + 9) / 64) * 64;
  const buf = new Uint8Array(total);
  buf.set(data);
  buf[data.length] = 0x80;
  writeBitLength(buf, total, data.length);
  const s = Int32Array.from(INITIAL);
  for (let off = 0; off < total; off += 64) compress(s, buf, off);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) writeWord(out, i * 4, s[i]!);
  return out;
}
