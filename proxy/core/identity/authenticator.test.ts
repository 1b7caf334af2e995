import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { exportSPKI, generateKeyPair, SignJWT, base64url } from "jose";
import { createAuthenticator } from "./authenticator.js";
import { createDemoIssuer, type DemoAlg, type DemoIssuer } from "./demo-issuer.js";
import type { ProviderConfig } from "./types.js";

const ISS = "https://idp.example.test/realms/acme";
const AUD = "portcullis";
const issuers: DemoIssuer[] = [];
afterEach(async () => {
  await Promise.all(issuers.splice(0).map((i) => i.close()));
});
async function demo(alg: DemoAlg = "ES256", extra: Partial<Parameters<typeof createDemoIssuer>[0]> = {}): Promise<DemoIssuer> {
  const i = await createDemoIssuer({ issuer: ISS, audience: AUD, alg, ...extra });
  issuers.push(i);
  return i;
}
function b64json(v: unknown): string {
  return base64url.encode(JSON.stringify(v));
}
async function expectError(p: Promise<{ identity: unknown } | { error: string }>, token: string): Promise<string> {
  const r = await p;
  expect(r).toHaveProperty("error");
  const error = (r as { error: string }).error;
  expect(error).not.toContain(token);
  expect(error).not.toContain(token.split(".")[1]!);
  expect(error).not.toMatch(/\n/);
  return error;
}

describe("valid tokens", () => {
  it.each(["RS256", "ES256", "EdDSA"] as const)("%s from a JWKS file", async (alg) => {
    const i = await demo(alg);
    const auth = createAuthenticator({ providers: [{ ...i.provider(), algorithms: ["RS256", "ES256", "EdDSA"] }] });
    const r = await auth.authenticate(await i.mint({ sub: "alice", email: "alice@acme.test", groups: ["dba", "eng"] }));
    expect(r).toEqual({
      identity: expect.objectContaining({ sub: "alice", email: "alice@acme.test", groups: ["dba", "eng"], issuer: ISS, agent: false }),
    });
    const identity = (r as { identity: { claims: Record<string, unknown> } }).identity;
    expect(identity.claims).toMatchObject({ sub: "alice", aud: AUD, iss: ISS });
  });

  it("picks the provider by iss among several", async () => {
    const a = await demo("ES256");
    const b = await createDemoIssuer({ issuer: "https://other.example.test", audience: "gw", alg: "EdDSA" });
    issuers.push(b);
    const auth = createAuthenticator({ providers: [a.provider(), { ...b.provider(), groupsClaim: "roles" }] });
    const rb = await auth.authenticate(await b.mint({ sub: "bob", claims: { roles: "admin" } }));
    expect(rb).toMatchObject({ identity: { sub: "bob", issuer: "https://other.example.test", groups: ["admin"] } });
    const ra = await auth.authenticate(await a.mint({ sub: "ann", groups: ["x"] }));
    expect(ra).toMatchObject({ identity: { sub: "ann", issuer: ISS, groups: ["x"] } });
    // A token of issuer b claiming to be from a: a's keys do not verify it.
    const forged = await b.mint({ sub: "eve", claims: { iss: ISS, aud: AUD } });
    expect(await expectError(auth.authenticate(forged), forged)).toMatch(/algorithm EdDSA is not allowed|no key with kid/);
  });

  it("marks agents by claim value", async () => {
    const i = await demo();
    const auth = createAuthenticator({ providers: [i.provider()] });
    expect(await auth.authenticate(await i.mint({ sub: "claude", agent: true }))).toMatchObject({ identity: { agent: true } });
    expect(await auth.authenticate(await i.mint({ sub: "alice" }))).toMatchObject({ identity: { agent: false } });
  });
});

