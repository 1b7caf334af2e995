/**
 * The gateway as operators run it: `portcullis serve -c portcullis.yaml` against the real
 * PostgreSQL on 127.0.0.1:5432, and `portcullis start` (the embedded demo) with psql.
 * Child processes, real clients, real signals.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawn, execFile, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { createDemoIssuer, type DemoIssuer } from "../core/identity/index.js";
import { portcullis } from "../../cli/run-cli.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "cli/portcullis.js");
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

/** Starts `portcullis …args`, resolving once `readyPattern` appears on stdout or stderr. */
function startCli(args: string[], readyPattern: RegExp, timeoutMs = 60_000): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (readyPattern.test(output)) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`exited with ${code} before ready:\n${output}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

describe("portcullis serve -c", () => {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-serve-"));
  let issuer: DemoIssuer;

  async function writeConfig(port: number): Promise<string> {
    issuer = await createDemoIssuer({ issuer: "https://issuer.serve.test", audience: "portcullis", jwksFile: join(dir, "jwks.json") });
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
      "-keyout", join(dir, "gateway.key"), "-out", join(dir, "gateway.crt")], { stdio: "ignore" });
    const config = join(dir, "portcullis.yaml");
    writeFileSync(
      config,
      [
        "listeners:",
        `  - address: "127.0.0.1:${port}"`,
        "    connection: local-test",
        "    tls: {cert: gateway.crt, key: gateway.key}",
        "connections:",
        "  - name: local-test",
        "    type: postgres",
        "    tags: {env: test}",
        "    upstream: {host: 127.0.0.1, port: 5432, database: test, user: postgres, auth: trust}",
        "identity:",
        "  providers:",
        "    - issuer: https://issuer.serve.test",
        "      audience: portcullis",
        "      jwks_file: jwks.json",
        `      algorithms: [${issuer.alg}]`,
        "policy:",
        `  dir: ${JSON.stringify(join(root, "policies"))}`,
        "decision_log:",
        "  path: decisions.jsonl",
        "  erase: [/input/request/params]",
      ].join("\n") + "\n",
    );
    return config;
  }

  it("refuses an invalid config naming the path of the problem (exit 1)", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "listeners: []\nconnections:\n  - name: x\n    type: postgres\n    upstream: {host: h, port: abc, database: d, user: u}\nidentity: {providers: []}\npolicy: {dir: /nonexistent}\n");
    const r = portcullis(["serve", "-c", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/connections\[0\]\.upstream\.port: .*"abc"/);
  });

  it("serves psql-compatible clients, decides by policy, logs decisions, keeps serving through a bad SIGHUP, drains on SIGTERM", async () => {
    const port = 20000 + (process.pid % 20000);
    const config = await writeConfig(port);
    const { child, output } = await startCli(["serve", "-c", config], /ready \(1 listener\)/);
    const token = await issuer.mint({ sub: "alice", email: "alice@example.com", groups: ["dba"] });
    // a token is a bearer credential: refused over plaintext
    const plain = new pg.Client({ host: "127.0.0.1", port, user: "alice", database: "test", password: token, ssl: false });
    await expect(plain.connect()).rejects.toThrow();

    const client = new pg.Client({ host: "127.0.0.1", port, user: "alice", database: "test", password: token, ssl: { rejectUnauthorized: false } });
    await client.connect();
    try {
      expect((await client.query("SELECT $1::int + 1 AS n", [41])).rows).toEqual([{ n: 42 }]);
      await expect(client.query("DROP TABLE IF EXISTS portcullis_never_created")).rejects.toMatchObject({ code: "42501" });
      expect((await client.query("SELECT 'still usable' AS s")).rows[0].s).toBe("still usable");
    } finally {
      await client.end();
    }
    expect(output()).not.toContain(token);

    // decisions are logged with the policy revision; erased paths are gone
    const lines = readFileSync(join(dir, "decisions.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { result: { allow: boolean }; input: { request: Record<string, unknown> }; bundles: Record<string, { revision: string }>; erased?: string[] });
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.some((l) => l.result.allow === false)).toBe(true);
    expect(Object.values(lines[0]!.bundles)[0]!.revision).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    const withParams = lines.find((l) => l.erased?.includes("/input/request/params"));
    expect(withParams?.input.request.params).toBeUndefined();

    // --check validates and prints the config with secrets redacted
    const check = portcullis(["serve", "-c", config, "--check"]);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout).connections[0].name).toBe("local-test");

    // SIGHUP with a broken config: refused, still serving
    const good = readFileSync(config, "utf8");
    writeFileSync(config, good.replace("port: 5432", "port: not-a-port"));
    child.kill("SIGHUP");
    await new Promise((r) => setTimeout(r, 500));
    expect(output()).toContain("the new config is invalid; still serving the previous one");
    writeFileSync(config, good);

    child.kill("SIGTERM");
    expect(await exited(child)).toBe(0);
    expect(output()).toContain("draining sessions and stopping");
    await issuer.close();
  }, 120_000);
});

describe("portcullis start (npm start)", () => {
  it("runs the embedded demo: psql with the printed token is allowed, denied and refused as the policy says", async () => {
    const { child, output } = await startCli(["start", "--port", "0"], /Press Ctrl-C to stop\./, 90_000);
    const text = output();
    const port = Number(/port=(\d+)/.exec(text)![1]);
    const token = /PGPASSWORD='([^']+)'/.exec(text)![1]!;
    const sslmode = /sslmode=(\w+)/.exec(text)![1]!;
    const psql = (sql: string, password = token) =>
      promisify(execFile)("psql", [`host=127.0.0.1 port=${port} dbname=postgres user=dana sslmode=${sslmode}`, "-Atc", sql], {
        env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: "10" },
        encoding: "utf8",
      }).then(
        (r) => ({ ok: true, out: r.stdout.trim(), err: r.stderr }),
        (e: { stdout?: string; stderr?: string }) => ({ ok: false, out: e.stdout ?? "", err: e.stderr ?? "" }),
      );
    expect(await psql("SELECT name FROM customers WHERE id = 1")).toMatchObject({ ok: true, out: "Ada Lovelace" });
    const drop = await psql("DROP TABLE orders");
    expect(drop.ok).toBe(false);
    expect(drop.err).toMatch(/denied by policy: DROP/);
    expect(await psql("SELECT count(*) FROM orders")).toMatchObject({ ok: true, out: "5" }); // nothing was dropped
    // PII is masked for the AI agent (the second token printed)
    const agentToken = [...text.matchAll(/PGPASSWORD='([^']+)'/g)][1]![1]!;
    const masked = await psql("SELECT email, card_number FROM customers WHERE id = 1", agentToken);
    expect(masked.ok, masked.err).toBe(true);
    expect(masked.out).not.toContain("ada@example.com");
    expect(masked.out).not.toContain("4111 1111 1111 1111");
    expect(masked.out).toMatch(/1111$/); // partial masking keeps the last four digits
    const bad = await psql("SELECT 1", "not-a-token");
    expect(bad.err).toMatch(/token authentication failed/);
    const decisions = /decision log\s+(\S+)/.exec(text)![1]!;
    expect(existsSync(decisions)).toBe(true);
    child.kill("SIGINT");
    expect(await exited(child)).toBe(0);
  }, 150_000);
});
