import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { createAuthenticator } from "./authenticator.js";
import { createDemoIssuer } from "./demo-issuer.js";

describe("demo issuer", () => {
  it("writes its JWKS to a temporary file, mints tokens, and cleans up", async () => {
    const i = await createDemoIssuer({ issuer: "https://demo.test", audience: "portcullis" });
    expect(i.alg).toBe("ES256");
    const file = i.jwksFile!;
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ keys: [expect.objectContaining({ kty: "EC", crv: "P-256", kid: i.kid, alg: "ES256", use: "sig" })] });
    expect(JSON.stringify(i.jwks())).not.toMatch(/"d"/);
    const t = await i.mint({ sub: "alice", email: "a@x.test", groups: ["eng"], agent: true, ttlSeconds: 60 });
    expect(decodeProtectedHeader(t)).toEqual({ alg: "ES256", kid: i.kid, typ: "JWT" });
    const c = decodeJwt(t);
    expect(c).toMatchObject({ iss: "https://demo.test", aud: "portcullis", sub: "alice", email: "a@x.test", groups: ["eng"], azp: "portcullis-agent" });
    expect(c.exp! - c.iat!).toBe(60);
    await i.close();
    expect(existsSync(file)).toBe(false);
  });

  it("serves its JWKS over loopback HTTPS with its own certificate, and rotates keys", async () => {
    const i = await createDemoIssuer({ issuer: "https://demo.test", audience: "portcullis", alg: "RS256", serve: "https" });
    try {
      expect(i.jwksUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/jwks\.json$/);
      expect(i.ca).toContain("BEGIN CERTIFICATE");
      expect(i.jwksFile).toBeUndefined();
      const p = i.provider();
      expect(p).toMatchObject({ jwksUrl: i.jwksUrl, jwksCa: i.ca, algorithms: ["RS256"] });
      const auth = createAuthenticator({ providers: [{ ...p, minRefreshIntervalSeconds: 0 }] });
      const before = i.kid;
      expect(await auth.authenticate(await i.mint({ sub: "a" }))).toHaveProperty("identity");
      const after = await i.rotate();
      expect(after).not.toBe(before);
      expect(i.jwks().keys.map((k) => k.kid)).toEqual([before, after]);
      expect(await auth.authenticate(await i.mint({ sub: "b" }))).toMatchObject({ identity: { sub: "b" } });
      expect(i.requests).toBe(2);
    } finally {
      await i.close();
    }
  });
});
