/**
 * A gateway killed with SIGKILL mid-session: the child records statements in a loop from
 * the built `dist/` files (vitest's global setup builds them) and reports each one once
 * `statement()` has resolved; the parent kills it without warning.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, expect, it } from "vitest";
import { verifyRecording } from "./verify.js";
import { parseRecording } from "./read.js";

const built = fileURLToPath(new URL("../../../dist/proxy/core/recording/index.js", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "portcullis-crash-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CHILD = `
const { startRecording } = await import(process.argv[2]);
const dir = process.argv[3];
const key = Buffer.from("crash key");
const opened = await startRecording({ dir, key }, {
  session: "crashy", identity: { sub: "bot", issuer: "https://idp", groups: [], agent: true },
  connection: { name: "shop", type: "postgres", tags: {} }, client_addr: "127.0.0.1:1",
});
if (!opened.ok) { console.error(opened.error); process.exit(3); }
const rec = opened.recorder;
const filler = "x".repeat(20000);
for (let i = 1; ; i++) {
  rec.event({ kind: "progress", i, filler });
  const w = await rec.statement({ text: "SELECT " + i + " /* " + filler + " */", decision: { id: "d" + i, outcome: i % 3 ? "allow" : "deny", reasons: [], revision: "r" }, rows_returned: 1 });
  if (!w.ok) { console.error(w.error); process.exit(4); }
  process.stdout.write(i + "\\n");
  rec.event({ kind: "after", i, filler });
}
`;

it("a SIGKILLed recorder leaves a file that verifies up to its last statement", async () => {
  expect(existsSync(built), "dist/ is built by vitest.setup.ts").toBe(true);
  const script = join(root, "child.mjs");
  writeFileSync(script, CHILD);
  const dir = join(root, "rec");
  const child = spawn(process.execPath, [script, pathToFileURL(built).href, dir], { stdio: ["ignore", "pipe", "pipe"] });
  let confirmed = 0;
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      const numbers = chunk.toString().trim().split("\n").map(Number);
      confirmed = Math.max(confirmed, ...numbers);
      if (confirmed >= 25) {
        child.kill("SIGKILL");
        resolve();
      }
    });
    child.on("exit", () => reject(new Error(`child exited early: ${stderr}`)));
  });
  expect(await exited).toBe("SIGKILL");

  const [day] = readdirSync(dir);
  const file = join(dir, day!, "crashy.jsonl");
  const result = await verifyRecording(file, Buffer.from("crash key"));
  // A kill between two writes leaves whole lines; one inside a write may leave a torn tail.
  if (!result.ok) expect(result.firstBad?.reason).toBe("torn last line");
  expect(result.complete).toBe(false);
  const verified = parseRecording(readFileSync(file, "utf8")).records.slice(0, result.lines);
  const statements = verified.filter((r) => r.type === "statement");
  // Every statement the child was told was durable is there, in order, and verifies.
  expect(statements.length).toBeGreaterThanOrEqual(confirmed);
  expect(statements.slice(0, confirmed).map((r) => r.text as string).map((t) => t.split(" ")[1])).toEqual(Array.from({ length: confirmed }, (_, i) => String(i + 1)));
});
