/**
 * The fast paths against the straightforward ones: the JavaScript HMAC against
 * node:crypto, `partial` against a per-unit reference, every detector's `needs` against
 * what it finds, and the masker (pre-filter, per-column paths, `maskNeeded` on bytes)
 * against kinds.ts applied with no pre-filter at all.
 */
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MaskRule } from "../contracts.js";
import { cached } from "./methods.js";
import { hmacSha256Hex } from "./hmac.js";
import { literalNeeds, needs, profileBytes, profileText, punctBits, satisfies } from "./prefilter.js";
import {
  columnMethod,
  compileMaskRules,
  createHasher,
  createMasker,
  DETECTORS,
  formatMaskError,
  maskValue,
  partial,
  patternDetector,
  scanValue,
  type ColumnInfo,
  type ColumnKind,
  type CompiledMaskRules,
  type ScanRule,
} from "./index.js";

const KEY = "fastpath-test-key";

/** Any UTF-16 unit, lone surrogates included. */
const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Text built from pieces detectors care about, so matches are common. */
const PIECES = [
  "a@b.io", "jane.doe@example.org", "4111 1111 1111 1111", "4111-1111-1111-1111", "DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432",
  "(555) 234-5678", "+44 20 7946 0958", "123-45-6789", "123 45 6789", "10.0.0.1", "fe80::1", "2001:db8::8a2e:370:7334",
  "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key=", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
  "-----BEGIN PRIVATE KEY-----", "?access_token=abcdef123", "Authorization: Bearer abc.def", "Bearer abcdefghijklmnop1",
  "x", "-", "7", " ", "\t", ".", ":", "é", "😀", "\\u0040", "{\"a\":\"b@c.de\"}",
];
const piecesText = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit, maxLength: 3 })), { maxLength: 12 }).map((p) => p.join(""));
const anyText = fc.oneof(piecesText, fc.string({ unit, maxLength: 60 }));

describe("hmac.ts", () => {
  it("equals node:crypto's HMAC-SHA-256 for any key and any text (multi-block, non-ASCII, lone surrogates)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 140 }), fc.oneof(fc.string({ unit, maxLength: 200 }), fc.string({ maxLength: 130 })), (key, text) => {
        expect(hmacSha256Hex(key)(text)).toBe(createHmac("sha256", key).update(text, "utf8").digest("hex"));
      }),
      { numRuns: 300 },
    );
  });

  it("gives the same digests through the masking API as before (fixed vector)", () => {
    // RFC 4231 test case 2.
    expect(hmacSha256Hex(Buffer.from("Jefe"))("what do ya want for nothing?")).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    expect(createHasher("Jefe")("what do ya want for nothing?")).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });
});

describe("methods.ts cached", () => {
  it("returns what the function returns, and keeps a value in steady use while many others pass", () => {
    let calls = 0;
    const f = cached((s) => {
      calls++;
      return `<${s}>`;
    }, 8);
    for (let i = 0; i < 200; i++) {
      expect(f("hot")).toBe("<hot>");
      expect(f(`cold${i}`)).toBe(`<cold${i}>`);
    }
    expect(calls).toBe(201); // "hot" computed once; each cold value once
    expect(f("cold0")).toBe("<cold0>");
    expect(calls).toBe(202); // long evicted: the cache is bounded
  });
});

/** `partial` as first written: unit by unit into an array. */
function partialReference(value: string, keep: number): string {
  const maskable = (c: number) => c >= 0x80 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 42;
  let count = 0;
  for (let i = 0; i < value.length; i++) if (maskable(value.charCodeAt(i)) && !(value.charCodeAt(i) >= 0xdc00 && value.charCodeAt(i) <= 0xdfff)) count++;
  let shown = Math.min(keep, Math.floor(count / 2));
  let boundary = value.length;
  while (shown > 0 && boundary > 0) {
    const c = value.charCodeAt(--boundary);
    if (!maskable(c)) continue;
    if (c >= 0xdc00 && c <= 0xdfff && boundary > 0 && value.charCodeAt(boundary - 1) >= 0xd800 && value.charCodeAt(boundary - 1) <= 0xdbff) boundary--;
    shown--;
  }
  const units = value.split("");
  for (let i = 0; i < boundary; i++) if (maskable(value.charCodeAt(i))) units[i] = "*";
  return units.join("");
}

