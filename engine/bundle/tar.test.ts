import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { BundleError } from "./errors.js";
import { gzip, readTar, readTarGz, writeTar, writeTarGz, type TarEntry } from "./tar.js";

const segment = fc.stringMatching(/^[^/\0]{1,40}$/).filter((s) => s !== "." && s !== "..");
const unicodeSegment = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).filter((s) => !s.includes("/") && !s.includes("\0"));
const name = fc
  .array(fc.oneof(segment, unicodeSegment), { minLength: 1, maxLength: 8 })
  .map((parts) => "/" + parts.join("/"));
const files = fc.uniqueArray(fc.record({ name, data: fc.uint8Array({ maxLength: 2000 }) }), {
  selector: (e) => e.name,
  maxLength: 8,
});

function expectBundleErrorOrEntries(f: () => TarEntry[]): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BundleError);
    expect((e as BundleError).code).toBe("bundle_corrupt");
  }
}

describe("tar", () => {
  it("round-trips any set of files (unicode and long names, binary data)", () => {
    fc.assert(
      fc.property(files, (entries) => {
        const back = readTarGz(writeTarGz(entries));
        expect(back.map((e) => e.name)).toEqual(entries.map((e) => e.name));
        back.forEach((e, i) => expect(Buffer.from(e.data).equals(Buffer.from(entries[i]!.data))).toBe(true));
      }),
      { numRuns: 150 },
    );
  });

  it("uses the ustar prefix for long ASCII paths and PAX for longer or non-ASCII ones", () => {
    const long = "/" + "d".repeat(90) + "/" + "f".repeat(90) + ".rego";
    const tar = writeTar([{ name: long, data: new Uint8Array([1]) }]);
    expect(tar[156]).toBe("0".charCodeAt(0)); // no PAX header needed
    const longer = "/" + "x".repeat(300);
    const tar2 = writeTar([{ name: longer, data: new Uint8Array([1]) }]);
    expect(tar2[156]).toBe("x".charCodeAt(0));
    expect(readTar(tar2)[0]!.name).toBe(longer);
    const uni = "/политика/ß.rego";
    expect(writeTar([{ name: uni, data: new Uint8Array() }])[156]).toBe("x".charCodeAt(0));
  });

  it("reports any truncation as bundle_corrupt", () => {
    fc.assert(
      fc.property(files.filter((f) => f.length > 0), fc.nat(), (entries, cut) => {
        const tgz = writeTarGz(entries);
        const at = cut % tgz.length;
        expect(() => readTarGz(tgz.subarray(0, at))).toThrow(BundleError);
        const tar = writeTar(entries);
        // Cutting before the end-of-archive marker must be detected, not read as fewer files.
        const tarAt = cut % (tar.length - 1024);
        expect(() => readTar(tar.subarray(0, tarAt))).toThrow(BundleError);
      }),
      { numRuns: 150 },
    );
  });

  it("never throws anything but BundleError on corrupted input", () => {
    fc.assert(
      fc.property(files, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (entries, edits) => {
        for (const raw of [writeTar(entries), writeTarGz(entries)]) {
          const bad = raw.slice();
          for (const [pos, val] of edits) bad[pos % bad.length] = val;
          expectBundleErrorOrEntries(() => readTarGz(bad));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("rejects random bytes and empty input with bundle_corrupt", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        expectBundleErrorOrEntries(() => readTarGz(bytes));
        expectBundleErrorOrEntries(() => readTarGz(gzip(bytes)));
      }),
    );
    expect(() => readTarGz(new Uint8Array())).toThrow(BundleError);
  });

  it("reads GNU long names and skips directories", () => {
    // Hand-made: a directory entry, then an `L` long-name entry naming the next file.
    const longName = "a/".repeat(80) + "x.rego";
    const base = writeTar([
      { name: "dir/", data: new Uint8Array() },
      { name: "././@LongLink", data: new TextEncoder().encode(longName + "\0") },
      { name: "short", data: new TextEncoder().encode("hello") },
    ]);
    const patched = base.slice();
    setType(patched, 0, "5");
    setType(patched, 512, "L");
    const out = readTar(patched);
    expect(out).toHaveLength(1);
    expect(out[0]!.name).toBe(longName);
    expect(new TextDecoder().decode(out[0]!.data)).toBe("hello");
  });
});

/** Changes a header's type flag and fixes its checksum. */
function setType(tar: Uint8Array, offset: number, type: string): void {
  const h = tar.subarray(offset, offset + 512);
  h[156] = type.charCodeAt(0);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
}