describe("rejected tokens", () => {
  it("expired, with the time; accepted within the clock skew", async () => {
    const i = await demo();
    const token = await i.mint({ sub: "a", ttlSeconds: -120 });
    const exp = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).exp as number;
    const strict = createAuthenticator({ providers: [i.provider()], clockSkewSeconds: 30 });
    const error = await expectError(strict.authenticate(token), token);
    expect(error).toBe(`token expired at ${new Date(exp * 1000).toISOString().replace(".000Z", "Z")}`);
    expect(error).toMatch(/^token expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const lenient = createAuthenticator({ providers: [i.provider()], clockSkewSeconds: 300 });
    expect(await lenient.authenticate(token)).toHaveProperty("identity");
  });

  it("expired by the verifier's clock", async () => {
    const i = await demo();
    const token = await i.mint({ sub: "a", ttlSeconds: 60 });
    const later = createAuthenticator({ providers: [i.provider()], clockSkewSeconds: 0 }, { now: () => new Date(Date.now() + 120_000) });
    expect(await expectError(later.authenticate(token), token)).toMatch(/^token expired at /);
  });

  it("not yet valid", async () => {
    const i = await demo();
    const token = await i.mint({ sub: "a", notBeforeSeconds: 600 });
    expect(await expectError(createAuthenticator({ providers: [i.provider()] }).authenticate(token), token)).toMatch(/^token not valid before \d{4}-.*Z$/);
    const skewed = createAuthenticator({ providers: [i.provider()], clockSkewSeconds: 900 });
    expect(await skewed.authenticate(token)).toHaveProperty("identity");
  });

  it("wrong issuer", async () => {
    const i = await demo();
    const token = await i.mint({ sub: "a", claims: { iss: "https://evil.example.test" } });
    expect(await expectError(createAuthenticator({ providers: [i.provider()] }).authenticate(token), token)).toBe("unknown issuer https://evil.example.test");
  });

  it("wrong audience, single or in a list", async () => {
    const i = await demo();
    const auth = createAuthenticator({ providers: [i.provider()] });
    const t1 = await i.mint({ sub: "a", claims: { aud: "someone-else" } });
    expect(await expectError(auth.authenticate(t1), t1)).toBe("audience mismatch: expected portcullis");
    const t2 = await i.mint({ sub: "a", claims: { aud: ["x", "y"] } });
    expect(await expectError(auth.authenticate(t2), t2)).toBe("audience mismatch: expected portcullis");
    const t3 = await i.mint({ sub: "a", claims: { aud: ["x", AUD] } });
    expect(await auth.authenticate(t3)).toHaveProperty("identity");
  });

  it("bad signature: altered payload, and another key under the same kid", async () => {
    const i = await demo();
    const auth = createAuthenticator({ providers: [i.provider()] });
    const token = await i.mint({ sub: "alice", groups: ["eng"] });
    const [h, , s] = token.split(".");
    const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
    const altered = `${h}.${b64json({ ...payload, groups: ["admin"] })}.${s}`;
    expect(await expectError(auth.authenticate(altered), altered)).toBe("signature verification failed");
    const { privateKey } = await generateKeyPair("ES256");
    const impostor = await new SignJWT(payload).setProtectedHeader({ alg: "ES256", kid: i.kid }).sign(privateKey);
    expect(await expectError(auth.authenticate(impostor), impostor)).toBe("signature verification failed");
  });

  it("alg none, in any spelling", async () => {
    const i = await demo();
    const auth = createAuthenticator({ providers: [i.provider()] });
    const payload = { iss: ISS, aud: AUD, sub: "root", exp: Math.floor(Date.now() / 1000) + 600 };
    for (const alg of ["none", "None", "NONE"]) {
      const token = `${b64json({ alg, typ: "JWT" })}.${b64json(payload)}.`;
      expect(await expectError(auth.authenticate(token), token)).toBe("algorithm none is not allowed");
    }
  });

  it("HS256 signed with the issuer's RSA public key as the secret (key confusion)", async () => {
    const i = await demo("RS256");
    const auth = createAuthenticator({ providers: [{ ...i.provider(), algorithms: ["RS256"] }] });
    const { importJWK } = await import("jose");
    const pub = (await importJWK(i.jwks().keys[0]!, "RS256")) as Parameters<typeof exportSPKI>[0];
    const pem = await exportSPKI(pub);
    const payload = { iss: ISS, aud: AUD, sub: "root", groups: ["admin"], exp: Math.floor(Date.now() / 1000) + 600 };
    for (const secret of [pem, pem.trim(), JSON.stringify(i.jwks().keys[0])]) {
      const signingInput = `${b64json({ alg: "HS256", typ: "JWT", kid: i.kid })}.${b64json(payload)}`;
      const token = `${signingInput}.${createHmac("sha256", secret).update(signingInput).digest("base64url")}`;
      expect(await expectError(auth.authenticate(token), token)).toMatch(/^algorithm HS256 is not allowed/);
    }
  });

  it("an algorithm outside the provider's list", async () => {
    const i = await demo("RS256");
    const auth = createAuthenticator({ providers: [{ ...i.provider(), algorithms: ["ES256"] }] });
    const token = await i.mint({ sub: "a" });
    expect(await expectError(auth.authenticate(token), token)).toBe(`algorithm RS256 is not allowed for issuer ${ISS}`);
  });

  it("malformed input and missing claims", async () => {
    const i = await demo();
    const auth = createAuthenticator({ providers: [i.provider()] });
    expect(await auth.authenticate("")).toEqual({ error: "no token given (put the OIDC token in the password field)" });
    expect(await auth.authenticate("hunter2")).toEqual({ error: "malformed token: not a JWT (expected three dot-separated parts)" });
    expect(await auth.authenticate("a.b.c.d.e")).toEqual({ error: "encrypted tokens (JWE) are not supported" });
    expect(await auth.authenticate("!!.??.x")).toEqual({ error: "malformed token: the header is not base64url JSON" });
    const noExp = await i.mint({ sub: "a", claims: { exp: undefined } });
    expect(await expectError(auth.authenticate(noExp), noExp)).toBe("token has no exp claim");
    const noSub = await i.mint({ sub: "", claims: {} });
    expect(await expectError(auth.authenticate(noSub), noSub)).toBe("token has no sub claim");
    const noIss = await i.mint({ sub: "a", claims: { iss: undefined } });
    expect(await expectError(auth.authenticate(noIss), noIss)).toBe("token has no iss claim");
  });
});

