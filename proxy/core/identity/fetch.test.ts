import { createServer, type RequestListener, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { checkJwksUrl, fetchJwks, isLoopbackHost } from "./fetch.js";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});
async function serve(handler: RequestListener): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks.json`;
}
const opts = { allowInsecureHttp: true, timeoutMs: 2000 };

describe("JWKS URLs", () => {
  it("loopback hosts only for plain HTTP", () => {
    for (const h of ["localhost", "127.0.0.1", "127.8.9.10", "[::1]", "::1", "api.localhost"]) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ["10.0.0.1", "127.0.0.1.evil.test", "localhost.evil.test", "[::2]", "example.com", "0.0.0.0"]) expect(isLoopbackHost(h)).toBe(false);
    expect(checkJwksUrl("https://idp.test/jwks", false)).toBeNull();
    expect(checkJwksUrl("http://127.0.0.1:1/j", true)).toBeNull();
    expect(checkJwksUrl("http://127.0.0.1:1/j", false)).toMatch(/must use https/);
    expect(checkJwksUrl("http://idp.test/j", true)).toBe("http is allowed only on a loopback host");
    expect(checkJwksUrl("file:///etc/passwd", true)).toBe("must use https, not file");
    expect(checkJwksUrl("not a url", false)).toBe("is not a valid URL");
  });
});

describe("fetching a JWKS", () => {
  it("reads the keys and drops symmetric ones", async () => {
    const url = await serve((_q, s) => s.end(JSON.stringify({ keys: [{ kty: "EC", kid: "a" }, { kty: "oct", k: "c2VjcmV0", kid: "b" }] })));
    expect(await fetchJwks(url, opts)).toEqual({ keys: [{ kty: "EC", kid: "a" }] });
  });

  it("refuses redirects, errors, non-JSON, missing keys and huge bodies", async () => {
    let mode = "";
    const url = await serve((_q, s) => {
      if (mode === "redirect") s.writeHead(302, { location: "https://evil.test/jwks.json" }).end();
      else if (mode === "500") s.writeHead(500).end();
      else if (mode === "html") s.end("<html>");
      else if (mode === "nokeys") s.end("{}");
      else s.end(JSON.stringify({ keys: [], pad: "x".repeat(2 << 20) }));
    });
    const why = async (m: string) => {
      mode = m;
      return fetchJwks(url, opts).then(
        () => "resolved",
        (e: Error) => e.message,
      );
    };
    expect(await why("redirect")).toBe(`cannot fetch the issuer's JWKS from ${url}: HTTP 302`);
    expect(await why("500")).toBe(`cannot fetch the issuer's JWKS from ${url}: HTTP 500`);
    expect(await why("html")).toBe(`the issuer's JWKS at ${url} is not JSON`);
    expect(await why("nokeys")).toBe(`the issuer's JWKS at ${url} has no "keys" list`);
    expect(await why("huge")).toBe(`cannot fetch the issuer's JWKS from ${url}: response larger than 1 MiB`);
  });

  it("times out", async () => {
    const url = await serve(() => undefined);
    await expect(fetchJwks(url, { ...opts, timeoutMs: 100 })).rejects.toThrow(`cannot fetch the issuer's JWKS from ${url}: no answer within 100 ms`);
  });
});
