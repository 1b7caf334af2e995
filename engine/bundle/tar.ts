/**
 * Stage 1: the container. A minimal ustar writer and reader over `Uint8Array`, plus gzip.
 *
 * Only what bundles need: regular files. The writer emits plain ustar headers (mode 0600,
 * mtime 0, like OPA's Go writer) and falls back to the ustar prefix field, then to a PAX
 * `path` record, for long or non-ASCII names. The reader also understands PAX (`x`/`g`) and
 * GNU long-name (`L`) headers, because Go's `archive/tar` and GNU tar produce them, and skips
 * directories, links and other special entries.
 *
 * Every malformation is a `BundleError("bundle_corrupt")`; every loop advances by at least
 * one 512-byte block, so the reader cannot hang.
 */

import { gunzipSync, gzipSync } from "node:zlib";
import { BundleError } from "./errors.js";

/** One regular file of an archive. `name` is as stored (bundles use a leading `/`). */
export interface TarEntry {
  name: string;
  data: Uint8Array;
}

const BLOCK = 512;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");

/** Largest size an 11-digit octal field can carry (8 GiB - 1). */
const MAX_OCTAL_SIZE = 0o77777777777;

/** Default cap on the decompressed size (like OPA's 1 GiB limit against gzip bombs). */
export const DEFAULT_MAX_BYTES = 1024 * 1024 * 1024;

// ---------------------------------------------------------------------------------------
// Writing

export function writeTar(entries: readonly TarEntry[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const entry of entries) {
    if (entry.data.length > MAX_OCTAL_SIZE) {
      throw new BundleError("bundle_invalid_input", "file too large for a tar entry", entry.name);
    }
    const nameBytes = encoder.encode(entry.name);
    const split = ustarSplit(entry.name, nameBytes);
    if (split) {
      chunks.push(header(split.name, split.prefix, entry.data.length, "0"));
    } else {
      // Go writes PAX records for names ustar cannot hold; so do we.
      const pax = paxRecord("path", entry.name);
      chunks.push(header(encoder.encode(paxPlaceholder(entry.name)), new Uint8Array(0), pax.length, "x"));
      chunks.push(padded(pax));
      chunks.push(header(encoder.encode(paxPlaceholder(entry.name)), new Uint8Array(0), entry.data.length, "0"));
    }
    chunks.push(padded(entry.data));
  }
  chunks.push(new Uint8Array(BLOCK * 2));
  return concat(chunks);
}

/** A name that fits in ustar: ASCII (ustar has no encoding), in `name` or `prefix/name`. */
function ustarSplit(name: string, bytes: Uint8Array): { name: Uint8Array; prefix: Uint8Array } | null {
  if (!/^[\x01-\x7f]*$/.test(name)) return null;
  if (bytes.length <= 100) return { name: bytes, prefix: new Uint8Array(0) };
  for (let i = bytes.length - 1; i > 0; i--) {
    if (bytes[i] !== 0x2f) continue;
    const prefix = bytes.subarray(0, i);
    const rest = bytes.subarray(i + 1);
    if (rest.length === 0 || rest.length > 100) return null;
    if (prefix.length <= 155) return { name: rest, prefix };
  }
  return null;
}

/** A harmless ASCII stand-in for the ustar name field of a PAX-named entry. */
function paxPlaceholder(name: string): string {
  const base = name.split("/").pop() ?? "";
  const ascii = base.replace(/[^\x20-\x7e]/g, "_").slice(-80);
  return `PaxHeaders/${ascii || "file"}`;
}

/** `"<len> key=value\n"` where `<len>` counts the whole record, itself included. */
function paxRecord(key: string, value: string): Uint8Array {
  const body = encoder.encode(` ${key}=${value}\n`);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return concat([encoder.encode(String(len)), body]);
}

function header(name: Uint8Array, prefix: Uint8Array, size: number, type: string): Uint8Array {
  const h = new Uint8Array(BLOCK);
  h.set(name.subarray(0, 100), 0);
  writeOctal(h, 100, 8, 0o600);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, 0);
  h[156] = type.charCodeAt(0);
  h.set(encoder.encode("ustar\u000000"), 257);
  h.set(prefix.subarray(0, 155), 345);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  const digits = sum.toString(8).padStart(6, "0");
  h.set(encoder.encode(`${digits}\u0000 `), 148);
  return h;
}

function writeOctal(h: Uint8Array, offset: number, width: number, value: number): void {
  h.set(encoder.encode(value.toString(8).padStart(width - 1, "0")), offset);
  h[offset + width - 1] = 0;
}