describe("partial", () => {
  it("equals the per-unit reference on any text (long runs too)", () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fc.string({ unit, maxLength: 300 })), fc.integer({ min: 0, max: 64 }), (s, keep) => {
        expect(partial(s, keep)).toBe(partialReference(s, keep));
      }),
      { numRuns: 500 },
    );
  });
});

describe("prefilter.ts", () => {
  it("never rules out a text in which the detector finds something (every built-in detector)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...PIECES), anyText), (text) => {
        for (const d of Object.values(DETECTORS)) {
          const out: number[] = [];
          d.find(text, out); // find alone, without mayMatch or needs
          if (out.length > 0) expect(satisfies(profileText(text), d.needs!), `${d.name} in ${JSON.stringify(text)}`).toBe(true);
        }
      }),
      { numRuns: 600 },
    );
  });

  it("needsSuffice holds: whenever a detector's needs hold, its mayMatch says yes", () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...PIECES), anyText), (text) => {
        for (const d of Object.values(DETECTORS)) {
          if (d.needsSuffice === true && satisfies(profileText(text), d.needs!)) expect(d.mayMatch(text), d.name).toBe(true);
        }
      }),
      { numRuns: 600 },
    );
  });

  it("records tab as a blank and ignores characters outside ASCII", () => {
    expect(satisfies(profileText("Bearer\tx"), needs({ any: " " }))).toBe(true);
    expect(profileText("é١٢٣Ａ")).toMatchObject({ digits: 0, upper: 0, punct: 0 });
    expect(profileText("|}~")).toMatchObject({ punct: 0 });
    expect(profileText("@{")).toMatchObject({ punct: punctBits("{@") });
  });

  it("never rules out a text holding a pattern's match", () => {
    const patterns = ["AKIA[0-9A-Z]{16}", "-----BEGIN [A-Z ]*PRIVATE KEY-----", "x-\\d+", "é:[0-9]", "a@b"];
    fc.assert(
      fc.property(anyText, fc.constantFrom(...patterns), (text, pattern) => {
        const d = patternDetector(pattern);
        if (typeof d === "string") throw new Error(d);
        const out: number[] = [];
        d.find(text, out);
        if (out.length > 0) expect(satisfies(profileText(text), d.needs!)).toBe(true);
      }),
    );
    expect(literalNeeds("-----BEGIN ")).toMatchObject({ minLength: 11, minUpper: 5 });
  });

  it("a UTF-8 byte profile is never stricter than the decoded string's", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const bytes = Buffer.from(text, "utf8");
        const decoded = bytes.toString("utf8"); // lone surrogates decode as U+FFFD
        const s = { ...profileText(decoded) };
        const b = { ...profileBytes(bytes, 0, bytes.length) };
        expect(b.digits).toBe(s.digits);
        expect(b.upper).toBe(s.upper);
        expect(b.punct).toBe(s.punct);
        expect(b.length).toBeGreaterThanOrEqual(s.length);
      }),
    );
  });
});

const COLUMNS: ColumnInfo[] = [
  { name: "id", qualifiedName: "public.t.id", kind: "number" },
  { name: "email", qualifiedName: "public.t.email", kind: "text" },
  { name: "phone", qualifiedName: "public.t.phone", kind: "text" },
  { name: "note", qualifiedName: "public.t.note", kind: "text" },
  { name: "doc", qualifiedName: "public.t.doc", kind: "json" },
  { name: "addr", qualifiedName: "public.t.addr", kind: "other" },
  { name: "at", qualifiedName: "public.t.at", kind: "date/time" },
  { name: "total", qualifiedName: "public.t.total", kind: "number" },
];
const METHODS = ["redact", "partial", "last4", "hash", "hash:12", "null", "zero"];
const ruleArb: fc.Arbitrary<MaskRule> = fc.oneof(
  fc.record({ column: fc.constantFrom("email", "public.t.phone", "note", "doc", "total", "addr", "public.t.at"), method: fc.constantFrom(...METHODS) }),
  fc.record({ detector: fc.constantFrom(...Object.keys(DETECTORS), "ip", "aws"), method: fc.constantFrom(...METHODS) }),
  fc.record({ pattern: fc.constantFrom("AKIA[0-9A-Z]{16}", "-----BEGIN [A-Z ]*PRIVATE KEY-----", "x-\\d+", "[0-9]{3}"), method: fc.constantFrom(...METHODS) }),
);

