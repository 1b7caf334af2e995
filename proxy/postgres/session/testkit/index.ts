/**
 * Test helpers for the gateway: a Decider over the real policy engine, a token issuer and
 * authenticator (proxy/core/identity), TLS material, the server-side fixtures, and
 * clients (the `pg` driver and `psql` as a child process).
 */
import { execFile, execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect as netConnect, type Socket } from "node:net";
import pg from "pg";
import { Framer, allLarge, decodeServerMessage, encodeClientMessage, type ServerMessage } from "../../codec/index.js";
import { compile, loadPolicy } from "../../../../engine/policy/index.js";
import { toJSON, type Value } from "../../../../engine/values/index.js";
import { outcomeOf, toDecision, type Decider, type DecisionRecord, type PolicyInput } from "../../../core/contracts.js";
import { createAuthenticator, createDemoIssuer, type DemoIssuer } from "../../../core/identity/index.js";
import type { Authenticator } from "../../../core/contracts.js";

export const PG = { host: "127.0.0.1", port: 5432, user: "postgres", database: "test" };

/**
 * A Decider that compiles `source` (package portcullis, rule `decision`) with our engine;
 * with `record`, every input it saw is kept in `inputs`.
 */
export async function policyDecider(source: string, revision = "test", record = true): Promise<Decider & { inputs: PolicyInput[] }> {
  const wasm = await compile({ modules: [{ file: "policy.rego", source }], entrypoints: ["portcullis/decision"] });
  const policy = await loadPolicy(wasm);
  const inputs: PolicyInput[] = [];
  return {
    inputs,
    async decide(input: PolicyInput): Promise<DecisionRecord> {
      if (record) inputs.push(structuredClone(input));
      const results = policy.evaluate(input, "portcullis/decision");
      const raw = results.length === 0 ? undefined : (toJSON(results[0] as Value) as { result: unknown }).result;
      const decision = toDecision(raw);
      return { decision_id: randomUUID(), revision, decision, outcome: outcomeOf(decision) };
    },
  };
}

/** The demo issuer and an authenticator that trusts it. */
export async function tokens(): Promise<{ issuer: DemoIssuer; authenticator: Authenticator }> {
  const issuer = await createDemoIssuer({ issuer: "https://issuer.test", audience: "portcullis" });
  const authenticator = createAuthenticator({ providers: [issuer.provider()] });
  return { issuer, authenticator };
}

/** A self-signed certificate for `localhost`/127.0.0.1 (made by openssl). */
export function tlsMaterial(): { cert: string; key: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "pcs-tls-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
  ], { stdio: "pipe" });
  return { cert: readFileSync(join(dir, "cert.pem"), "utf8"), key: readFileSync(join(dir, "key.pem"), "utf8"), dir };
}

/** Runs the idempotent server setup script (password-checked test roles in pg_hba.conf). */
export function setupServer(): void {
  // Resolved next to this file's source (the script is not copied into dist/).
  const script = fileURLToPath(new URL("./setup-test-server.sh", import.meta.url)).replace(`${join("dist", "proxy")}`, "proxy");
  execFileSync("sh", [script], { stdio: "pipe" });
}

/** A direct superuser connection to the real server. */
export async function direct(database = PG.database): Promise<pg.Client> {
  const c = new pg.Client({ ...PG, database });
  await c.connect();
  return c;
}

/** A random password that is easy to grep for. */
export function secret(): string {
  return `pcs-secret-${randomBytes(12).toString("hex")}`;
}

/**
 * Creates (or resets) a login role whose password the server stores as SCRAM or md5.
 * The password is sent in a statement over a direct connection, never logged.
 */
export async function loginRole(name: string, password: string, storage: "scram-sha-256" | "md5"): Promise<void> {
  const c = await direct("postgres");
  try {
    await c.query(`SET password_encryption = '${storage}'`);
    const exists = await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name]);
    const verb = exists.rowCount ? "ALTER" : "CREATE";
    await c.query(`${verb} ROLE ${name} LOGIN PASSWORD '${password}'`);
    await c.query(`GRANT ALL ON SCHEMA public TO ${name}`).catch(() => {});
  } finally {
    await c.end();
  }
}

export interface PsqlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs psql asynchronously (the gateway shares the test's event loop). */
export function psql(args: string[], env: Record<string, string>, input?: string, signalAfterMs?: number): Promise<PsqlResult> {
  return new Promise((resolve) => {
    const child = execFile("psql", ["-X", "-v", "ON_ERROR_STOP=0", ...args], { env: { ...process.env, ...env, PGCONNECT_TIMEOUT: "10" }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
    if (signalAfterMs !== undefined) setTimeout(() => child.kill("SIGINT"), signalAfterMs);
  });
}

/**
 * A bare protocol client for tests that need exact message sequences (pipelining,
 * malformed frames): it writes frames as given and collects the decoded replies.
 */
export class RawClient {
  private framer = new Framer({ isLarge: allLarge });
  readonly received: ServerMessage[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on("data", (b: Buffer) => {
      for (const f of this.framer.feed(b).frames) {
        const d = decodeServerMessage(f);
        if (d.ok) this.received.push(d.message);
      }
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => {});
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Connects over plaintext, logs in with `token`, and waits for the first ReadyForQuery. */
  static async login(port: number, token: string, parameters: Record<string, string> = {}): Promise<RawClient> {
    const socket = netConnect({ host: "127.0.0.1", port });
    await new Promise((r) => socket.once("connect", r));
    const c = new RawClient(socket);
    c.send(encodeClientMessage({ type: "Startup", major: 3, minor: 0, parameters: { user: "raw", ...parameters } }));
    await c.until((m) => m.type === "AuthenticationCleartextPassword" || m.type === "ErrorResponse");
    c.send(encodeClientMessage({ type: "PasswordMessage", password: token }));
    await c.until((m) => m.type === "ReadyForQuery" || m.type === "ErrorResponse");
    return c;
  }

  send(...frames: Buffer[]): void {
    this.socket.write(Buffer.concat(frames));
  }

  /** Waits until a received message satisfies `pred` (or `count` of them have), or the socket closes. */
  async until(pred: (m: ServerMessage) => boolean, count = 1, timeoutMs = 5000): Promise<ServerMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.filter(pred).length < count && !this.closed) {
      if (Date.now() > deadline) throw new Error(`timed out; received ${this.received.map((m) => m.type).join(", ")}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.received.splice(0);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Message types in order, with error codes and ReadyForQuery statuses spelled out. */
export function summary(ms: ServerMessage[]): string[] {
  return ms.map((m) => (m.type === "ErrorResponse" ? `Error:${m.fields.code}` : m.type === "ReadyForQuery" ? `Ready:${m.status}` : m.type));
}