describe("hostile headers", () => {
  it("ignore keys embedded in or pointed to by the token (jwk, jku, x5u)", async () => {
    const i = await demo("ES256");
    const auth = createAuthenticator({ providers: [i.provider()] });
    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    const { exportJWK } = await import("jose");
    const payload = { iss: ISS, aud: AUD, sub: "root", exp: Math.floor(Date.now() / 1000) + 600 };
    const withJwk = await new SignJWT(payload).setProtectedHeader({ alg: "ES256", jwk: await exportJWK(publicKey) }).sign(privateKey);
    expect(await expectError(auth.authenticate(withJwk), withJwk)).toBe("signature verification failed");
    const withJku = await new SignJWT(payload).setProtectedHeader({ alg: "ES256", kid: "attacker", jku: "https://evil.test/jwks.json", x5u: "https://evil.test/c.pem" }).sign(privateKey);
    expect(await expectError(auth.authenticate(withJku), withJku)).toBe("no key with kid attacker in the issuer's JWKS");
  });

  it("never throw and never echo the token, whatever the input (property)", async () => {
    const i = await demo("ES256");
    const auth = createAuthenticator({ providers: [{ ...i.provider(), minRefreshIntervalSeconds: 3600 }] });
    const valid = await i.mint({ sub: "a" });
    const [h, p, sig] = valid.split(".") as [string, string, string];
    const part = fc.oneof(fc.string(), fc.base64String(), fc.jsonValue().map((v) => b64json(v)), fc.constantFrom(h, p, sig));
    const header = fc.record({ alg: fc.oneof(fc.constantFrom("none", "ES256", "HS256", "RS256", "EdDSA"), fc.string()), kid: fc.oneof(fc.string(), fc.integer(), fc.constant(i.kid)) }, { requiredKeys: [] });
    const claims = fc.record({ iss: fc.oneof(fc.constant(ISS), fc.string()), aud: fc.oneof(fc.constant(AUD), fc.string()), exp: fc.oneof(fc.integer(), fc.string()), sub: fc.jsonValue() }, { requiredKeys: [] });
    // The parts can reassemble the valid token itself, which must (and does) authenticate.
    const token = fc
      .oneof(
        fc.tuple(part, part, part).map((t) => t.join(".")),
        fc.tuple(header, claims, part).map(([hh, c, s3]) => `${b64json(hh)}.${b64json(c)}.${s3}`),
        fc.string(),
      )
      .filter((t) => t !== valid);
    await fc.assert(
      fc.asyncProperty(token, async (t) => {
        const r = await auth.authenticate(t);
        expect(r).toHaveProperty("error");
        const error = (r as { error: string }).error;
        expect(error).not.toMatch(/\n/);
        expect(error.length).toBeLessThan(300);
        if (t.length > 20) expect(error).not.toContain(t);
      }),
      { numRuns: 300 },
    );
  });
});

