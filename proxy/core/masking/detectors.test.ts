import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DETECTORS, IBAN_LENGTHS, ibanChecksumValid, luhnValid, resolveDetector } from "./index.js";

function found(name: string, text: string): string[] {
  const d = DETECTORS[name]!;
  const out: number[] = [];
  if (d.mayMatch(text)) d.find(text, out);
  const list: string[] = [];
  for (let i = 0; i < out.length; i += 2) list.push(text.slice(out[i], out[i + 1]));
  return list;
}

/** [detector, text, what it must find (empty: nothing)] */
const CASES: [string, string, string[]][] = [
  ["email", "mail alice.smith+x@example.co.uk.", ["alice.smith+x@example.co.uk"]],
  ["email", "two: a@b.io,c.d@e-f.org", ["a@b.io", "c.d@e-f.org"]],
  ["email", "bob@localhost", []],
  ["email", "a@b.c", []],
  ["email", "x@-bad.com", []],
  ["email", "user@@example.com", []],
  ["email", "a..b@example.com", []],
  ["email", "@example.com", []],
  ["phone", "call +44 20 7946 0958 now", ["+44 20 7946 0958"]],
  ["phone", "(555) 234-5678", ["(555) 234-5678"]],
  ["phone", "tel 555.234.5678;", ["555.234.5678"]],
  ["phone", "1-555-234-5678", ["1-555-234-5678"]],
  ["phone", "020 7946 0958", ["020 7946 0958"]],
  ["phone", "07700 900123", ["07700 900123"]],
  ["phone", "+4915112345678", ["+4915112345678"]],
  ["phone", "order 12 555-234-5678", ["555-234-5678"]],
  ["phone", "10.0.0.1 7 7 (555) 234-5678", ["(555) 234-5678"]],
  ["phone", "1 2 3 4 5 6 7 8 9 10 11 12 555-234-5678", ["555-234-5678"]],
  ["phone", "2024-01-15 10:30:00", []],
  ["phone", "5552345678", []],
  ["phone", "555-134-5678", []],
  ["phone", "192.168.100.200", []],
  ["phone", "123-45-6789", []],
  ["phone", "4111 1111 1111 1111", []],
  ["phone", "version 1.2.3.4.5.6.7.8", []],
  ["credit_card", "4111 1111 1111 1111", ["4111 1111 1111 1111"]],
  ["credit_card", "4111-1111-1111-1111 exp 2024", ["4111-1111-1111-1111"]],
  ["credit_card", "amex 378282246310005.", ["378282246310005"]],
  ["credit_card", "5555555555554444", ["5555555555554444"]],
  ["credit_card", "amex 3782 822463 10005", ["3782 822463 10005"]],
  ["credit_card", "12 ".repeat(30) + "4111 1111 1111 1111", ["4111 1111 1111 1111"]],
  ["credit_card", "4111 1111 1111 1111 4111 1111 1111 1111", ["4111 1111 1111 1111", "4111 1111 1111 1111"]],
  ["credit_card", "order 4111111111111112", []],
  ["credit_card", "1234 5678 9012 3456", []],
  ["credit_card", "4111-1111 1111-1111", []],
  ["credit_card", "41111111111111110000", []],
  ["credit_card", "id=x4111111111111111", []],
  ["credit_card", "0000000000000000", []],
  ["iban", "DE89 3704 0044 0532 0130 00 EUR", ["DE89 3704 0044 0532 0130 00"]],
  ["iban", "GB82WEST12345698765432", ["GB82WEST12345698765432"]],
  ["iban", "pay FR1420041010050500013M02606 now", ["FR1420041010050500013M02606"]],
  ["iban", "DE89 3704 0044 0532 0130 01", []],
  ["iban", "DE89370400440532013000123", []],
  ["iban", "ZZ89370400440532013000", []],
  ["iban", "XDE89370400440532013000", []],
  ["us_ssn", "ssn 123-45-6789", ["123-45-6789"]],
  ["us_ssn", "123 45 6789", ["123 45 6789"]],
  ["us_ssn", "999-12-3456", []],
  ["us_ssn", "666-12-3456", []],
  ["us_ssn", "000-12-3456", []],
  ["us_ssn", "123-00-6789", []],
  ["us_ssn", "123-45-0000", []],
  ["us_ssn", "123456789", []],
  ["us_ssn", "555-123-45-6789", []],
  ["us_ssn", "123-45-6789-1", []],
  ["aws_access_key_id", "key AKIAIOSFODNN7EXAMPLE,", ["AKIAIOSFODNN7EXAMPLE"]],
  ["aws_access_key_id", "ASIAY34FZKBOKMUTVV7A", ["ASIAY34FZKBOKMUTVV7A"]],
  ["aws_access_key_id", "XAKIAIOSFODNN7EXAMPLE", []],
  ["aws_access_key_id", "AKIAIOSFODNN7EXAMPLE1", []],
  ["aws_access_key_id", "AKIAiosfodnn7example", []],
  ["aws_secret_access_key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]],
  ["aws_secret_access_key", "AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]],
  ["aws_secret_access_key", "{\"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"}", ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]],
  ["aws_secret_access_key", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]],
  ["aws_secret_access_key", "blob wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", []],
  ["aws_secret_access_key", "aws_secret: 0123456789abcdef0123456789abcdef01234567", []],
  ["aws_secret_access_key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYX", []],
  ["jwt", "t=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end",
    ["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"]],
  ["jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0. (unsigned)", ["eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."]],
  ["jwt", "eyJmb28iOiJiYXIifQ.eyJzdWIiOiIxIn0.abc", []],
  ["jwt", "eyJub3Rqc29u.eyJzdWIiOiIxIn0.abc", []],
  ["jwt", "a.b.c and file.tar.gz", []],
  ["private_key", "x\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\ny", ["-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"]],
  ["private_key", "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----", ["-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----"]],
  ["private_key", "-----BEGIN OPENSSH PRIVATE KEY-----\nabc", ["-----BEGIN OPENSSH PRIVATE KEY-----\nabc"]],
  ["private_key", "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----", []],
  ["private_key", "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----", []],
  ["ipv4", "host 10.0.0.1:5432", ["10.0.0.1"]],
  ["ipv4", "from 192.168.1.254, to 8.8.8.8.", ["192.168.1.254", "8.8.8.8"]],
  ["ipv4", "v1.2.3.4.5", []],
  ["ipv4", "1.2.3.4.5", []],
  ["ipv4", "256.1.1.1", []],
  ["ipv4", "01.02.03.04", []],
  ["ipv4", "1.2.3", []],
  ["ipv6", "addr 2001:db8::1 ok", ["2001:db8::1"]],
  ["ipv6", "[::1]:80", ["::1"]],
  ["ipv6", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", ["2001:0db8:85a3:0000:0000:8a2e:0370:7334"]],
  ["ipv6", "::ffff:192.0.2.1", ["::ffff:192.0.2.1"]],
  ["ipv6", "10:30:00", []],
  ["ipv6", "std::string", []],
  ["ipv6", "a :: b", []],
  ["ipv6", "00:1a:2b:3c:4d:5e", []],
  ["bearer_token", "https://x.io/cb?code=1&access_token=abcdef123456&x=1", ["abcdef123456"]],
  ["bearer_token", "GET /api?token=s3cr3tvalue HTTP/1.1", ["s3cr3tvalue"]],
  ["bearer_token", "Authorization: Bearer abc.def.ghi", ["abc.def.ghi"]],
  ["bearer_token", "authorization:bearer xyz123", ["xyz123"]],
  ["bearer_token", "use Bearer 0123456789abcdefXYZ here", ["0123456789abcdefXYZ"]],
  ["bearer_token", "the bearer instrument is unsigned", []],
  ["bearer_token", "csrf_token=abcdefgh", []],
  ["bearer_token", "?token=abc", []],
];

describe("detectors", () => {
  it.each(CASES)("%s in %j finds %j", (name, text, expected) => {
    expect(found(name, text)).toEqual(expected);
  });

  it("has a positive and a near-miss negative for every detector", () => {
    for (const name of Object.keys(DETECTORS)) {
      expect(CASES.some(([n, , e]) => n === name && e.length > 0), name).toBe(true);
      expect(CASES.some(([n, , e]) => n === name && e.length === 0), name).toBe(true);
    }
  });

  it("resolves names and aliases, case-insensitively, and refuses unknown ones", () => {
    expect(resolveDetector("EMAIL")!.map((d) => d.name)).toEqual(["email"]);
    expect(resolveDetector("ip")!.map((d) => d.name)).toEqual(["ipv4", "ipv6"]);
    expect(resolveDetector("aws_key")!.map((d) => d.name)).toEqual(["aws_access_key_id", "aws_secret_access_key"]);
    expect(resolveDetector("nope")).toBeUndefined();
  });

  it("never throws and returns ordered, disjoint, in-bounds ranges on any text", () => {
    const alphabet = fc.constantFrom(..."0123456789 -.@:+()/\nAKIASeyJ=?&_abcxyzDEGB".split(""));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: alphabet, maxLength: 80 })), (text) => {
        for (const d of Object.values(DETECTORS)) {
          const out: number[] = [];
          if (d.mayMatch(text)) d.find(text, out);
          let last = 0;
          for (let i = 0; i < out.length; i += 2) {
            expect(out[i]!).toBeGreaterThanOrEqual(last);
            expect(out[i + 1]!).toBeGreaterThan(out[i]!);
            expect(out[i + 1]!).toBeLessThanOrEqual(text.length);
            last = out[i + 1]!;
          }
          // mayMatch is only a pre-check: when it says no, find must agree
          if (!d.mayMatch(text)) {
            const all: number[] = [];
            d.find(text, all);
            expect(all).toEqual([]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

// --- generators: valid numbers are detected, one changed character is not -------------

const digits = (min: number, max: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max });

function luhnComplete(body: number[]): number[] {
  // the check digit that makes body + [d] pass
  for (let d = 0; d <= 9; d++) if (luhnValid([...body, d].join(""))) return [...body, d];
  throw new Error("unreachable");
}

const cardArb = fc
  .tuple(fc.integer({ min: 2, max: 6 }), digits(11, 17))
  .map(([first, rest]) => luhnComplete([first, ...rest]).join(""));

function grouped(n: string, sep: string): string {
  return sep === "" ? n : n.match(/.{1,4}/g)!.join(sep);
}

describe("Luhn and card generator", () => {
  it("a generated valid card is found exactly, bare or grouped", () => {
    fc.assert(
      fc.property(cardArb, fc.constantFrom("", " ", "-"), (card, sep) => {
        const shown = grouped(card, sep);
        // groups of 4 can leave a last group of 1–3 digits after 13/14/15/17/18/19 digits: still accepted
        expect(found("credit_card", `paid with ${shown}, thanks`)).toEqual([shown]);
      }),
      { numRuns: 300 },
    );
  });

  it("changing one digit of a valid card makes it no card", () => {
    fc.assert(
      fc.property(cardArb, fc.nat(), fc.integer({ min: 1, max: 9 }), (card, pos, delta) => {
        const i = pos % card.length;
        const changed = card.slice(0, i) + String((Number(card[i]) + delta) % 10) + card.slice(i + 1);
        expect(luhnValid(changed)).toBe(false);
        expect(found("credit_card", `order ${changed} shipped`)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ibanArb = fc
  .tuple(fc.constantFrom(...Object.keys(IBAN_LENGTHS)), fc.array(fc.integer({ min: 0, max: ALNUM.length - 1 }), { minLength: 40, maxLength: 40 }))
  .map(([country, picks]) => {
    const bban = picks.slice(0, IBAN_LENGTHS[country]! - 4).map((k) => ALNUM[k]).join("");
    const numeric = (bban + country + "00").replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
    let rem = 0;
    for (const ch of numeric) rem = (rem * 10 + Number(ch)) % 97;
    return country + String(98 - rem).padStart(2, "0") + bban;
  });

describe("IBAN checksum and generator", () => {
  it("a generated valid IBAN is found exactly, compact or in groups of four", () => {
    fc.assert(
      fc.property(ibanArb, fc.boolean(), (value, spaced) => {
        expect(ibanChecksumValid(value)).toBe(true);
        const shown = spaced ? value.match(/.{1,4}/g)!.join(" ") : value;
        expect(found("iban", `IBAN: ${shown}.`)).toEqual([shown]);
      }),
      { numRuns: 300 },
    );
  });

  it("changing one character of a valid IBAN makes it no IBAN", () => {
    fc.assert(
      fc.property(ibanArb, fc.nat(), fc.integer({ min: 1, max: 25 }), (value, pos, delta) => {
        const i = 2 + (pos % (value.length - 2)); // keep the country so the length rule still applies
        const c = value[i]!;
        const changed =
          value.slice(0, i) +
          (/\d/.test(c) ? String((Number(c) + (delta % 9) + 1) % 10) : String.fromCharCode(65 + ((c.charCodeAt(0) - 65 + delta) % 26))) +
          value.slice(i + 1);
        expect(found("iban", `IBAN: ${changed}.`)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
