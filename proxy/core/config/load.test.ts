import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, readFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { createAuthenticator } from "../identity/authenticator.js";
import { createDemoIssuer } from "../identity/demo-issuer.js";
import { toConnectionInfo, toIdentityConfig, toMaskConfig } from "./adapt.js";
import { formatConfigError, loadConfig, parseConfig as parseWithFiles, type LoadOptions, type LoadResult } from "./load.js";

/** Most tests name files that do not exist; file checks have their own test. */
const parseConfig = (text: string, options: LoadOptions = {}) => parseWithFiles(text, { checkFiles: false, ...options });
import type { ConfigError } from "./schema.js";
import type { Config, PostgresUpstream } from "./types.js";

const dir = mkdtempSync(join(tmpdir(), "portcullis-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MINIMAL = `
listeners:
  - address: 127.0.0.1:6432
    connection: shop
connections:
  - name: shop
    type: postgres
    upstream:
      host: 127.0.0.1
      database: shop
      user: app
      password: "\${PG_PASSWORD}"
identity:
  providers:
    - issuer: https://idp.example.test
      audience: portcullis
      jwks_file: keys/jwks.json
policy:
  dir: policies
`;
const ENV = { PG_PASSWORD: "s3cr3t-pg" };

function ok(r: LoadResult): Config {
  if ("errors" in r) throw new Error(r.errors.map((e) => formatConfigError(e)).join("\n"));
  return r.config;
}
function errorsOf(r: LoadResult): ConfigError[] {
  if (!("errors" in r)) throw new Error("expected errors, got a config");
  return r.errors;
}
/** The minimal config with one change applied to its parsed form. */
function variant(change: (doc: Record<string, any>) => void): string {
  const doc = parseConfigDoc();
  change(doc);
  return stringify(doc);
}
function parseConfigDoc(): Record<string, any> {
  return parse(MINIMAL) as Record<string, any>;
}

describe("valid configs", () => {
  it("apply defaults and resolve paths from the config's folder", () => {
    const c = ok(parseConfig(MINIMAL, { env: ENV, baseDir: "/etc/portcullis" }));
    expect(c.listeners).toEqual([{ protocol: "postgres", address: "127.0.0.1:6432", connection: "shop" }]);
    const conn = c.connections[0]!;
    expect(conn).toMatchObject({ name: "shop", type: "postgres", tags: {}, approval_mode: "hold", hold_timeout_seconds: 300 });
    const up = conn.upstream as PostgresUpstream;
    expect(up).toMatchObject({ kind: "postgres", host: "127.0.0.1", port: 5432, database: "shop", user: "app", auth: "scram-sha-256", tls: { mode: "disable" } });
    expect(up.password?.reveal()).toBe("s3cr3t-pg");
    expect(up.password?.source).toBe("env");
    expect(c.identity).toEqual({
      clock_skew_seconds: 30,
      providers: [
        {
          issuer: "https://idp.example.test",
          audience: "portcullis",
          jwks_file: "/etc/portcullis/keys/jwks.json",
          allow_insecure_http: false,
          algorithms: ["RS256", "ES256", "EdDSA"],
          groups_claim: "groups",
          cache_ttl_seconds: 600,
          min_refresh_interval_seconds: 30,
        },
      ],
    });
    expect(c.policy).toEqual({ dir: "/etc/portcullis/policies", entrypoint: "portcullis/decision", test_gate: true });
    expect(c.decision_log).toBeUndefined();
    expect(c.recording).toBeUndefined();
    expect(c.admin).toBeUndefined();
  });

  it("a full config with every section and protocol", () => {
    writeFileSync(join(dir, "ssh_key"), "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n");
    writeFileSync(join(dir, "bundle.pub"), "-----BEGIN PUBLIC KEY-----\nxyz\n-----END PUBLIC KEY-----\n");
    const text = `
listeners:
  - {protocol: postgres, address: "0.0.0.0:6432", connection: prod-db, tls: {cert: tls/gw.crt, key: tls/gw.key, require_tls: true}}
  - {address: "127.0.0.1:3307", connection: legacy}
  - {address: "[::1]:2222", connection: bastion}
  - {address: ":8443", connection: cluster}
connections:
  - name: prod-db
    type: postgres
    tags: {env: production, team: payments}
    upstream: {host: db.internal, port: 5433, database: shop, user: gateway, password: "\${PG_PASSWORD}", auth: md5, tls: {mode: verify-full, ca: ca.pem}}
    approval_mode: defer
    hold_timeout_seconds: 900
  - name: legacy
    type: mysql
    upstream: {host: 127.0.0.1, user: root, password: inline-pw, auth: mysql_native_password}
  - name: bastion
    type: ssh
    upstream: {host: 10.0.0.5, user: ops, private_key: "file:ssh_key", host_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"}
  - name: cluster
    type: kube
    upstream: {server: "https://10.0.0.1:6443", token: "\${KUBE_TOKEN}", ca: kube-ca.pem}
identity:
  clock_skew_seconds: 10
  providers:
    - issuer: https://keycloak.example.test/realms/acme
      audience: portcullis
      jwks_url: https://keycloak.example.test/realms/acme/protocol/openid-connect/certs
      algorithms: [RS256, PS256]
      groups_claim: realm_access.roles
      agent: {claim: azp, values: [claude-code, cursor], groups: [ai-agents]}
    - issuer: https://token.actions.githubusercontent.com
      audience: portcullis-ci
      jwks_file: /etc/portcullis/gha.jwks
      agent: {claim: act}
policy:
  bundle: bundle.tar.gz
  verification_key: file:bundle.pub
  verification_alg: RS256
  test_gate: false
decision_log:
  path: /var/log/portcullis/decisions.jsonl
  erase: [/input/request/params]
  mask: [/input/identity/email, {path: /input/identity/claims, method: hmac}]
  hmac_key: "\${LOG_HMAC_KEY}"
recording: {dir: recordings, hmac_key: "\${REC_KEY}"}
admin: {address: "127.0.0.1:9090"}
approvals: {sqlite: state/approvals.db, webhook_url: "https://hooks.example.com/portcullis"}
masking: {hash_key: "\${MASK_KEY}"}
`;
    const c = ok(parseConfig(text, { env: { ...ENV, KUBE_TOKEN: "kube-tok-123", LOG_HMAC_KEY: "hmac-key-456", REC_KEY: "rec-key-789", MASK_KEY: "mask-key-012" }, baseDir: dir }));
    expect(c.listeners.map((l) => l.protocol)).toEqual(["postgres", "mysql", "ssh", "kube"]);
    expect(c.listeners[0]!.tls).toEqual({ cert: join(dir, "tls/gw.crt"), key: join(dir, "tls/gw.key"), require_tls: true });
    const [pg, my, ssh, kube] = c.connections.map((x) => x.upstream);
    expect(pg).toMatchObject({ kind: "postgres", port: 5433, auth: "md5", tls: { mode: "verify-full", ca: join(dir, "ca.pem") } });
    expect(my).toMatchObject({ kind: "mysql", port: 3306, auth: "mysql_native_password", tls: { mode: "disable" } });
    expect(ssh).toMatchObject({ kind: "ssh", port: 22, user: "ops" });
    expect(ssh!.kind === "ssh" && ssh!.private_key?.reveal()).toBe("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----");
    expect(kube!.kind === "kube" && kube!.token?.reveal()).toBe("kube-tok-123");
    expect(c.connections[0]).toMatchObject({ approval_mode: "defer", hold_timeout_seconds: 900, tags: { env: "production", team: "payments" } });
    expect(toConnectionInfo(c.connections[0]!)).toEqual({ name: "prod-db", type: "postgres", tags: { env: "production", team: "payments" } });
    expect(c.identity.providers[1]).toMatchObject({ agent: { claim: "act" }, algorithms: ["RS256", "ES256", "EdDSA"] });
    expect(c.policy).toMatchObject({ bundle: join(dir, "bundle.tar.gz"), verification_alg: "RS256", entrypoint: "portcullis/decision", test_gate: false });
    expect(c.policy.verification_key?.reveal()).toContain("BEGIN PUBLIC KEY");
    expect(toMaskConfig(c.decision_log!)).toEqual({
      erase: ["/input/request/params"],
      mask: ["/input/identity/email", { path: "/input/identity/claims", method: "hmac" }],
      hmacKey: "hmac-key-456",
    });
    expect(c.recording?.dir).toBe(join(dir, "recordings"));
    expect(c.recording?.hmac_key.reveal()).toBe("rec-key-789");
    expect(c.admin).toEqual({ address: "127.0.0.1:9090", allow_non_loopback: false });
    expect(c.approvals).toEqual({ sqlite: join(dir, "state/approvals.db"), webhook_url: "https://hooks.example.com/portcullis" });
    expect(c.masking?.hash_key?.reveal()).toBe("mask-key-012");
  });

  it("loads from a path, resolving file: secrets next to the config", () => {
    const sub = join(dir, "etc");
    rmSync(sub, { recursive: true, force: true });
    mkdirSync(sub);
    writeFileSync(join(sub, "pg.pass"), "from-a-file\n");
    writeFileSync(join(sub, "portcullis.yaml"), MINIMAL.replace('"${PG_PASSWORD}"', "file:pg.pass"));
    const c = ok(loadConfig(join(sub, "portcullis.yaml"), { env: {}, checkFiles: false }));
    expect((c.connections[0]!.upstream as PostgresUpstream).password?.reveal()).toBe("from-a-file");
    expect(c.policy.dir).toBe(join(sub, "policies"));
    expect(errorsOf(loadConfig(join(sub, "missing.yaml")))).toEqual([{ path: "", message: `cannot read config file ${join(sub, "missing.yaml")}: ENOENT` }]);
  });

  it("feeds the authenticator (config → identity → verified token)", async () => {
    const issuer = await createDemoIssuer({ issuer: "https://demo.portcullis.test", audience: "portcullis", alg: "EdDSA" });
    try {
      const text = variant((d) => {
        d.identity.providers[0] = { issuer: issuer.issuer, audience: "portcullis", jwks_file: issuer.jwksFile, agent: { claim: "azp", values: ["portcullis-agent"] } };
      });
      const c = ok(parseConfig(text, { env: ENV }));
      const auth = createAuthenticator(toIdentityConfig(c.identity));
      const r = await auth.authenticate(await issuer.mint({ sub: "bot", groups: ["eng"], agent: true }));
      expect(r).toMatchObject({ identity: { sub: "bot", groups: ["eng"], agent: true, issuer: issuer.issuer } });
    } finally {
      await issuer.close();
    }
  });
});

describe("errors", () => {
  const cases: [string, (d: Record<string, any>) => void, string, string][] = [
    ["port not a number", (d) => (d.connections[0].upstream.port = "abc"), "connections[0].upstream.port", 'expected an integer between 1 and 65535, got "abc"'],
    ["port out of range", (d) => (d.connections[0].upstream.port = 70000), "connections[0].upstream.port", "expected an integer between 1 and 65535, got 70000"],
    ["missing field", (d) => delete d.connections[0].upstream.database, "connections[0].upstream.database", "is required"],
    ["typo", (d) => (d.connections[0].upstream.pasword = "x"), "connections[0].upstream.pasword", "unknown field; did you mean password?"],
    ["unknown section", (d) => (d.metrics = {}), "metrics", "unknown field (expected one of: listeners, connections, identity, policy, decision_log, recording, admin, approvals, masking)"],
    ["bad type", (d) => (d.connections[0].type = "redis"), "connections[0].type", 'expected one of postgres, mysql, ssh, kube, got "redis"'],
    ["bad enum", (d) => (d.connections[0].upstream.auth = "kerberos"), "connections[0].upstream.auth", 'expected one of trust, password, md5, scram-sha-256, got "kerberos"'],
    ["tag not a string", (d) => (d.connections[0].tags = { tier: 1 }), "connections[0].tags.tier", 'expected a string (quote numbers and booleans: "1", "true"), got 1'],
    ["list expected", (d) => (d.listeners = { address: "x" }), "listeners", "expected a list, got a mapping"],
    ["empty list", (d) => (d.connections = []), "connections", "expected at least 1 item, got 0"],
    ["bad address", (d) => (d.listeners[0].address = "6432"), "listeners[0].address", 'expected an address "host:port", got "6432"'],
    ["address port range", (d) => (d.listeners[0].address = "127.0.0.1:0"), "listeners[0].address", "port must be between 1 and 65535, got 0"],
    ["listener to nowhere", (d) => (d.listeners[0].connection = "shpo"), "listeners[0].connection", "no connection named shpo (defined: shop)"],
    ["listener protocol mismatch", (d) => (d.listeners[0].protocol = "mysql"), "listeners[0].protocol", "is mysql but connection shop is postgres"],
    ["duplicate listener address", (d) => d.listeners.push({ ...d.listeners[0] }), "listeners[1].address", "127.0.0.1:6432 is already used by listeners[0]"],
    ["duplicate connection", (d) => d.connections.push({ ...d.connections[0] }), "connections[1].name", "connection shop is defined twice"],
    ["require_tls needs cert", (d) => (d.listeners[0].tls = { require_tls: true }), "listeners[0].tls.cert", "is required"],
    ["password with trust", (d) => (d.connections[0].upstream.auth = "trust"), "connections[0].upstream.password", "is not used with auth trust; remove it"],
    ["password missing", (d) => delete d.connections[0].upstream.password, "connections[0].upstream.password", "is required with auth scram-sha-256"],
    ["ca with tls disabled", (d) => (d.connections[0].upstream.tls = { mode: "disable", ca: "ca.pem" }), "connections[0].upstream.tls.ca", "has no effect with mode disable"],
    ["ssh needs one credential", (d) => (d.connections[0] = { name: "shop", type: "ssh", upstream: { host: "h", user: "u", host_key: "SHA256:" + "a".repeat(43) } }), "connections[0].upstream", "exactly one of password and private_key is required"],
    ["ssh host key", (d) => (d.connections[0] = { name: "shop", type: "ssh", upstream: { host: "h", user: "u", password: "p", host_key: "yes" } }), "connections[0].upstream.host_key", 'expected a host key ("ssh-ed25519 AAAA…") or fingerprint ("SHA256:…"), got "yes"'],
    ["kube needs https", (d) => (d.connections[0] = { name: "shop", type: "kube", upstream: { server: "http://k:6443", token: "t" } }), "connections[0].upstream.server", 'expected an https:// URL, got "http://k:6443"'],
    ["no jwks", (d) => delete d.identity.providers[0].jwks_file, "identity.providers[0]", "exactly one of jwks_file and jwks_url is required"],
    ["http jwks", (d) => (d.identity.providers[0] = { issuer: "https://i.test", audience: "a", jwks_url: "http://i.test/jwks" }), "identity.providers[0].jwks_url", "must use https (http only with allow_insecure_http, on loopback)"],
    ["http jwks off loopback", (d) => (d.identity.providers[0] = { issuer: "https://i.test", audience: "a", jwks_url: "http://i.test/jwks", allow_insecure_http: true }), "identity.providers[0].jwks_url", "http is allowed only on a loopback host"],
    ["HS256 allowed", (d) => (d.identity.providers[0].algorithms = ["RS256", "HS256"]), "identity.providers[0].algorithms[1]", "HS256 is never allowed for OIDC tokens (asymmetric algorithms only: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519)"],
    ["alg none", (d) => (d.identity.providers[0].algorithms = ["none"]), "identity.providers[0].algorithms[0]", "none is never allowed for OIDC tokens (asymmetric algorithms only: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519)"],
    ["duplicate issuer", (d) => d.identity.providers.push({ ...d.identity.providers[0] }), "identity.providers[1].issuer", "issuer https://idp.example.test is configured twice"],
    ["agent rule empty", (d) => (d.identity.providers[0].agent = {}), "identity.providers[0].agent", "needs a claim or groups"],
    ["clock skew", (d) => (d.identity.clock_skew_seconds = -1), "identity.clock_skew_seconds", "expected an integer between 0 and 600, got -1"],
    ["dir and bundle", (d) => (d.policy.bundle = "b.tar.gz"), "policy", "exactly one of dir and bundle is required"],
    ["unsigned bundle", (d) => (d.policy = { bundle: "b.tar.gz" }), "policy.verification_key", "is required with bundle (only signed bundles are loaded)"],
    ["entrypoint", (d) => (d.policy.entrypoint = "data.portcullis.decision"), "policy.entrypoint", 'expected a rule path such as "portcullis/decision", got "data.portcullis.decision"'],
    ["test_gate", (d) => (d.policy.test_gate = "yes"), "policy.test_gate", 'expected true or false, got "yes"'],
    ["mask path", (d) => (d.decision_log = { path: "d.log", erase: ["input/x"] }), "decision_log.erase[0]", 'mask path "input/x" must start with /input or /result'],
    ["hmac key", (d) => (d.decision_log = { path: "d.log", mask: [{ path: "/input/a", method: "hmac" }] }), "decision_log.hmac_key", "is required when a mask uses method hmac"],
    ["recording dir", (d) => (d.recording = { hmac_key: "k" }), "recording.dir", "is required"],
    ["recording key", (d) => (d.recording = { dir: "r" }), "recording.hmac_key", "is required"],
    ["approvals store", (d) => (d.approvals = {}), "approvals", "needs exactly one of sqlite (a file) and postgres (a URL)"],
    ["approvals both stores", (d) => (d.approvals = { sqlite: "a.db", postgres: "postgres://x" }), "approvals", "needs exactly one of sqlite (a file) and postgres (a URL)"],
    ["webhook url", (d) => (d.approvals = { sqlite: "a.db", webhook_url: "ftp://x" }), "approvals.webhook_url", 'expected an http(s) URL, got "ftp://x"'],
    ["admin address", (d) => (d.admin = { address: "localhost" }), "admin.address", 'expected an address "host:port", got "localhost"'],
    ["section type", (d) => (d.identity = ["x"]), "identity", "expected a mapping, got a list"],
  ];
  it.each(cases)("%s", (_name, change, path, message) => {
    const errors = errorsOf(parseConfig(variant(change), { env: ENV }));
    expect(errors).toContainEqual(expect.objectContaining({ path, message }));
  });

  it("are reported several at once, with lines", () => {
    const text = `listeners:
  - address: 127.0.0.1:6432
    connection: shop
connections:
  - name: shop
    type: postgres
    upstream:
      host: 127.0.0.1
      port: abc
      database: shop
      user: app
      password: "\${NOPE}"
identity:
  providers: []
policy:
  dirr: policies
`;
    const errors = errorsOf(parseConfig(text, { env: {} }));
    expect(errors.map((e) => formatConfigError(e, "portcullis.yaml"))).toEqual([
      'portcullis.yaml:9: connections[0].upstream.port: expected an integer between 1 and 65535, got "abc"',
      "portcullis.yaml:12: connections[0].upstream.password: environment variable NOPE is not set",
      "portcullis.yaml:14: identity.providers: expected at least 1 item, got 0",
      "portcullis.yaml:16: policy.dirr: unknown field; did you mean dir?",
    ]);
  });

  it("bad YAML, duplicate keys and empty files", () => {
    const bad = errorsOf(parseConfig("listeners: [\n  a: b\n", {}));
    expect(bad[0]!.message).toMatch(/^invalid YAML: /);
    expect(bad[0]!.line).toBeGreaterThan(0);
    expect(errorsOf(parseConfig("policy: {dir: a}\npolicy: {dir: b}\n", {}))[0]!.message).toMatch(/^invalid YAML: .*unique/i);
    expect(errorsOf(parseConfig("", {}))).toEqual([{ path: "", message: "the config is empty" }]);
    expect(errorsOf(parseConfig("- 1\n", {}))).toEqual([{ path: "", message: "expected a mapping, got a list", line: 1 }]);
  });
});

describe("files", () => {
  it("that the gateway reads must exist; all missing ones are reported", () => {
    const text = variant((d) => {
      d.listeners[0].tls = { cert: "tls/missing.crt", key: "tls" };
      d.connections[0].upstream.tls = { mode: "verify-full", ca: "ca.pem" };
      d.decision_log = { path: "no-such-folder/d.log" };
    });
    const errors = errorsOf(parseWithFiles(text, { env: ENV, baseDir: dir }));
    mkdirSync(join(dir, "tls"), { recursive: true });
    expect(errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      `listeners[0].tls.cert: cannot read ${join(dir, "tls/missing.crt")}: ENOENT`,
      `listeners[0].tls.key: cannot read ${join(dir, "tls")}: ENOENT`,
      `connections[0].upstream.tls.ca: cannot read ${join(dir, "ca.pem")}: ENOENT`,
      `identity.providers[0].jwks_file: cannot read ${join(dir, "keys/jwks.json")}: ENOENT`,
      `policy.dir: cannot read ${join(dir, "policies")}: ENOENT`,
      `decision_log.path: cannot create ${join(dir, "no-such-folder/d.log")}: folder ${join(dir, "no-such-folder")}: ENOENT`,
    ]);
    // Present files and folders pass; a folder where a file is wanted does not.
    mkdirSync(join(dir, "keys"), { recursive: true });
    mkdirSync(join(dir, "policies"), { recursive: true });
    writeFileSync(join(dir, "keys/jwks.json"), '{"keys":[]}');
    writeFileSync(join(dir, "tls/gw.crt"), "x");
    writeFileSync(join(dir, "ca.pem"), "x");
    const fixed = text.replace("tls/missing.crt", "tls/gw.crt").replace("no-such-folder/d.log", "d.log");
    expect(errorsOf(parseWithFiles(fixed, { env: ENV, baseDir: dir })).map((e) => `${e.path}: ${e.message}`)).toEqual([`listeners[0].tls.key: ${join(dir, "tls")} is not a file`]);
    expect(ok(parseWithFiles(fixed.replace("key: tls", "key: tls/gw.crt"), { env: ENV, baseDir: dir })).decision_log?.path).toBe(join(dir, "d.log"));
  });
});

describe("secrets", () => {
  const withPassword = (password: unknown) => variant((d) => (d.connections[0].upstream.password = password));

  it("resolve ${ENV} and file: references; report what is missing without the value", () => {
    writeFileSync(join(dir, "pw"), "file-secret\r\n");
    expect((ok(parseConfig(withPassword("file:pw"), { baseDir: dir, env: {} })).connections[0]!.upstream as PostgresUpstream).password?.reveal()).toBe("file-secret");
    expect((ok(parseConfig(withPassword(`file:${join(dir, "pw")}`), { env: {} })).connections[0]!.upstream as PostgresUpstream).password?.source).toBe("file");
    expect((ok(parseConfig(withPassword("plain"), { env: {} })).connections[0]!.upstream as PostgresUpstream).password?.source).toBe("inline");
    const e = (password: unknown, env: Record<string, string> = {}) => errorsOf(parseConfig(withPassword(password), { baseDir: dir, env }))[0]!;
    expect(e("${MISSING}")).toMatchObject({ path: "connections[0].upstream.password", message: "environment variable MISSING is not set" });
    expect(e("${EMPTY}", { EMPTY: "" }).message).toBe("environment variable EMPTY is empty");
    expect(e("${not valid}").message).toBe('expected "${ENV_VAR}" with a variable name of letters, digits and _');
    expect(e("file:nope").message).toBe(`cannot read secret file ${join(dir, "nope")}: ENOENT`);
    expect(e(12345).message).toBe('expected a secret (a string, "${ENV_VAR}" or "file:path"), got a number');
    expect(JSON.stringify(e(12345))).not.toContain("12345");
  });

  it("never print themselves", () => {
    const c = ok(parseConfig(MINIMAL, { env: ENV }));
    const pw = (c.connections[0]!.upstream as PostgresUpstream).password!;
    for (const shown of [JSON.stringify(c), `${pw}`, String(pw), inspect(c, { depth: null }), inspect(pw)]) expect(shown).not.toContain("s3cr3t-pg");
    expect(JSON.stringify(pw)).toBe('"***"');
  });
});

describe("README", () => {
  it("its example config is valid", () => {
    const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8") as string;
    const example = /## Example\n\n```yaml\n([\s\S]*?)```/.exec(readme)![1]!;
    mkdirSync(join(dir, "secrets"), { recursive: true });
    writeFileSync(join(dir, "secrets/log-hmac.key"), "k\n");
    writeFileSync(join(dir, "secrets/recording.key"), "r\n");
    const c = ok(parseConfig(example, { baseDir: dir, env: { SHOP_DB_PASSWORD: "pw", MASK_HASH_KEY: "m" } }));
    expect(c.connections[0]!.upstream).toMatchObject({ kind: "postgres", tls: { mode: "verify-full", ca: join(dir, "tls/db-ca.pem") } });
    expect(c.policy.dir).toBe(join(dir, "../policies"));
  });
});