function padded(data: Uint8Array): Uint8Array {
  const rem = data.length % BLOCK;
  if (rem === 0) return data;
  const out = new Uint8Array(data.length + BLOCK - rem);
  out.set(data);
  return out;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Reading

/**
 * All regular files, in archive order. Requires the end-of-archive marker (a zero block),
 * so an archive cut at a block boundary is reported rather than read as a shorter bundle.
 */
export function readTar(bytes: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let nextPath: string | undefined;
  let nextSize: number | undefined;
  let globalPath: string | undefined;
  for (;;) {
    if (offset + BLOCK > bytes.length) {
      throw new BundleError("bundle_corrupt", "tar archive truncated (no end-of-archive marker)");
    }
    const h = bytes.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) return entries;
    checkChecksum(h, offset);
    const type = h[156] === 0 ? "0" : String.fromCharCode(h[156]!);
    let size = readNumber(h, 124, 12, offset);
    if (nextSize !== undefined && type !== "x" && type !== "g" && type !== "L" && type !== "K") size = nextSize;
    const start = offset + BLOCK;
    const end = start + size;
    if (end > bytes.length) throw new BundleError("bundle_corrupt", `tar entry at byte ${offset} truncated`);
    const data = bytes.subarray(start, end);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;

    switch (type) {
      case "x": {
        const records = parsePax(data, start);
        if (records.path !== undefined) nextPath = records.path;
        if (records.size !== undefined) nextSize = parseDecimal(records.size, start);
        continue;
      }
      case "g": {
        const records = parsePax(data, start);
        if (records.path !== undefined) globalPath = records.path;
        continue;
      }
      case "L":
        nextPath = decoder.decode(trimNul(data));
        continue;
      case "K":
        continue;
      default:
        break;
    }
    const name = nextPath ?? globalPath ?? ustarName(h);
    nextPath = undefined;
    nextSize = undefined;
    if (type === "0" || type === "7") entries.push({ name, data: data.slice() });
    // Directories, links, devices and FIFOs carry nothing a bundle needs.
  }
}

function ustarName(h: Uint8Array): string {
  const name = decoder.decode(trimNul(h.subarray(0, 100)));
  const isUstar = h[257] === 0x75 && h[258] === 0x73 && h[259] === 0x74 && h[260] === 0x61 && h[261] === 0x72;
  if (!isUstar) return name;
  const prefix = decoder.decode(trimNul(h.subarray(345, 500)));
  return prefix ? `${prefix}/${name}` : name;
}

function trimNul(b: Uint8Array): Uint8Array {
  const i = b.indexOf(0);
  return i < 0 ? b : b.subarray(0, i);
}

function checkChecksum(h: Uint8Array, offset: number): void {
  const stored = readNumber(h, 148, 8, offset);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  // Old tars summed signed bytes; both are accepted by GNU and Go readers.
  if (stored !== unsigned && stored !== signed) {
    throw new BundleError("bundle_corrupt", `tar header checksum mismatch at byte ${offset}`);
  }
}

/** Octal (NUL/space padded) or GNU base-256 for large values. */
function readNumber(h: Uint8Array, at: number, width: number, offset: number): number {
  const field = h.subarray(at, at + width);
  if (field[0]! & 0x80) {
    let v = field[0]! & 0x7f;
    for (let i = 1; i < width; i++) v = v * 256 + field[i]!;
    if (!Number.isSafeInteger(v)) throw new BundleError("bundle_corrupt", `tar number too large at byte ${offset}`);
    return v;
  }
  const text = String.fromCharCode(...field).replace(/[\0 ]+$/, "").replace(/^[\0 ]+/, "");
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new BundleError("bundle_corrupt", `invalid tar number field at byte ${offset}`);
  return parseInt(text, 8);
}

function parseDecimal(text: string, offset: number): number {
  if (!/^[0-9]{1,15}$/.test(text)) throw new BundleError("bundle_corrupt", `invalid PAX size at byte ${offset}`);
  return Number(text);
}

function parsePax(data: Uint8Array, offset: number): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    let sp = at;
    while (sp < data.length && sp - at < 10 && data[sp] !== 0x20) sp++;
    const lenText = String.fromCharCode(...data.subarray(at, sp));
    if (!/^[0-9]{1,9}$/.test(lenText)) throw new BundleError("bundle_corrupt", `invalid PAX record at byte ${offset + at}`);
    const len = Number(lenText);
    if (len <= sp - at + 1 || at + len > data.length || data[at + len - 1] !== 0x0a) {
      throw new BundleError("bundle_corrupt", `invalid PAX record at byte ${offset + at}`);
    }
    const record = decoder.decode(data.subarray(sp + 1, at + len - 1));
    const eq = record.indexOf("=");
    if (eq < 0) throw new BundleError("bundle_corrupt", `invalid PAX record at byte ${offset + at}`);
    out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// gzip

export function gzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes));
}

export function gunzip(bytes: Uint8Array, maxBytes = DEFAULT_MAX_BYTES): Uint8Array {
  try {
    return new Uint8Array(gunzipSync(bytes, { maxOutputLength: maxBytes }));
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === "ERR_BUFFER_TOO_LARGE" ? `larger than ${maxBytes} bytes uncompressed` : String((e as Error).message);
    throw new BundleError("bundle_corrupt", `not a valid gzip stream: ${why}`);
  }
}

/** `.tar.gz` bytes to entries; plain tar is accepted too (OPA only reads gzip; we are lenient). */
export function readTarGz(bytes: Uint8Array, maxBytes = DEFAULT_MAX_BYTES): TarEntry[] {
  const isGzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  return readTar(isGzip ? gunzip(bytes, maxBytes) : bytes);
}

export function writeTarGz(entries: readonly TarEntry[]): Uint8Array {
  return gzip(writeTar(entries));
}
