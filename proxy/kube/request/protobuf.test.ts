import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readProtobufMeta } from "./protobuf.js";

// A minimal encoder, to build bodies the way the API machinery lays them out.
const varint = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const bytesField = (field: number, data: Uint8Array | string): number[] => {
  const d = typeof data === "string" ? [...Buffer.from(data)] : [...data];
  return [...varint((field << 3) | 2), ...varint(d.length), ...d];
};
const msg = (...parts: number[][]): Uint8Array => new Uint8Array(parts.flat());
const mapEntry = (field: number, k: string, v: string): number[] => bytesField(field, msg(bytesField(1, k), bytesField(2, v)));

describe("readProtobufMeta", () => {
  it("reads the type and metadata, and nothing of the rest of the object", () => {
    const objectMeta = msg(bytesField(1, "db"), bytesField(3, "prod"), mapEntry(11, "app", "api"), mapEntry(11, "tier", "db"), mapEntry(12, "note", "x"), [0x20, 0x05]);
    const secret = msg(bytesField(1, objectMeta), bytesField(2, msg(mapEntry(1, "password", "s3cr3t"))), bytesField(3, "Opaque"));
    const body = msg([0x6b, 0x38, 0x73, 0x00], bytesField(1, msg(bytesField(1, "v1"), bytesField(2, "Secret"))), bytesField(2, secret), bytesField(4, "application/vnd.kubernetes.protobuf"));
    expect(readProtobufMeta(body)).toEqual({
      apiVersion: "v1", kind: "Secret",
      metadata: { name: "db", namespace: "prod", labels: { app: "api", tier: "db" }, annotations: { note: "x" } },
    });
    expect(JSON.stringify(readProtobufMeta(body))).not.toContain("s3cr3t");
  });

  it("returns null for bodies without the magic or with truncated fields", () => {
    expect(readProtobufMeta(new TextEncoder().encode("{}"))).toBeNull();
    expect(readProtobufMeta(msg([0x6b, 0x38, 0x73, 0x00], [0x0a, 0x10, 0x0a]))).toBeNull();
  });

  it("never throws on arbitrary bytes after the magic", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
      const r = readProtobufMeta(msg([0x6b, 0x38, 0x73, 0x00], [...tail]));
      expect(r === null || typeof r.kind === "string").toBe(true);
    }), { numRuns: 3000 });
  });
});
