/**
 * The byte form of one recording line, its hash chain and its HMAC.
 *
 * Canonical form (what `verify` checks, byte for byte, without re-serialising):
 *
 *   body  = UTF-8 of JSON.stringify({seq, ts, type, …payload, [scrubbed], prev})
 *           — no whitespace; `prev` is always the last member, so `body` ends with
 *           `,"prev":"<64 lower-case hex>"}`
 *   hmac  = lower-case hex HMAC-SHA-256(key, body)
 *   line  = body without its final `}`, then `,"hmac":"<hmac>"}`, then one `\n`
 *   prev  = lower-case hex SHA-256 of the previous line's bytes, excluding its `\n`;
 *           for the first line, SHA-256 of `portcullis/recording/v1\n<session id>`
 *
 * So the HMAC covers every byte of a line except the HMAC itself, and the chain covers
 * every byte of every earlier line. A verifier cuts the fixed 75-byte HMAC suffix off,
 * appends `}` and recomputes: key order, number formatting or escaping never need to
 * be reproduced, and any JSON writer can produce lines as long as it keeps the layout.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { RecordLine, RecordType } from "./types.js";

const HEX64 = /^[0-9a-f]{64}$/;
const HMAC_PREFIX = Buffer.from(',"hmac":"');
const PREV_PREFIX = Buffer.from(',"prev":"');
/** `,"hmac":"` + 64 hex + `"}`. */
export const HMAC_SUFFIX_LENGTH = HMAC_PREFIX.length + 64 + 2;
/** `,"prev":"` + 64 hex + `"}`, the tail of a body. */
const PREV_SUFFIX_LENGTH = PREV_PREFIX.length + 64 + 2;

/** The chain's starting value for a session: binds the first line to its session id. */
export function genesis(sessionId: string): string {
  return sha256Hex(Buffer.from(`portcullis/recording/v1\n${sessionId}`, "utf8"));
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function hmacHex(key: Uint8Array, bytes: Uint8Array): string {
  return createHmac("sha256", key).update(bytes).digest("hex");
}

/**
 * One line's text (without `\n`) from its parts. `payload` must be a plain JSON object
 * whose keys do not collide with the envelope's (`seq`, `ts`, `type`, `prev`, `hmac`,
 * `scrubbed`); colliding keys are dropped so the envelope always wins.
 */
export function encodeLine(
  parts: { seq: number; ts: string; type: RecordType; payload: Record<string, unknown>; scrubbed?: number; prev: string },
  key: Uint8Array,
): string {
  const object: Record<string, unknown> = { seq: parts.seq, ts: parts.ts, type: parts.type };
  for (const [k, v] of Object.entries(parts.payload)) if (!ENVELOPE.has(k)) object[k] = v;
  if (parts.scrubbed) object.scrubbed = parts.scrubbed;
  object.prev = parts.prev;
  const body = JSON.stringify(object, bigintsAsNumbers);
  return `${body.slice(0, -1)},"hmac":"${hmacHex(key, Buffer.from(body, "utf8"))}"}`;
}

/** Drivers hand out row counts as bigint; JSON has no bigint, so exact digits go as a string past 2^53. */
function bigintsAsNumbers(_key: string, value: unknown): unknown {
  if (typeof value !== "bigint") return value;
  return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
}

const ENVELOPE = new Set(["seq", "ts", "type", "prev", "hmac", "scrubbed"]);

/** Why a line failed; the verifier adds chain and sequence reasons. */
export type LineProblem = "unparseable line" | "HMAC mismatch";

export type DecodedLine = { ok: true; line: RecordLine; hash: string } | { ok: false; problem: LineProblem; detail: string };

/**
 * Checks one line's layout and HMAC and parses it. `bytes` excludes the `\n`. The chain
 * (`prev`) and `seq` are the caller's to check against the lines before.
 */
export function decodeLine(bytes: Buffer, key: Uint8Array): DecodedLine {
  const n = bytes.length;
  if (n < HMAC_SUFFIX_LENGTH + PREV_SUFFIX_LENGTH || bytes[0] !== 0x7b) return bad("unparseable line", "not a recording line");
  const suffixAt = n - HMAC_SUFFIX_LENGTH;
  const givenHmac = bytes.subarray(suffixAt + HMAC_PREFIX.length, n - 2).toString("latin1");
  if (!bytes.subarray(suffixAt, suffixAt + HMAC_PREFIX.length).equals(HMAC_PREFIX) || !HEX64.test(givenHmac) || bytes[n - 2] !== 0x22 || bytes[n - 1] !== 0x7d) {
    return bad("unparseable line", "the line does not end with its hmac field");
  }
  const body = Buffer.concat([bytes.subarray(0, suffixAt), CLOSE]);
  const expected = Buffer.from(hmacHex(key, body), "latin1");
  if (!timingSafeEqual(expected, Buffer.from(givenHmac, "latin1"))) return bad("HMAC mismatch", "the line's HMAC does not match its bytes (edited, or another key)");
  // From here on the bytes are the writer's own, so a failure is a writer bug, not tampering.
  const prevAt = body.length - PREV_SUFFIX_LENGTH;
  if (prevAt < 1 || !body.subarray(prevAt, prevAt + PREV_PREFIX.length).equals(PREV_PREFIX)) return bad("unparseable line", "the line does not end with its prev field");
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return bad("unparseable line", "the line is not JSON");
  }
  if (!isRecordLine(parsed)) return bad("unparseable line", "the line lacks seq, ts, type or prev");
  parsed.hmac = givenHmac;
  return { ok: true, line: parsed, hash: sha256Hex(bytes) };
}

const CLOSE = Buffer.from("}");

function bad(problem: LineProblem, detail: string): DecodedLine {
  return { ok: false, problem, detail };
}

const TYPES = new Set(["connect", "statement", "disconnect", "event"]);

function isRecordLine(v: unknown): v is RecordLine {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  return Number.isSafeInteger(r.seq) && typeof r.ts === "string" && typeof r.type === "string" && TYPES.has(r.type) &&
    typeof r.prev === "string" && HEX64.test(r.prev);
}
