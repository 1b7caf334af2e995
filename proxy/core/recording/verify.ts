/**
 * Checks a recording: every line's layout and HMAC, the hash chain from the session's
 * genesis value, and consecutive `seq` numbers starting at 1; then that every asciicast
 * checkpoint (see `asciicast.ts`) still matches its `.cast` file. Reports the first bad
 * line (1-based) and why.
 *
 * What a chain cannot tell: lines removed from the *end* look like a session that ended
 * abruptly (a crash). `complete` says whether the recording ends with its `disconnect`
 * line; a recording that verifies but is not complete is either still being written,
 * from a crashed gateway, or truncated.
 */
import { readFile, readdir, stat } from "node:fs/promises";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { decodeLine, genesis } from "./line.js";

export type VerifyReason =
  | "hash chain broken"
  | "HMAC mismatch"
  | "torn last line"
  | "unparseable line"
  | "sequence gap"
  | "asciicast mismatch"
  | "unreadable file";

export interface VerifyResult {
  ok: boolean;
  /** How many lines verified (all of them when `ok`). */
  lines: number;
  /** The session id from the `connect` line, when it verified. */
  session?: string;
  /** The recording ends with a `disconnect` line. */
  complete: boolean;
  /** Asciicast files whose checkpoints were checked, with the bytes covered. */
  casts?: { file: string; bytes: number; unchained: number }[];
  firstBad?: { line: number; reason: VerifyReason; detail: string };
}

/** Verifies a recording held in memory; `castFile` reads sibling asciicast files (null when missing). */
export async function verifyBytes(data: Buffer, key: Uint8Array, castFile?: (name: string) => Promise<Buffer | null>): Promise<VerifyResult> {
  let expectedPrev: string | undefined;
  let session: string | undefined;
  let lines = 0;
  let complete = false;
  const checkpoints = new Map<string, { bytes: number; sha256: string; line: number }[]>();
  const fail = (line: number, reason: VerifyReason, detail: string): VerifyResult => ({ ok: false, lines, complete: false, ...(session ? { session } : {}), firstBad: { line, reason, detail } });
  let start = 0;
  while (start < data.length) {
    const lineNo = lines + 1;
    const end = data.indexOf(0x0a, start);
    if (end < 0) return fail(lineNo, "torn last line", `the last line has no newline (${data.length - start} bytes): an interrupted write`);
    const decoded = decodeLine(data.subarray(start, end), key);
    start = end + 1;
    if (!decoded.ok) return fail(lineNo, decoded.problem, decoded.detail);
    const record = decoded.line;
    if (lineNo === 1) {
      if (record.type !== "connect" || typeof record.session !== "string") return fail(1, "hash chain broken", "the first line is not the session's connect line");
      expectedPrev = genesis(record.session);
    }
    if (record.prev !== expectedPrev) return fail(lineNo, "hash chain broken", "prev does not match the previous line (a line was removed, inserted or reordered before this one)");
    if (record.seq !== lineNo) return fail(lineNo, "sequence gap", `seq ${record.seq} where ${lineNo} was expected`);
    if (lineNo === 1) session = record.session as string;
    if (complete) return fail(lineNo, "hash chain broken", "a line follows the disconnect line");
    if (record.type === "disconnect") complete = true;
    if (record.type === "event" && record.kind === "asciicast") {
      const c = record as unknown as { file?: unknown; bytes?: unknown; sha256?: unknown };
      if (typeof c.file === "string" && typeof c.bytes === "number" && typeof c.sha256 === "string") {
        const list = checkpoints.get(c.file) ?? [];
        list.push({ bytes: c.bytes, sha256: c.sha256, line: lineNo });
        checkpoints.set(c.file, list);
      }
    }
    expectedPrev = decoded.hash;
    lines++;
  }
  const casts: NonNullable<VerifyResult["casts"]> = [];
  for (const [file, list] of checkpoints) {
    const bytes = castFile ? await castFile(file) : null;
    if (bytes === null) return fail(list[0]!.line, "asciicast mismatch", `${file} is missing`);
    for (const cp of list) {
      const ok = cp.bytes <= bytes.length && createHash("sha256").update(bytes.subarray(0, cp.bytes)).digest("hex") === cp.sha256;
      if (!ok) return fail(cp.line, "asciicast mismatch", `${file}: its first ${cp.bytes} bytes no longer match this checkpoint`);
    }
    const covered = list[list.length - 1]!.bytes;
    casts.push({ file, bytes: covered, unchained: bytes.length - covered });
  }
  return { ok: true, lines, complete, ...(session ? { session } : {}), ...(casts.length ? { casts } : {}) };
}

/** Verifies one recording file. */
export async function verifyRecording(path: string, key: Uint8Array): Promise<VerifyResult> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    return { ok: false, lines: 0, complete: false, firstBad: { line: 0, reason: "unreadable file", detail: error instanceof Error ? error.message : String(error) } };
  }
  const folder = dirname(path);
  return verifyBytes(data, key, async (name) => {
    // Checkpoints name a sibling file; anything path-like is refused rather than followed.
    if (name.includes("/") || name.includes("\\") || name.startsWith(".")) return null;
    return readFile(join(folder, name)).catch(() => null);
  });
}

/** Every `.jsonl` file under `dir` (recursively), sorted. */
export async function recordingFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await recordingFiles(p)));
    else if (e.isFile() && e.name.endsWith(".jsonl")) out.push(p);
  }
  return out;
}

export interface DirResult {
  ok: boolean;
  files: { file: string; result: VerifyResult }[];
}

/** Verifies every recording under `dir`; `path` may also be a single file. */
export async function verifyDir(path: string, key: Uint8Array): Promise<DirResult> {
  let files: string[];
  try {
    files = (await stat(path)).isDirectory() ? await recordingFiles(path) : [path];
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, files: [{ file: path, result: { ok: false, lines: 0, complete: false, firstBad: { line: 0, reason: "unreadable file", detail } } }] };
  }
  const results: DirResult["files"] = [];
  for (const file of files) results.push({ file, result: await verifyRecording(file, key) });
  return { ok: results.every((r) => r.result.ok), files: results };
}