function compile(rules: MaskRule[]): CompiledMaskRules {
  const result = compileMaskRules(rules, { hashKey: KEY });
  if (!result.ok) throw new Error(result.errors.map(formatMaskError).join("; "));
  return result.rules;
}

/** kinds.ts applied column by column, with every detector's `needs` removed (no pre-filter) and a plain cached hasher. */
function straightforward(rules: CompiledMaskRules, row: (string | null)[]): (string | null)[] {
  const scanRules: ScanRule[] = rules.scanRules.map((r) => ({ ...r, detector: { name: r.detector.name, mayMatch: r.detector.mayMatch, find: r.detector.find } }));
  const hash = createHasher(KEY);
  return row.map((v, i) => {
    if (v === null) return null;
    const column = COLUMNS[i]!;
    const method = columnMethod(rules.columnRules, column);
    if (method) return maskValue(v, { method }, column.kind, hash);
    const scans = scanRules.length > 0 && ["text", "json", "number", "other"].includes(column.kind as ColumnKind);
    return scans ? scanValue(v, scanRules, column.kind, hash) : v;
  });
}

describe("masker fast paths", () => {
  const value = fc.option(fc.oneof(anyText, fc.json(), fc.integer().map(String)), { nil: null });
  const rowArb = fc.array(value, { minLength: COLUMNS.length, maxLength: COLUMNS.length });

  it("maskRow and maskField equal the straightforward path on generated rows and rule sets", () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 6 }), fc.array(rowArb, { minLength: 1, maxLength: 8 }), (ruleList, rows) => {
        const rules = compile(ruleList);
        const masker = createMasker(rules, COLUMNS);
        const fieldMasker = createMasker(rules, COLUMNS);
        for (const row of rows) {
          const want = straightforward(rules, row);
          expect(masker.maskRow(row)).toEqual(want);
          expect(row.map((v, i) => fieldMasker.maskField(i, v))).toEqual(want);
        }
        expect(fieldMasker.maskedByColumn()).toEqual(masker.maskedByColumn());
      }),
      { numRuns: 300 },
    );
  });

  it("maskNeeded is false only for values that maskField leaves unchanged", () => {
    let cleared = 0;
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 6 }), rowArb, (ruleList, row) => {
        const masker = createMasker(compile(ruleList), COLUMNS);
        row.forEach((v, i) => {
          if (v === null) return;
          const framed = Buffer.concat([Buffer.from("xx"), Buffer.from(v, "utf8"), Buffer.from("yy")]);
          if (masker.maskNeeded(i, framed, 2, framed.length - 2)) return;
          cleared++;
          expect(masker.maskField(i, v)).toBe(v);
        });
      }),
      { numRuns: 400 },
    );
    expect(cleared).toBeGreaterThan(100); // the property is not vacuous
  });

  it("maskNeeded clears ordinary prose and keeps column rules and values that may match", () => {
    const masker = createMasker(compile([{ column: "email", method: "hash" }, { detector: "email", method: "redact" }, { detector: "credit_card", method: "last4" }]), COLUMNS);
    const check = (i: number, text: string) => {
      const b = Buffer.from(text);
      return masker.maskNeeded(i, b, 0, b.length);
    };
    expect(check(3, "Customer asked about the delivery window #123456")).toBe(false);
    expect(check(3, "write to a@b.io")).toBe(true);
    expect(check(3, "card 4111 1111 1111 1111")).toBe(true);
    expect(check(1, "anything")).toBe(true); // a column rule always rewrites
    expect(check(6, "2024-01-01 a@b.io")).toBe(false); // date/time is never scanned
    expect(check(4, '{"a":"b\\u0040c.de"}')).toBe(true); // an escape may hide an "@"
  });
});
