import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { canonicalText, goString, hashBundleFile, isStructuredDoc } from "./hash.js";
import { entrypointPath, modulePackagePath } from "./manifest.js";
import { globMatch } from "./read.js";

const enc = new TextEncoder();

/** JSON text of `v` with keys in a random order and random whitespace. */
function scramble(v: unknown, rnd: () => number): string {
  const ws = (): string => [" ", "\n", "\t", ""][Math.floor(rnd() * 4)]!;
  if (Array.isArray(v)) return "[" + v.map((e) => ws() + scramble(e, rnd) + ws()).join(",") + "]";
  if (typeof v === "object" && v !== null) {
    const keys = Object.keys(v).sort(() => rnd() - 0.5);
    return "{" + keys.map((k) => `${ws()}${JSON.stringify(k)}${ws()}:${ws()}${scramble((v as Record<string, unknown>)[k], rnd)}`).join(",") + "}";
  }
  return JSON.stringify(v);
}

describe("OPA file hashing", () => {
  it("hashes structured files independently of key order and whitespace", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        let s = seed;
        const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 + 1) % 1;
        const a = hashBundleFile("data.json", enc.encode(JSON.stringify(value)));
        const b = hashBundleFile("x/data.json", enc.encode(scramble(value, rnd)));
        expect(a).toBe(b);
      }),
      { numRuns: 200 },
    );
  });

  it("equals SHA-256 of compact, key-sorted JSON without HTML escaping (OPA's TestHashFile rule)", () => {
    const text = '{"key2":{"c":123.45678911111111111111111111111111111111111111111111111,"b":1,"a":0},"key1":["element1","element2"],"h":"<foo>&","u":"α©™\\u2028"}';
    const canonical = '{"h":"<foo>&","key1":["element1","element2"],"key2":{"a":0,"b":1,"c":123.45678911111111111111111111111111111111111111111111111},"u":"α©™\\u2028"}';
    expect(hashBundleFile(".manifest", enc.encode(text))).toBe(createHash("sha256").update(canonical).digest("hex"));
    expect(hashBundleFile(".manifest", enc.encode(text), "MD5")).toBe(createHash("md5").update(canonical).digest("hex"));
  });

  it("hashes non-structured files (sources, wasm, plan.json, data.yml) by their bytes", () => {
    const bytes = enc.encode('{"b": 1, "a": 2}');
    for (const p of ["plan.json", "a/data.yml", "x.rego", "policy.wasm"]) {
      expect(isStructuredDoc(p)).toBe(false);
      expect(hashBundleFile(p, bytes)).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
    expect(isStructuredDoc("a/data.yaml")).toBe(true);
  });

  it("sorts keys by UTF-8 bytes and escapes strings as Go does", () => {
    // Astral characters are surrogate pairs (0xD8xx) in UTF-16, so JS's default sort puts them
    // before U+E000..U+FFFF; Go compares UTF-8 bytes (0xEE/0xEF < 0xF0), the other way round.
    expect(canonicalText({ "\u{1F600}": 1, "\uFF61": 2 } as Record<string, number>).startsWith('{"\uFF61"')).toBe(true);
    expect(canonicalText({ "\uE000": 1, "\u{10000}": 2 })).toBe('{"\uE000":1,"\u{10000}":2}');
    expect(goString("a\"\\\b\f\n\r\t\u0001\u007f\u2029<>&")).toBe('"a\\"\\\\\\b\\f\\n\\r\\t\\u0001\u007f\\u2029<>&"');
    expect(goString("\ud800x")).toBe('"\\ufffdx"');
  });
});

describe("manifest helpers", () => {
  it("normalises entrypoints and reads package paths", () => {
    expect(entrypointPath("data.portcullis.decision")).toBe("portcullis/decision");
    expect(entrypointPath("portcullis/decision")).toBe("portcullis/decision");
    expect(entrypointPath('data.kube["admission-v1"].deny')).toBe("kube/admission-v1/deny");
    expect(modulePackagePath("# header\n\npackage a.b # c\nimport rego.v1\n")).toBe("a/b");
    expect(modulePackagePath("import x\n")).toBeNull();
  });

  it("matches exclusion globs like Go's filepath.Match", () => {
    expect(globMatch("extra/*", "extra/a.rego")).toBe(true);
    expect(globMatch("extra/*", "extra/b/a.rego")).toBe(false);
    expect(globMatch("*.json", "data.json")).toBe(true);
    expect(globMatch("data.?son", "data.json")).toBe(true);
    expect(globMatch("[a-c].rego", "b.rego")).toBe(true);
  });
});
