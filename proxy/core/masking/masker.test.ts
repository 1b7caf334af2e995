import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MaskRule } from "../contracts.js";
import {
  compileMaskRules,
  createHasher,
  createMasker,
  formatMaskError,
  literalPrefix,
  maskString,
  maskText,
  maskValue,
  parseMethod,
  partial,
  type ColumnInfo,
  type ColumnKind,
  type CompiledMaskRules,
} from "./index.js";

const KEY = "gateway-test-key";

function compile(rules: MaskRule[], hashKey: string = KEY): CompiledMaskRules {
  const result = compileMaskRules(rules, { hashKey });
  if (!result.ok) throw new Error(result.errors.map(formatMaskError).join("; "));
  return result.rules;
}

describe("methods", () => {
  it("parses the library's method names and parameters", () => {
    expect(parseMethod("redact")).toEqual({ kind: "redact" });
    expect(parseMethod("last4")).toEqual({ kind: "partial", keep: 4 });
    expect(parseMethod("partial")).toEqual({ kind: "partial", keep: 4 });
    expect(parseMethod("partial:6")).toEqual({ kind: "partial", keep: 6 });
    expect(parseMethod("hash")).toEqual({ kind: "hash", hexChars: 64 });
    expect(parseMethod("hash:16")).toEqual({ kind: "hash", hexChars: 16 });
    expect(parseMethod("null")).toEqual({ kind: "null" });
    expect(parseMethod("zero")).toEqual({ kind: "zero" });
    for (const bad of ["rot13", "hash:4", "partial:x", "redact:2", ""]) expect(typeof parseMethod(bad)).toBe("string");
  });

  it("partial keeps the last N maskable characters and the separators, never more than half", () => {
    expect(partial("4111 1111 1111 1234", 4)).toBe("**** **** **** 1234");
    expect(partial("+44 20 7946 0958", 4)).toBe("+** ** **** 0958");
    expect(partial("alice@example.com", 4)).toBe("*****@******e.com");
    expect(partial("123", 4)).toBe("**3");
    expect(partial("ab", 4)).toBe("*b");
    expect(partial("x", 4)).toBe("*");
    expect(partial("", 4)).toBe("");
    expect(partial("😀😀😀😀😀😀😀😀", 2)).toBe("************😀😀"); // no surrogate pair is split: each hidden unit is a star
    expect(partial("ab😀cd", 2)).toBe("****cd");
    expect(partial("abc😀d", 2)).toBe("***😀d");
  });

  it("redact, partial and null are idempotent; hash is stable per key and differs across keys", () => {
    const a = createHasher("k1");
    const b = createHasher("k2");
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 8 }), (s, keep) => {
        const once = partial(s, keep);
        expect(partial(once, keep)).toBe(once);
        expect(maskString(maskString(s, { kind: "redact" }, a)!, { kind: "redact" }, a)).toBe("****");
        expect(a(s)).toBe(createHasher("k1")(s));
        expect(a(s)).toMatch(/^[0-9a-f]{64}$/);
        expect(a(s)).not.toBe(b(s));
      }),
      { numRuns: 300 },
    );
    expect(maskString("x", { kind: "hash", hexChars: 12 }, a)).toBe(a("x").slice(0, 12));
  });
});

