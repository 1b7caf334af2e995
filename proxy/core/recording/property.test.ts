import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, expect, it } from "vitest";
import { startRecording } from "./recorder.js";
import { verifyBytes, verifyRecording } from "./verify.js";
import { parseRecording } from "./read.js";
import type { StatementPayload } from "./types.js";

const root = mkdtempSync(join(tmpdir(), "portcullis-prop-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const text = fc.string({ unit: "grapheme", maxLength: 40 });
const statement: fc.Arbitrary<{ type: "statement"; p: StatementPayload }> = fc.record({
  text,
  outcome: fc.constantFrom("allow" as const, "deny" as const, "approval" as const),
  reasons: fc.array(text, { maxLength: 3 }),
  rows: fc.option(fc.nat(), { nil: undefined }),
  error: fc.option(text, { nil: undefined }),
}).map(({ text, outcome, reasons, rows, error }) => ({
  type: "statement" as const,
  p: { text, decision: { id: "d", outcome, reasons, revision: "r" }, ...(rows === undefined ? {} : { rows_returned: rows }), ...(error === undefined ? {} : { error }) },
}));
const event = fc.record({ kind: text, value: fc.jsonValue({ maxDepth: 2 }) }).map((p) => ({ type: "event" as const, p }));
type Step = { type: "statement"; p: StatementPayload } | { type: "event"; p: { kind: string; [k: string]: unknown } };
const session: fc.Arbitrary<Step[]> = fc.array(fc.oneof(statement as fc.Arbitrary<Step>, event as fc.Arbitrary<Step>), { maxLength: 12 });

let n = 0;
async function record(steps: Step[], end: boolean): Promise<string> {
  const opened = await startRecording({ dir: root, key: KEY }, {
    session: `prop-${++n}`,
    identity: { sub: "s", issuer: "i", groups: [], agent: false },
    connection: { name: "c", type: "postgres", tags: {} },
    client_addr: "::1",
  });
  if (!opened.ok) throw new Error(opened.error);
  const rec = opened.recorder;
  for (const s of steps) {
    const w = s.type === "statement" ? await rec.statement(s.p) : rec.event(s.p);
    expect(w.ok).toBe(true);
  }
  if (end) await rec.disconnect({ reason: "done" });
  else expect((await rec.close()).ok).toBe(true);
  return rec.path;
}
const KEY = Buffer.from("property key");

it("any sequence of events verifies and reads back what was recorded", async () => {
  await fc.assert(
    fc.asyncProperty(session, fc.boolean(), async (steps, end) => {
      const path = await record(steps, end);
      const result = await verifyRecording(path, KEY);
      expect(result).toMatchObject({ ok: true, lines: steps.length + 1 + (end ? 1 : 0), complete: end });
      const back = parseRecording(readFileSync(path, "utf8")).records.slice(1, steps.length + 1);
      expect(back.map((r) => (r.type === "statement" ? r.text : r.kind))).toEqual(steps.map((s) => (s.type === "statement" ? s.p.text : s.p.kind)));
    }),
    { numRuns: 40 },
  );
});

it("any single-byte change anywhere in a recording is detected", async () => {
  const recorded = await fc.sample(session, { numRuns: 8, seed: 42 }).reduce(async (acc, steps, i) => [...(await acc), readFileSync(await record(steps, i % 2 === 0))], Promise.resolve([] as Buffer[]));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...recorded), fc.nat(), fc.integer({ min: 1, max: 255 }), async (data, pos, delta) => {
      const copy = Buffer.from(data);
      const at = pos % copy.length;
      copy[at] = (copy[at]! + delta) & 0xff;
      const result = await verifyBytes(copy, KEY);
      expect(result.ok).toBe(false);
      // The bad line is the one holding the changed byte (or the line it merged into).
      const lineOfByte = data.subarray(0, at).filter((b) => b === 0x0a).length + 1;
      expect(result.firstBad!.line).toBe(lineOfByte);
    }),
    { numRuns: 2000 },
  );
});
