/**
 * Builds dist/ once before the tests, so tests that run the real `portcullis` command
 * (as a child process, the way users run it) never exercise a stale build.
 *
 * Type errors do not stop the tests here (tsc still emits); `npm run typecheck`, which
 * CI runs first, is where they fail the build.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function buildOnce(): void {
  const root = fileURLToPath(new URL(".", import.meta.url));
  try {
    execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], { cwd: root, stdio: "pipe" });
  } catch (error) {
    const output = String((error as { stdout?: Buffer }).stdout ?? "");
    process.stderr.write(`vitest setup: tsc reported type errors (the tests still run on what it emitted):\n${output.slice(0, 2000)}\n`);
  }
}