describe("rule compilation", () => {
  it("reports every bad rule with its index, failing closed", () => {
    const result = compileMaskRules(
      [
        { column: "public.users.email", method: "hash" },
        { detector: "nope", method: "redact" },
        { pattern: "(unclosed", method: "redact" },
        { column: "x", method: "rot13" },
      ],
      { hashKey: KEY },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.rule)).toEqual([1, 2, 3]);
    expect(formatMaskError(result.errors[0]!)).toContain("mask[1]: mask_rule_error: unknown detector");
  });

  it("refuses hash without a key", () => {
    const result = compileMaskRules([{ column: "a.b.c", method: "hash" }], { hashKey: "" });
    expect(result.ok).toBe(false);
  });

  it("patterns are RE2, with a literal prefix used as a pre-check", () => {
    expect(literalPrefix("AKIA[0-9A-Z]{16}")).toBe("AKIA");
    expect(literalPrefix("-----BEGIN [A-Z ]*PRIVATE KEY-----")).toBe("-----BEGIN ");
    expect(literalPrefix("abc?d")).toBe("ab");
    expect(literalPrefix("a|b")).toBe("");
    expect(literalPrefix("(?i)abc")).toBe("");
    const rules = compile([{ pattern: "AKIA[0-9A-Z]{16}", method: "redact" }, { pattern: "(?i)secret-\\d+", method: "hash:8" }]);
    expect(maskText("k=AKIAIOSFODNN7EXAMPLE é SECRET-42", rules.scanRules, rules.hash)).toBe(
      `k=**** é ${createHasher(KEY)("SECRET-42").slice(0, 8)}`,
    );
    // RE2 has no backreferences: a Perl-only pattern is a rule error, not a silent no-op
    expect(compileMaskRules([{ pattern: "(a)\\1", method: "redact" }], { hashKey: KEY }).ok).toBe(false);
  });
});

