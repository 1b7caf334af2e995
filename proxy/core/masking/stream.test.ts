import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MaskRule } from "../contracts.js";
import { applyMatches, compileMaskRules, createStreamMasker, findMatches, HOLD_CHARS, MAX_PENDING_CHARS, type CompiledMaskRules } from "./index.js";

function compile(rules: MaskRule[]): CompiledMaskRules {
  const result = compileMaskRules(rules, { hashKey: "k" });
  if (!result.ok) throw new Error("bad rules");
  return result.rules;
}

const RULES = compile([
  { detector: "email", method: "hash:12" },
  { detector: "phone", method: "partial" },
  { detector: "credit_card", method: "last4" },
  { detector: "iban", method: "last4" },
  { detector: "us_ssn", method: "null" },
  { detector: "aws", method: "redact" },
  { detector: "jwt", method: "redact" },
  { detector: "private_key", method: "redact" },
  { detector: "ip", method: "redact" },
  { detector: "bearer_token", method: "redact" },
  { pattern: "ghp_[A-Za-z0-9]{8}", method: "redact" },
]);

/** Whole-text masking as a stream does it (a `null` match is redacted). */
function whole(text: string, rules = RULES): string {
  const matches: number[] = [];
  findMatches(text, rules.scanRules, matches);
  return applyMatches(text, matches, rules.scanRules, rules.hash, false)!;
}

function streamed(chunks: (string | Uint8Array)[], rules = RULES): string {
  const s = createStreamMasker(rules);
  let out = "";
  for (const c of chunks) out += s.push(c);
  return out + s.end();
}

function split(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(text.slice(last, p));
    last = p;
  }
  chunks.push(text.slice(last));
  return chunks;
}

const TOKENS = [
  "alice@example.com", "bob.smith+x@mail.example.org", "+44 20 7946 0958", "(555) 234-5678", "4111 1111 1111 1111",
  "378282246310005", "DE89 3704 0044 0532 0130 00", "123-45-6789", "AKIAIOSFODNN7EXAMPLE",
  "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
  "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabcdef==\n-----END RSA PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----\nMHc",
  "10.0.0.1", "2001:db8::1", "https://x.io/?access_token=abcdef123456&y=2", "Authorization: Bearer abc.def.ghi", "ghp_AbCdEf12",
  "order 4111111111111112", "v1.2.3.4.5", "12:30:00", "$ ", "ls -la", "total 42", "é😀",
];
const SEPARATORS = [" ", "\n", ", ", "", "\t", ":", "\r\n"];
const textArb = fc
  .array(fc.tuple(fc.constantFrom(...TOKENS), fc.constantFrom(...SEPARATORS)), { maxLength: 30 })
  .map((parts) => parts.map(([t, s]) => t + s).join(""));

describe("createStreamMasker", () => {
  it("any split of the input gives the same output as masking the whole input", () => {
    fc.assert(
      fc.property(textArb, fc.array(fc.nat(), { maxLength: 12 }), (text, cuts) => {
        expect(streamed(split(text, cuts))).toBe(whole(text));
      }),
      { numRuns: 400 },
    );
  });

  it("the same holds for bytes split inside multi-byte characters", () => {
    fc.assert(
      fc.property(textArb, fc.array(fc.nat(), { maxLength: 12 }), (text, cuts) => {
        const bytes = new TextEncoder().encode(text);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let last = 0;
        for (const p of [...points, bytes.length]) {
          chunks.push(bytes.subarray(last, p));
          last = p;
        }
        expect(streamed(chunks)).toBe(whole(text));
      }),
      { numRuns: 200 },
    );
  });

  it("emits complete lines at once and holds back only the unfinished one", () => {
    const s = createStreamMasker(RULES);
    expect(s.push("mail alice@example.com\nnext: bob@exa")).toMatch(/^mail [0-9a-f]{12}\n$/);
    expect(s.push("mple.com done")).toBe("");
    expect(s.end()).toMatch(/^next: [0-9a-f]{12} done$/);
    expect(s.masked).toBe(2);
  });

  it("holds an open private key until its END line, however long the wait", () => {
    const s = createStreamMasker(RULES);
    let out = s.push("key:\n-----BEGIN OPENSSH PRIVATE KEY-----\n");
    for (let i = 0; i < 50; i++) out += s.push("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n");
    expect(out).toBe("key:\n");
    out += s.push("-----END OPENSSH PRIVATE KEY-----\nafter\n");
    expect(out).toBe("key:\n****\nafter\n");
  });

  it("a line longer than the hold-back is emitted in pieces, still masked across the cut", () => {
    const filler = "x ".repeat(HOLD_CHARS);
    const text = `${filler}4111 1111 1111 1111 ${filler}alice@example.com ${filler}`;
    const chunks = split(text, [HOLD_CHARS * 2 + 7, HOLD_CHARS * 2 + 12, HOLD_CHARS * 4 + 30, 100, 5000]);
    const s = createStreamMasker(RULES);
    const parts = chunks.map((c) => s.push(c));
    expect(parts.some((p) => p.length > 0)).toBe(true); // not everything waits for the end
    expect(parts.join("") + s.end()).toBe(whole(text));
  });

  it("an overlong private key block is swallowed whole, failing closed", () => {
    const s = createStreamMasker(RULES);
    let out = s.push("before\n-----BEGIN RSA PRIVATE KEY-----\n");
    const line = "A".repeat(63) + "\n";
    for (let i = 0; i * line.length < MAX_PENDING_CHARS + 2 * line.length; i++) out += s.push(line);
    out += s.push(line + line + "-----END RSA PRIVATE KEY-----\nafter 10.0.0.1\n");
    out += s.end();
    expect(out).toBe("before\n****\nafter ****\n");
    expect(out).not.toContain("AAAA");
  });

  it("flush emits what is held; later text keeps its left context", () => {
    const s = createStreamMasker(RULES);
    expect(s.push("prompt$ ")).toBe("");
    expect(s.flush()).toBe("prompt$ ");
    expect(s.push("aws_secret_access_key=")).toBe("");
    expect(s.flush()).toBe("aws_secret_access_key=");
    expect(s.push("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")).toBe("****\n");
    expect(s.end()).toBe("");
  });
});
