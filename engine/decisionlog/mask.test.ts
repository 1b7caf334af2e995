import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createHmac } from "node:crypto";
import { LosslessNumber } from "lossless-json";
import { applyMask, compileMask, parseMaskPath, type MaskConfig } from "./mask.js";

function compiled(config: MaskConfig) {
  const { mask, errors } = compileMask(config);
  expect(errors).toEqual([]);
  return mask;
}

const input = {
  identity: { sub: "alice", email: "alice@example.com", groups: ["dba"] },
  request: { sql: "SELECT * FROM users WHERE ssn = $1", params: ["123-45-6789"], statements: [{ kind: "select" }] },
};

describe("erase and mask", () => {
  it("erases nested input paths and lists them", () => {
    const out = applyMask({ input, result: { allow: true } }, compiled({ erase: ["/input/request/params", "/input/identity/email"] }));
    expect(out.erased).toEqual(["/input/request/params", "/input/identity/email"]);
    expect(out.masked).toEqual([]);
    expect(out.input).toEqual({
      identity: { sub: "alice", groups: ["dba"] },
      request: { sql: "SELECT * FROM users WHERE ssn = $1", statements: [{ kind: "select" }] },
    });
    expect(out.result).toEqual({ allow: true });
    // the caller's input is untouched (the gateway still forwards it)
    expect(input.request.params).toEqual(["123-45-6789"]);
    expect(input.identity.email).toBe("alice@example.com");
  });

  it("masks with the marker, keeping the key, and lists the paths", () => {
    const out = applyMask({ input, result: { allow: false, deny: ["x"] } }, compiled({ mask: ["/input/request/sql", "/result/deny"] }));
    expect(out.masked).toEqual(["/input/request/sql", "/result/deny"]);
    expect((out.input as typeof input).request.sql).toBe("**MASKED**");
    expect((out.input as typeof input).request.params).toEqual(["123-45-6789"]);
    expect(out.result).toEqual({ allow: false, deny: "**MASKED**" });
  });

  it("masks with an HMAC of the canonical JSON, so equal values correlate", () => {
    const m = compiled({ mask: [{ path: "/input/request/params", method: "hmac" }, { path: "/input/identity", method: "hmac" }], hmacKey: "k" });
    const out = applyMask({ input }, m);
    const want = "hmac-sha256:" + createHmac("sha256", "k").update('["123-45-6789"]').digest("hex");
    expect((out.input as { request: { params: unknown } }).request.params).toBe(want);
    // key order does not change the digest: canonical JSON sorts keys
    const again = applyMask({ input: { ...input, identity: { groups: ["dba"], email: "alice@example.com", sub: "alice" } } }, m);
    expect((again.input as { identity: unknown }).identity).toBe((out.input as { identity: unknown }).identity);
  });

  it("skips paths that do not exist, or cross arrays, without listing them", () => {
    const out = applyMask({ input }, compiled({ erase: ["/input/nope/deeper", "/input/request/statements/0/kind", "/result/allow"], mask: ["/input/request/sql/x"] }));
    expect(out.erased).toEqual([]);
    expect(out.masked).toEqual([]);
    expect(out.input).toBe(input);
    expect(out.result).toBeUndefined();
  });

  it("erases the whole input, and erasing wins over masking the same path", () => {
    const out = applyMask({ input, result: 1 }, compiled({ erase: ["/input"], mask: ["/input/request"] }));
    expect(out).toEqual({ result: 1, erased: ["/input"], masked: [] });
  });

  it("unescapes ~1 and ~0, and treats a __proto__ key as data", () => {
    const doc = JSON.parse('{"a/b": {"~c": 1, "d": 2}, "__proto__": {"polluted": true}}') as Record<string, unknown>;
    const out = applyMask({ input: doc }, compiled({ erase: ["/input/a~1b/~0c"], mask: ["/input/__proto__/polluted"] }));
    expect(out.erased).toEqual(["/input/a~1b/~0c"]);
    expect(out.masked).toEqual(["/input/__proto__/polluted"]);
    const got = out.input as Record<string, Record<string, unknown>>;
    expect(got["a/b"]).toEqual({ d: 2 });
    expect(Object.getOwnPropertyDescriptor(got, "__proto__")?.value).toEqual({ polluted: "**MASKED**" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("keeps big numbers as they are", () => {
    const out = applyMask({ input: { n: new LosslessNumber("18446744073709551617"), s: "x" } }, compiled({ erase: ["/input/s"] }));
    expect(String((out.input as { n: LosslessNumber }).n)).toBe("18446744073709551617");
  });

  it("reports bad configurations as values", () => {
    expect(compileMask({ erase: ["input/x", "/data/x", "/input//x"], mask: [{ path: "/input/y", method: "hmac" }] }).errors).toEqual([
      'mask path "input/x" must start with /input or /result',
      'mask path "/data/x" must start with /input or /result',
      'mask path "/input//x" has an empty segment',
      "mask method hmac needs hmacKey",
    ]);
    expect(parseMaskPath("/result")).toEqual({ text: "/result", root: "result", keys: [] });
  });
});

describe("erase properties", () => {
  const key = fc.constantFrom("a", "b", "c", "d");
  const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: "small" }, fc.integer(), fc.string(), fc.constant(null), fc.dictionary(key, tie("node") as fc.Arbitrary<unknown>, { maxKeys: 4 })),
  })).node;

  it("an erased path is gone afterwards, listed iff it existed, and the original is never mutated", () => {
    fc.assert(
      fc.property(fc.dictionary(key, json, { maxKeys: 4 }), fc.array(key, { minLength: 1, maxLength: 3 }), (doc, path) => {
        const before = JSON.stringify(doc);
        const text = "/input/" + path.join("/");
        const out = applyMask({ input: doc }, compileMask({ erase: [text] }).mask);
        expect(JSON.stringify(doc)).toBe(before);
        const lookup = (root: unknown) => path.reduce<unknown>((n, k) => (n && typeof n === "object" && Object.hasOwn(n, k) ? (n as Record<string, unknown>)[k] : undefined), root);
        const existed = lookup(doc) !== undefined;
        expect(out.erased).toEqual(existed ? [text] : []);
        expect(lookup(out.input)).toBeUndefined();
      }),
    );
  });
});
