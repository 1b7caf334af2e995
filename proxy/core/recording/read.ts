/**
 * Reads a recording's lines for display and indexing, without verifying them (that is
 * `verify.ts`'s job): lines that do not parse are counted and skipped, so a torn last
 * line from a crash does not hide the rest of the session.
 */
import { readFile } from "node:fs/promises";
import type { RecordLine } from "./types.js";

export interface ReadRecording {
  records: RecordLine[];
  /** 1-based numbers of the lines that did not parse. */
  skipped: number[];
}

export function parseRecording(data: string): ReadRecording {
  const records: RecordLine[] = [];
  const skipped: number[] = [];
  const lines = data.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  lines.forEach((text, i) => {
    try {
      const v: unknown = JSON.parse(text);
      if (v !== null && typeof v === "object" && !Array.isArray(v) && typeof (v as RecordLine).type === "string") records.push(v as RecordLine);
      else skipped.push(i + 1);
    } catch {
      skipped.push(i + 1);
    }
  });
  return { records, skipped };
}

export async function readRecording(path: string): Promise<ReadRecording> {
  return parseRecording(await readFile(path, "utf8"));
}