describe("keys and their cache", () => {
  it("unknown kid: refetches once and finds the rotated key; rate-limits a flood of bad kids", async () => {
    const i = await demo("ES256", { serve: "https" });
    let now = Date.now();
    const auth = createAuthenticator({ providers: [{ ...i.provider(), minRefreshIntervalSeconds: 30 }] }, { now: () => new Date(now) });
    expect(await auth.authenticate(await i.mint({ sub: "a" }))).toHaveProperty("identity");
    expect(i.requests).toBe(1);
    await i.rotate({ keepOld: false });
    now += 31_000;
    expect(await auth.authenticate(await i.mint({ sub: "a" }))).toHaveProperty("identity");
    expect(i.requests).toBe(2);
    // A flood of made-up kids right after: no refetch inside the interval.
    const bad = await Promise.all(Array.from({ length: 50 }, async (_, n) => auth.authenticate(await i.mint({ sub: "a", kid: `bogus-${n}` }))));
    for (const r of bad) expect(r).toHaveProperty("error", expect.stringMatching(/^no key with kid bogus-\d+ in the issuer's JWKS$/));
    expect(i.requests).toBe(2);
    // After the interval, one more refetch for all concurrent unknown kids.
    now += 31_000;
    await Promise.all(Array.from({ length: 20 }, async (_, n) => auth.authenticate(await i.mint({ sub: "a", kid: `other-${n}` }))));
    expect(i.requests).toBe(3);
  });

  it("rotation in a JWKS file is picked up on an unknown kid", async () => {
    const i = await demo("EdDSA");
    const auth = createAuthenticator({ providers: [{ ...i.provider(), minRefreshIntervalSeconds: 0 }] });
    expect(await auth.authenticate(await i.mint({ sub: "a" }))).toHaveProperty("identity");
    await i.rotate({ keepOld: false });
    expect(await auth.authenticate(await i.mint({ sub: "b" }))).toMatchObject({ identity: { sub: "b" } });
  });

  it("serves many tokens from one fetch and refetches after the TTL", async () => {
    const i = await demo("ES256", { serve: "https" });
    let now = Date.now();
    const auth = createAuthenticator({ providers: [{ ...i.provider(), cacheTtlSeconds: 60 }] }, { now: () => new Date(now) });
    for (let n = 0; n < 10; n++) expect(await auth.authenticate(await i.mint({ sub: `u${n}` }))).toHaveProperty("identity");
    expect(i.requests).toBe(1);
    now += 61_000;
    expect(await auth.authenticate(await i.mint({ sub: "later", ttlSeconds: 7200 }))).toHaveProperty("identity");
    expect(i.requests).toBe(2);
  });

  it("keeps serving stale keys when the issuer is down", async () => {
    const i = await demo("ES256", { serve: "https" });
    let now = Date.now();
    const auth = createAuthenticator({ providers: [{ ...i.provider(), cacheTtlSeconds: 60 }] }, { now: () => new Date(now) });
    const token = await i.mint({ sub: "a", ttlSeconds: 7200 });
    expect(await auth.authenticate(token)).toHaveProperty("identity");
    await i.close();
    now += 120_000;
    expect(await auth.authenticate(token)).toHaveProperty("identity");
  });

  it("rate-limits fetches while an issuer that was never reached keeps failing", async () => {
    const { createServer } = await import("node:http");
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.writeHead(503).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as { port: number }).port;
      const i = await demo();
      let now = Date.now();
      const provider = { ...i.provider(), jwksFile: undefined, jwksUrl: `http://127.0.0.1:${port}/jwks.json`, allowInsecureHttp: true, minRefreshIntervalSeconds: 30 };
      delete (provider as { jwksFile?: string }).jwksFile;
      const auth = createAuthenticator({ providers: [provider] }, { now: () => new Date(now) });
      const token = await i.mint({ sub: "a" });
      const results = await Promise.all(Array.from({ length: 20 }, () => auth.authenticate(token)));
      for (const r of results) expect(r).toEqual({ error: `cannot fetch the issuer's JWKS from http://127.0.0.1:${port}/jwks.json: HTTP 503` });
      expect(await auth.authenticate(token)).toHaveProperty("error");
      expect(hits).toBe(1);
      now += 31_000;
      await auth.authenticate(token);
      expect(hits).toBe(2);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("concurrent tokens signed with a freshly rotated key all wait for the one refetch", async () => {
    const i = await demo("ES256", { serve: "https" });
    let now = Date.now();
    const auth = createAuthenticator({ providers: [i.provider()] }, { now: () => new Date(now) });
    expect(await auth.authenticate(await i.mint({ sub: "a" }))).toHaveProperty("identity");
    await i.rotate({ keepOld: false });
    now += 31_000;
    const tokens = await Promise.all(Array.from({ length: 10 }, (_, n) => i.mint({ sub: `u${n}` })));
    const results = await Promise.all(tokens.map((t) => auth.authenticate(t)));
    for (const r of results) expect(r).toHaveProperty("identity");
    expect(i.requests).toBe(2);
  });

  it("refuses an HTTPS server whose certificate it does not trust", async () => {
    const i = await demo("ES256", { serve: "https" });
    const { jwksCa: _ca, ...untrusted } = i.provider();
    const auth = createAuthenticator({ providers: [untrusted] });
    const token = await i.mint({ sub: "a" });
    expect(await expectError(auth.authenticate(token), token)).toMatch(/^cannot fetch the issuer's JWKS from https:\/\/127\.0\.0\.1:\d+\/jwks\.json: /);
  });

  it("plain HTTP only when explicitly allowed, and only on loopback", async () => {
    const i = await demo("ES256", { serve: "http" });
    const p = i.provider();
    expect(p.allowInsecureHttp).toBe(true);
    expect(await createAuthenticator({ providers: [p] }).authenticate(await i.mint({ sub: "a" }))).toHaveProperty("identity");
    const { allowInsecureHttp: _a, ...strict } = p;
    expect(() => createAuthenticator({ providers: [strict] })).toThrow(/must use https/);
    const remote: ProviderConfig = { ...p, jwksUrl: "http://idp.example.test/jwks.json" };
    expect(() => createAuthenticator({ providers: [remote] })).toThrow(/only on a loopback host/);
  });

  it("refuses configs with symmetric or no algorithms, or two key sources", () => {
    const base: ProviderConfig = { issuer: ISS, audience: AUD, jwksFile: "/nonexistent" };
    expect(() => createAuthenticator({ providers: [{ ...base, algorithms: ["HS256" as never] }] })).toThrow(/HS256 is not allowed/);
    expect(() => createAuthenticator({ providers: [{ ...base, algorithms: ["none" as never] }] })).toThrow(/none is not allowed/);
    expect(() => createAuthenticator({ providers: [{ ...base, jwksUrl: "https://x.test/j" }] })).toThrow(/exactly one of jwks_file and jwks_url/);
    expect(() => createAuthenticator({ providers: [] })).toThrow(/at least one/);
  });

  it("reports an unreadable JWKS file without crashing", async () => {
    const i = await demo();
    const auth = createAuthenticator({ providers: [{ ...i.provider(), jwksFile: "/nonexistent/jwks.json" }] });
    const token = await i.mint({ sub: "a" });
    expect(await expectError(auth.authenticate(token), token)).toBe("cannot read the issuer's JWKS file /nonexistent/jwks.json: ENOENT");
  });
});
