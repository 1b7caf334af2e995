import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { DecisionLogger } from "./logger.js";
import { LineSink } from "./sink.js";

const dir = mkdtempSync(join(tmpdir(), "decisionlog-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("LineSink", () => {
  it("appends lines to a file and flushes them on close", async () => {
    const file = join(dir, "decisions.jsonl");
    writeFileSync(file, '{"old":true}\n');
    const sink = LineSink.toFile(file);
    for (let i = 0; i < 1000; i++) expect(sink.write(JSON.stringify({ i }))).toBe(true);
    await sink.close();
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(1001);
    expect(lines[0]).toBe('{"old":true}');
    expect(JSON.parse(lines[1000]!)).toEqual({ i: 999 });
    expect(sink.write("late")).toBe(false); // closed: refused, counted
    expect(sink.dropped).toBe(1);
  });

  it("never blocks: past its buffer bound it drops and counts", async () => {
    const chunks: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString());
        void gate.then(() => cb());
      },
    });
    const sink = new LineSink(slow, { maxBufferedBytes: 100 });
    let accepted = 0;
    for (let i = 0; i < 50; i++) if (sink.write(`line ${i} ${"x".repeat(10)}`)) accepted++;
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(50);
    expect(sink.dropped).toBe(50 - accepted);
    release();
    await sink.close();
    expect(chunks.join("").trimEnd().split("\n")).toHaveLength(accepted);
  });

  it("leaves shared streams open (end: false) and survives stream errors", async () => {
    const shared = new PassThrough();
    const sink = new LineSink(shared, { end: false });
    sink.write("a");
    await sink.close();
    expect(shared.writableEnded).toBe(false);
    expect(shared.read()?.toString()).toBe("a\n");

    const errors: Error[] = [];
    const broken = LineSink.toFile(join(dir, "no-such-dir", "x.jsonl"), { onError: (e) => errors.push(e) });
    broken.write("a");
    await new Promise((r) => setTimeout(r, 50));
    expect(errors).toHaveLength(1);
    expect(broken.write("b")).toBe(false);
    await broken.close();
  });
});

describe("DecisionLogger", () => {
  it("validates its mask configuration as values", () => {
    const bad = DecisionLogger.create({ sink: { write: () => true }, mask: { erase: ["/request"] } });
    expect(bad.logger).toBeNull();
    expect(bad.errors).toEqual(['mask path "/request" must start with /input or /result']);
  });

  it("writes one masked line per decision with fixed labels", async () => {
    const lines: string[] = [];
    const made = DecisionLogger.create({
      sink: { write: (l) => void lines.push(l) },
      labels: { id: "gw-7", version: "0.1.0" },
      mask: { erase: ["/input/request/params"] },
      now: () => 1_000_000_001n,
      newId: () => "id-1",
    });
    const logger = made.logger!;
    const event = logger.log({ path: "p/q", revision: "r1", bundle: "b", result: true }, { request: { params: [1] } }, { requestedBy: "1.2.3.4:5" });
    expect(event?.decision_id).toBe("id-1");
    expect(lines).toEqual([
      '{"labels":{"id":"gw-7","version":"0.1.0"},"decision_id":"id-1","bundles":{"b":{"revision":"r1"}},"path":"p/q","input":{"request":{}},"result":true,"erased":["/input/request/params"],"requested_by":"1.2.3.4:5","timestamp":"1970-01-01T00:00:01.000000001Z"}',
    ]);
    // an input that is not JSON is counted, not thrown at the decision path
    expect(logger.log({ path: "p", revision: "r", bundle: "b" }, { f: () => 1 })).toBeNull();
    expect(logger.failures).toBe(1);
    await logger.close();
  });
});
