import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { stringify } from "yaml";
import { formatConfigError, parseConfig as parseWithFiles, type LoadOptions } from "./load.js";

const parseConfig = (text: string, options: LoadOptions = {}) => parseWithFiles(text, { checkFiles: false, ...options });
import { redact } from "./redact.js";
import { formatPath } from "./schema.js";
import { Secret } from "./secret.js";

/** A config with a secret in every field that takes one, each given inline. */
function configWith(s: { pg: string; my: string; ssh: string; kube: string; bundle: string; hmac: string }): string {
  return stringify({
    listeners: [{ address: "127.0.0.1:6432", connection: "pg" }],
    connections: [
      { name: "pg", type: "postgres", upstream: { host: "127.0.0.1", database: "d", user: "u", password: s.pg } },
      { name: "my", type: "mysql", upstream: { host: "127.0.0.1", user: "u", password: s.my } },
      { name: "sh", type: "ssh", upstream: { host: "h", user: "u", private_key: s.ssh, host_key: `SHA256:${"A".repeat(43)}` } },
      { name: "k8", type: "kube", upstream: { server: "https://k:6443", token: s.kube } },
    ],
    identity: { providers: [{ issuer: "https://i.test", audience: "a", jwks_file: "/j.json" }] },
    policy: { bundle: "/b.tar.gz", verification_key: s.bundle },
    decision_log: { path: "/d.log", mask: [{ path: "/input/x", method: "hmac" }], hmac_key: s.hmac },
  });
}

// Secrets that are not config syntax (no ${…}, no file:), long enough not to occur by chance.
const secretValue = fc.string({ minLength: 12, maxLength: 40 }).filter((s) => s.trim() === s && !s.startsWith("$") && !s.startsWith("file:") && !/[\u0000-\u001f]/.test(s));
const secrets = fc.record({ pg: secretValue, my: secretValue, ssh: secretValue, kube: secretValue, bundle: secretValue, hmac: secretValue });

describe("redact", () => {
  it("replaces every secret with *** and keeps everything else", () => {
    const r = parseConfig(configWith({ pg: "pg-pass-1", my: "my-pass-2", ssh: "ssh-key-3", kube: "kube-tok-4", bundle: "bundle-key-5", hmac: "hmac-key-6" }), { env: {} });
    if ("errors" in r) throw new Error(r.errors.map((e) => formatConfigError(e)).join("\n"));
    const red = redact(r.config);
    expect(red.connections.map((c) => c.upstream)).toEqual([
      expect.objectContaining({ password: "***", host: "127.0.0.1" }),
      expect.objectContaining({ password: "***" }),
      expect.objectContaining({ private_key: "***", user: "u" }),
      expect.objectContaining({ token: "***", server: "https://k:6443" }),
    ]);
    expect(red.policy.verification_key).toBe("***");
    expect(red.decision_log?.hmac_key).toBe("***");
    expect(red.identity).toEqual(JSON.parse(JSON.stringify(r.config.identity)));
    // The original is untouched.
    expect(r.config.policy.verification_key).toBeInstanceOf(Secret);
  });

  it("leaves no secret in the redacted copy, in JSON or in inspect output (property)", () => {
    fc.assert(
      fc.property(secrets, (s) => {
        fc.pre(new Set(Object.values(s)).size === 6);
        const r = parseConfig(configWith(s), { env: {} });
        if ("errors" in r) throw new Error(r.errors.map((e) => formatConfigError(e)).join("\n"));
        const texts = [JSON.stringify(redact(r.config)), inspect(redact(r.config), { depth: null }), JSON.stringify(r.config), inspect(r.config, { depth: null })];
        for (const t of texts) for (const v of Object.values(s)) expect(t).not.toContain(v);
        // …while the values themselves are intact behind reveal().
        expect(r.config.policy.verification_key?.reveal()).toBe(s.bundle);
      }),
      { numRuns: 60 },
    );
  });

  it("errors never echo a secret (property)", () => {
    fc.assert(
      fc.property(secrets, (s) => {
        // Break the config around the secrets: wrong types and unknown fields next to them.
        const text = configWith(s).replace("database: d", "database: 7").replace("user: u", `usr: u`).replace("server: https://k:6443", "server: k");
        const r = parseConfig(text, { env: {} });
        expect("errors" in r).toBe(true);
        const all = "errors" in r ? r.errors.map((e) => formatConfigError(e)).join("\n") : "";
        for (const v of Object.values(s)) expect(all).not.toContain(v);
      }),
      { numRuns: 40 },
    );
  });
});

describe("paths in errors", () => {
  it("print identifiers with dots, indexes in brackets and other keys quoted", () => {
    expect(formatPath(["connections", 1, "upstream", "port"])).toBe("connections[1].upstream.port");
    expect(formatPath(["connections", 0, "tags", "team name"])).toBe('connections[0].tags["team name"]');
    expect(formatPath([])).toBe("");
  });

  it("point at the line of odd keys too", () => {
    const text = configWith({ pg: "a", my: "b", ssh: "c", kube: "d", bundle: "e", hmac: "f" }).replace(/^connections:\n/m, 'connections:\n  - name: x\n    type: postgres\n    tags: {"team name": 5}\n    upstream: {host: h, database: d, user: u, auth: trust}\n');
    const r = parseConfig(text, { env: {} });
    const e = "errors" in r ? r.errors.find((x) => x.path === 'connections[0].tags["team name"]') : undefined;
    expect(e?.line).toBe(text.split("\n").findIndex((l) => l.includes("team name")) + 1);
  });
});
