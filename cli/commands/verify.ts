/** `portcullis verify`: check session recordings' hash chains and HMACs. */
import { readFileSync } from "node:fs";
import { type Command, UsageError, parseOptions, EXIT_OK, EXIT_PROBLEM, requireExistingPaths } from "../command.js";
import { verifyDir, type VerifyResult } from "../../proxy/core/recording/index.js";

const HELP = `Usage: portcullis verify <file|dir>… --key-file <f>

Checks session recordings (.jsonl; every one under a directory): each line's HMAC with the
gateway's recording key, the SHA-256 hash chain from the session's first line, consecutive
sequence numbers, and any asciicast (.cast) checkpoints. Prints one line per recording:
  file: ok (n lines)
  file:line: reason: detail
where reason is one of: HMAC mismatch, hash chain broken, sequence gap, unparseable line,
torn last line (an interrupted write, e.g. a crash), asciicast mismatch, unreadable file.

A recording without its disconnect line verifies but is flagged "not complete": the
session is still open, the gateway crashed, or lines were cut off the end.

Options:
  --key-file <f>  the HMAC key (the file's bytes; one trailing newline is ignored)
  --json          print [{file, ok, lines, complete, firstBad?}] instead

Exit codes: 0 every recording verifies, 1 one does not, 2 bad usage.`;

/** A key file's bytes, without the single trailing newline editors add. */
export function readKeyFile(path: string): Buffer {
  let key: Buffer;
  try {
    key = readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read key file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (key.at(-1) === 0x0a) key = key.subarray(0, key.at(-2) === 0x0d ? -2 : -1);
  if (key.length === 0) throw new UsageError(`key file ${path} is empty`);
  return key;
}

export function describeResult(file: string, r: VerifyResult): string {
  if (!r.ok) return `${file}:${r.firstBad?.line ?? 0}: ${r.firstBad?.reason ?? "failed"}: ${r.firstBad?.detail ?? ""}`;
  const casts = (r.casts ?? []).map((c) => `, ${c.file} ${c.bytes} bytes chained${c.unchained ? ` (+${c.unchained} after the last checkpoint)` : ""}`).join("");
  return `${file}: ok (${r.lines} line${r.lines === 1 ? "" : "s"}${r.complete ? "" : ", not complete: no disconnect line"}${casts})`;
}

export const verifyCommand: Command = {
  name: "verify",
  summary: "check session recordings' hash chains and HMACs",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseOptions(args, { "key-file": { type: "string" }, json: { type: "boolean", default: false } });
    requireExistingPaths(positionals);
    if (values["key-file"] === undefined) throw new UsageError("--key-file is required");
    const key = readKeyFile(values["key-file"]);
    const all: { file: string; result: VerifyResult }[] = [];
    for (const p of positionals) all.push(...(await verifyDir(p, key)).files);
    if (values.json) {
      process.stdout.write(JSON.stringify(all.map(({ file, result }) => ({ file, ...result })), null, 2) + "\n");
    } else {
      for (const { file, result } of all) process.stdout.write(describeResult(file, result) + "\n");
      const bad = all.filter((f) => !f.result.ok).length;
      process.stderr.write(`${all.length} recording${all.length === 1 ? "" : "s"} checked, ${bad} failed\n`);
    }
    return all.every((f) => f.result.ok) ? EXIT_OK : EXIT_PROBLEM;
  },
};
