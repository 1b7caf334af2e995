import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Framer, MAX_PACKET_PAYLOAD, encodePacket, nextSequenceId, type Packet } from "./framer.js";

const payloads = fc.array(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), { minLength: 1, maxLength: 8 });

/** Frames payloads as one exchange, sequence ids running on from `start`. */
function stream(list: Buffer[], start = 0): { bytes: Buffer; expected: Packet[] } {
  let seq = start;
  const parts: Buffer[] = [];
  const expected: Packet[] = [];
  for (const p of list) {
    parts.push(encodePacket(p, seq));
    const next = nextSequenceId(p.length, seq);
    expected.push({ sequenceId: seq, lastSequenceId: (next + 255) & 0xff, payload: p });
    seq = next;
  }
  return { bytes: Buffer.concat(parts), expected };
}

function feedAll(framer: Framer, chunks: Buffer[]): { packets: Packet[]; error?: string } {
  const packets: Packet[] = [];
  for (const c of chunks) {
    const r = framer.feed(c);
    packets.push(...r.packets);
    if (r.error) return { packets, error: r.error.message };
  }
  return { packets };
}

function cut(bytes: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let i = 0;
  for (const s of sizes) {
    if (i >= bytes.length) break;
    chunks.push(bytes.subarray(i, i + s));
    i += s;
  }
  if (i < bytes.length) chunks.push(bytes.subarray(i));
  return chunks;
}

describe("Framer", () => {
  it("gives back the packets of a stream fed in random chunks", () => {
    fc.assert(
      fc.property(payloads, fc.integer({ min: 0, max: 255 }), fc.array(fc.integer({ min: 1, max: 50 })), (list, start, sizes) => {
        const { bytes, expected } = stream(list, start);
        const out = feedAll(new Framer(), cut(bytes, sizes));
        expect(out.error).toBeUndefined();
        expect(out.packets).toEqual(expected);
      }),
    );
  });

  it("gives the same packets when a valid stream is split at every offset", () => {
    fc.assert(
      fc.property(payloads, (list) => {
        const { bytes, expected } = stream(list);
        for (let i = 0; i <= bytes.length; i++) {
          const f = new Framer();
          const out = feedAll(f, [bytes.subarray(0, i), bytes.subarray(i)]);
          expect(out.packets).toEqual(expected);
          expect(f.pendingBytes).toBe(0);
        }
      }),
      { numRuns: 30 },
    );
  });

  it("holds back an incomplete packet and reports it as pending", () => {
    const bytes = encodePacket(Buffer.from("hello"), 3);
    const f = new Framer();
    expect(f.feed(bytes.subarray(0, 6)).packets).toEqual([]);
    expect(f.pendingBytes).toBe(6);
    expect(f.feed(bytes.subarray(6)).packets).toEqual([{ sequenceId: 3, lastSequenceId: 3, payload: Buffer.from("hello") }]);
  });

  it("reassembles payloads of 16 MiB − 1 and more from split packets", () => {
    for (const size of [MAX_PACKET_PAYLOAD, MAX_PACKET_PAYLOAD + 10]) {
      const payload = Buffer.alloc(size, 0x61);
      payload[size - 1] = 0x62;
      const bytes = encodePacket(payload, 254);
      // Two physical packets: the full one and a tail (empty for exactly 16 MiB − 1).
      expect(bytes.length).toBe(size + 8);
      expect(bytes.readUIntLE(0, 3)).toBe(MAX_PACKET_PAYLOAD);
      expect(nextSequenceId(size, 254)).toBe(0);
      const f = new Framer();
      const out = feedAll(f, cut(bytes, [3, 1_000_000, 9_000_000, 7_000_000]));
      expect(out.error).toBeUndefined();
      expect(out.packets).toHaveLength(1);
      expect(out.packets[0]!.sequenceId).toBe(254);
      expect(out.packets[0]!.lastSequenceId).toBe(255);
      expect(out.packets[0]!.payload.equals(payload)).toBe(true);
    }
  });

  it("refuses a continuation whose sequence id skips", () => {
    const first = Buffer.alloc(4 + MAX_PACKET_PAYLOAD);
    first.writeUIntLE(MAX_PACKET_PAYLOAD, 0, 3);
    first[3] = 5;
    const second = Buffer.from([1, 0, 0, 7, 0x41]);
    const out = feedAll(new Framer(), [first, second]);
    expect(out.packets).toEqual([]);
    expect(out.error).toMatch(/sequence id 7, expected 6/);
  });

  it("refuses a length over the limit before buffering its payload, and stays failed", () => {
    const f = new Framer({ maxPayload: 100 });
    const r = f.feed(Buffer.from([101, 0, 0, 0]));
    expect(r.error?.message).toMatch(/exceeds the limit/);
    expect(f.pendingBytes).toBe(0);
    const again = f.feed(encodePacket(Buffer.from("ok"), 0));
    expect(again.packets).toEqual([]);
    expect(again.error?.code).toBe("protocol_violation");
  });

  it("never throws on random bytes in random chunks", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 })), fc.integer({ min: 0, max: 1000 }), (chunks, max) => {
        const f = new Framer({ maxPayload: max });
        for (const c of chunks) {
          const r = f.feed(c);
          for (const p of r.packets) expect(p.payload.length).toBeLessThanOrEqual(max);
        }
      }),
    );
  });
});