describe("type safety (maskValue)", () => {
  const hash = createHasher(KEY);
  const methods = ["redact", "partial", "last4", "hash", "hash:10", "null", "zero"].map((m) => parseMethod(m) as Exclude<ReturnType<typeof parseMethod>, string>);

  it("follows the kinds table", () => {
    const redact = { method: methods[0]! };
    expect(maskValue("alice@example.com", redact, "text", hash)).toBe("****");
    expect(maskValue("42", redact, "number", hash)).toBeNull();
    expect(maskValue("42", { method: methods[6]! }, "number", hash)).toBe("0");
    expect(maskValue("t", redact, "boolean", hash)).toBeNull();
    expect(maskValue("2024-01-01", redact, "date/time", hash)).toBeNull();
    expect(maskValue("\\xdeadbeef", redact, "bytes", hash)).toBeNull();
    expect(maskValue("4a3b…", redact, "other", hash)).toBeNull();
    expect(maskValue('{"email":"a@b.io","age":42,"vip":true,"tags":["x"],"n":null}', redact, "json", hash)).toBe(
      '{"email":"****","age":null,"vip":null,"tags":["****"],"n":null}',
    );
    expect(maskValue("not json", redact, "json", hash)).toBeNull();
  });

  it("a masked number column never yields a non-number; JSON stays JSON; nothing throws", () => {
    const kinds: ColumnKind[] = ["text", "number", "boolean", "date/time", "json", "bytes", "other"];
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double().map(String), fc.json()), fc.constantFrom(...methods), fc.constantFrom(...kinds), (value, method, kind) => {
        const out = maskValue(value, { method }, kind, hash);
        if (kind === "number") expect(out === null || out === "0").toBe(true);
        if (kind === "json" && out !== null) expect(() => JSON.parse(out)).not.toThrow();
        if (kind !== "text" && kind !== "json" && kind !== "number") expect(out).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it("keeps big numbers in JSON exact when only strings are scanned", () => {
    const rules = compile([{ detector: "email", method: "redact" }]);
    const masker = createMasker(rules, [{ name: "doc", kind: "json" }]);
    expect(masker.maskRow(['{"id":12345678901234567890,"to":"a\\u0040b.io"}'])).toEqual(['{"id":12345678901234567890,"to":"****"}']);
  });
});

describe("Masker", () => {
  const columns: ColumnInfo[] = [
    { name: "id", qualifiedName: "public.users.id", kind: "number" },
    { name: "e", qualifiedName: "public.users.email", kind: "text" },
    { name: "phone", qualifiedName: "public.users.phone", kind: "text" },
    { name: "note", kind: "text" },
    { name: "balance", qualifiedName: "public.users.balance", kind: "number" },
    { name: "email", kind: "text" }, // computed: lower(email) AS email
    { name: "created", qualifiedName: "public.users.created", kind: "date/time" },
  ];
  const rules = compile([
    { column: "public.users.email", method: "hash" },
    { column: "phone", method: "partial" },
    { column: "public.users.balance", method: "redact" },
    { column: "public.users.phone", method: "redact" }, // stronger than partial: wins
    { detector: "email", method: "redact" },
    { detector: "credit_card", method: "last4" },
    { detector: "us_ssn", method: "null" },
  ]);

  it("decides per column ahead of the rows", () => {
    const m = createMasker(rules, columns);
    expect(m.actions).toEqual(["scan", "column", "column", "scan", "column", "column", "pass"]);
    expect(m.active).toBe(true);
    expect(createMasker(compile([]), columns).active).toBe(false);
  });

  it("masks columns, scans free text, counts per column, and leaves the input alone", () => {
    const m = createMasker(rules, columns);
    const row = ["7", "Alice@Example.com", "+44 20 7946 0958", "card 4111 1111 1111 1111 from bob@x.io", "100.50", "alice@example.com", "2024-01-01"];
    const copy = [...row];
    const out = m.maskRow(row);
    expect(row).toEqual(copy);
    expect(out).toEqual(["7", createHasher(KEY)("Alice@Example.com"), "****", "card **** **** **** 1111 from ****", null, createHasher(KEY)("alice@example.com"), "2024-01-01"]);
    expect(m.maskRow([null, null, null, "ssn 123-45-6789", null, null, null])).toEqual([null, null, null, null, null, null, null]);
    expect(m.maskRow(["4111111111111111", null, null, "nothing here", null, null, null])[0]).toBeNull(); // a card in a number column
    expect(Array.from(m.counts)).toEqual([1, 1, 1, 2, 1, 1, 0]);
    expect(m.maskedByColumn()).toEqual({ "public.users.id": 1, "public.users.email": 1, "public.users.phone": 1, note: 2, "public.users.balance": 1, email: 1 });
  });

  it("a hashed column joins: equal values give equal masks, within and across maskers", () => {
    const a = createMasker(rules, columns);
    const b = createMasker(compile([{ column: "public.users.email", method: "hash" }]), columns);
    expect(a.maskField(1, "x@y.io")).toBe(b.maskField(1, "x@y.io"));
    expect(a.maskField(1, "x@y.io")).not.toBe(a.maskField(1, "z@y.io"));
  });

  it("never throws, keeps row shape, and masks every value of a column rule", () => {
    const m = createMasker(rules, columns);
    fc.assert(
      fc.property(fc.array(fc.option(fc.string(), { nil: null }), { minLength: 7, maxLength: 7 }), (row) => {
        const out = m.maskRow(row);
        expect(out).toHaveLength(7);
        expect(out[4]).toBeNull();
        if (row[2] !== null) expect(out[2]).toBe("****");
        if (row[6] !== null) expect(out[6]).toBe(row[6]);
      }),
      { numRuns: 300 },
    );
  });

  // Tokens glued together can make two detectors overlap ("…0130 00a@b.io"); once the
  // winner is masked the loser may match, so idempotence is claimed for separated tokens.
  it("masking free text twice with redact/partial changes nothing the second time", () => {
    const idem = compile([
      { detector: "email", method: "redact" },
      { detector: "credit_card", method: "last4" },
      { detector: "iban", method: "partial" },
      { detector: "phone", method: "partial" },
      { detector: "ipv4", method: "redact" },
    ]);
    const pieces = fc.constantFrom("a@b.io", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "(555) 234-5678", "10.0.0.1", "x", "-", "7");
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 20 }), (parts) => {
        const text = parts.join(" ") + "\n" + parts.join(", ");
        const once = maskText(text, idem.scanRules, idem.hash)!;
        expect(maskText(once, idem.scanRules, idem.hash)).toBe(once);
      }),
      { numRuns: 300 },
    );
  });
});
