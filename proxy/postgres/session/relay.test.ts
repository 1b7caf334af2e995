import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { encodeServerMessage, errorResponse, type ServerMessage } from "../codec/index.js";
import { ServerRelay } from "./relay.js";

const rfq = (status: "I" | "T" | "E"): Buffer => encodeServerMessage({ type: "ReadyForQuery", status });
const row = (s: string): Buffer => encodeServerMessage({ type: "DataRow", values: [Buffer.from(s)] });
const done = (tag: string): Buffer => encodeServerMessage({ type: "CommandComplete", tag });

/** Cuts `bytes` at the given (sorted, deduplicated) offsets. */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((a) => a % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

const message: fc.Arbitrary<Buffer> = fc.oneof(
  fc.string({ maxLength: 40 }).map(row),
  fc.constantFrom("SELECT 1", "INSERT 0 1", "BEGIN").map(done),
  fc.constantFrom<ServerMessage>({ type: "ParseComplete" }, { type: "BindComplete" }, { type: "NoData" }).map(encodeServerMessage),
  fc.constantFrom<"I" | "T" | "E">("I", "T", "E").map(rfq),
);

describe("ServerRelay", () => {
  it("forwards any stream unchanged however it is chunked, tracking the last status", () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 12 }), (messages, at) => {
        const stream = Buffer.concat(messages);
        const out: Buffer[] = [];
        const relay = new ServerRelay("I", (c) => out.push(...c), () => expect.fail("no violation expected"));
        for (const m of messages) if (m[0] === 0x5a) relay.expectReady();
        for (const chunk of cut(stream, at)) relay.feed(chunk);
        expect(Buffer.concat(out).equals(stream)).toBe(true);
        const last = [...messages].reverse().find((m) => m[0] === 0x5a);
        expect(relay.status).toBe(last ? String.fromCharCode(last[5]!) : "I");
        expect(relay.idle).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("places injected messages after the responses owed before them and swallows the gateway's own Syncs", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 8 }), (at) => {
        const out: Buffer[] = [];
        const relay = new ServerRelay("I", (c) => out.push(...c), () => expect.fail("no violation expected"));
        relay.expectReady(); // the client's first Query
        relay.inject(Buffer.from("<A>")); // a denial after it
        relay.expectReady(true); // a Sync of the gateway's own
        relay.inject((s) => Buffer.from(`<B:${s}>`)); // after that one, with the status then
        expect(out).toEqual([]); // nothing can go before the upstream answers
        const upstream = Buffer.concat([row("r1"), done("SELECT 1"), rfq("T"), done("INSERT 0 1"), rfq("T")]);
        for (const chunk of cut(upstream, at)) relay.feed(chunk);
        const expected = Buffer.concat([row("r1"), done("SELECT 1"), rfq("T"), Buffer.from("<A>"), done("INSERT 0 1"), Buffer.from("<B:T>")]);
        expect(Buffer.concat(out).toString("latin1")).toBe(expected.toString("latin1"));
        expect(relay.idle).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("reports ParameterStatus messages however they are chunked, and still forwards them", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 6 }), (at) => {
        const params: string[] = [];
        const out: Buffer[] = [];
        const relay = new ServerRelay("I", (c) => out.push(...c), () => {}, (n, v) => params.push(`${n}=${v}`));
        const stream = Buffer.concat([
          encodeServerMessage({ type: "ParameterStatus", name: "client_encoding", value: "SJIS" }),
          done("SET"),
          encodeServerMessage({ type: "ParameterStatus", name: "TimeZone", value: "UTC" }),
        ]);
        for (const chunk of cut(stream, at)) relay.feed(chunk);
        expect(params).toEqual(["client_encoding=SJIS", "TimeZone=UTC"]);
        expect(Buffer.concat(out).equals(stream)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("writes injected messages at once when nothing is owed", () => {
    const out: Buffer[] = [];
    const relay = new ServerRelay("T", (c) => out.push(...c), () => {});
    relay.inject(errorResponse("42501", "no"));
    relay.inject((s) => rfq(s));
    expect(Buffer.concat(out).subarray(-6)).toEqual(rfq("T"));
  });

  it("reports an invalid length from upstream instead of forwarding garbage", () => {
    const violations: string[] = [];
    const out: Buffer[] = [];
    const relay = new ServerRelay("I", (c) => out.push(...c), (m) => violations.push(m));
    relay.feed(Buffer.concat([done("SELECT 1"), Buffer.from([0x44, 0, 0, 0, 1])]));
    expect(violations[0]).toContain("invalid length 1");
    expect(Buffer.concat(out)).toEqual(done("SELECT 1"));
    relay.feed(done("ignored"));
    expect(Buffer.concat(out)).toEqual(done("SELECT 1"));
  });
});
