import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cachingSha2Hash, cachingSha2Scramble, nativePasswordHash, nativePasswordScramble, nonceOf, verifyCachingSha2, verifyNativePassword } from "./auth.js";

// mysql2's own token functions serve as an independent oracle.
// Its package exports hide lib/, so the files are required by path.
const require = createRequire(import.meta.url);
const mysql2 = dirname(require.resolve("mysql2/package.json"));
const auth41 = require(join(mysql2, "lib/auth_41.js")) as { calculateToken(pw: string, s1: Buffer, s2: Buffer): Buffer };
const sha2 = require(join(mysql2, "lib/auth_plugins/caching_sha2_password.js")) as { calculateToken(pw: string, scramble: Buffer): Buffer };

const nonce = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((a) => Buffer.from(a));
const password = fc.string({ minLength: 1, maxLength: 30 });

describe("password scrambles", () => {
  it("mysql_native_password matches mysql2 and verifies against the stored hash", () => {
    fc.assert(
      fc.property(password, nonce, password, (pw, n, other) => {
        const reply = nativePasswordScramble(pw, n);
        expect(reply.equals(auth41.calculateToken(pw, n.subarray(0, 8), n.subarray(8)))).toBe(true);
        expect(verifyNativePassword(reply, n, nativePasswordHash(pw))).toBe(true);
        if (other !== pw) expect(verifyNativePassword(nativePasswordScramble(other, n), n, nativePasswordHash(pw))).toBe(false);
      }),
    );
  });

  it("caching_sha2_password matches mysql2 and verifies against the cached hash", () => {
    fc.assert(
      fc.property(password, nonce, password, (pw, n, other) => {
        const reply = cachingSha2Scramble(pw, n);
        expect(reply.equals(sha2.calculateToken(pw, n))).toBe(true);
        expect(verifyCachingSha2(reply, n, cachingSha2Hash(pw))).toBe(true);
        if (other !== pw) expect(verifyCachingSha2(cachingSha2Scramble(other, n), n, cachingSha2Hash(pw))).toBe(false);
      }),
    );
  });

  it("answers an empty password with an empty reply, accepted only for an empty password", () => {
    const n = Buffer.alloc(20, 7);
    expect(nativePasswordScramble("", n).length).toBe(0);
    expect(cachingSha2Scramble("", n).length).toBe(0);
    expect(verifyNativePassword(Buffer.alloc(0), n, nativePasswordHash(""))).toBe(true);
    expect(verifyNativePassword(Buffer.alloc(0), n, nativePasswordHash("secret"))).toBe(false);
    expect(verifyCachingSha2(Buffer.alloc(0), n, cachingSha2Hash("secret"))).toBe(false);
    expect(verifyNativePassword(Buffer.alloc(5), n, nativePasswordHash("secret"))).toBe(false);
  });

  it("strips the NUL after an AuthSwitchRequest's nonce", () => {
    const n = Buffer.alloc(20, 9);
    expect(nonceOf(Buffer.concat([n, Buffer.alloc(1)])).equals(n)).toBe(true);
    expect(nonceOf(n).equals(n)).toBe(true);
  });
});
