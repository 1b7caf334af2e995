/**
 * Runs the built `portcullis` command as a child process, the way users run it.
 * Used by the CLI tests of every folder.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url).href.replace("/dist/", "/"));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function portcullis(args: string[], cwd = root, timeoutMs = 300_000): CliResult {
  const result = spawnSync(process.execPath, [join(root, "cli/portcullis.js"), ...args], { cwd, encoding: "utf8", timeout: timeoutMs });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
