/**
 * The embedded default behind `npm start`: everything a first-time user needs on one
 * machine with nothing installed — PGlite as the upstream (seeded with a shop whose
 * tables hold PII), a local demo token issuer, a self-signed TLS certificate, the default
 * policy library hot-reloaded, and the PostgreSQL gateway on 127.0.0.1:6432.
 */
import { execFileSync } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmbeddedPostgres } from "../postgres/embedded/embedded.js";
import { createDemoIssuer } from "../core/identity/index.js";
import { parseConfig, formatConfigError } from "../core/config/index.js";
import { startGateway, type RunningGateway, type RuntimeLogEvent } from "./runtime.js";

export const DEMO_ISSUER = "https://demo-issuer.portcullis.local";
export const DEMO_AUDIENCE = "portcullis";

export interface DemoOptions {
  host?: string;
  /** Default 6432; 0 picks a free port. */
  port?: number;
  /** Policy directory; default the package's `policies/`. */
  policyDir?: string;
  log?: (event: RuntimeLogEvent) => void;
}

export interface RunningDemo {
  gateway: RunningGateway;
  host: string;
  port: number;
  /** Where the decision log and the demo's files are. */
  workDir: string;
  /** True when the gateway speaks TLS (openssl made a certificate). */
  tls: boolean;
  /** A token for a person in the `dba` group, and one for an AI agent. */
  tokens: { human: string; agent: string };
  /** The admin API (approvals). */
  adminUrl: string;
  /** Session recordings and the key file that verifies them. */
  recordings: { dir: string; keyFile: string };
  close(): Promise<void>;
}

export const DEFAULT_POLICY_DIR = fileURLToPath(new URL("../../policies", import.meta.url.replace("/dist/", "/")));

/** A self-signed certificate for 127.0.0.1/localhost, or null when `openssl` is not installed. */
function selfSignedCertificate(dir: string): { cert: string; key: string } | null {
  const cert = join(dir, "gateway.crt");
  const key = join(dir, "gateway.key");
  try {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "7",
      "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout", key, "-out", cert,
    ], { stdio: "ignore" });
    return { cert, key };
  } catch {
    return null;
  }
}

/** A port the OS says is free now (the config wants a real port; 0 means "any"). */
export async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const log = options.log ?? (() => {});
  const workDir = mkdtempSync(join(tmpdir(), "portcullis-demo-"));
  const host = options.host ?? "127.0.0.1";
  const port = options.port === 0 ? await freePort(host) : (options.port ?? 6432);
  const adminPort = await freePort(host);
  const recordingKeyFile = join(workDir, "recording.key");
  writeFileSync(recordingKeyFile, randomBytes(32).toString("hex"), { mode: 0o600 });
  writeFileSync(join(workDir, "mask-hash.key"), randomBytes(32).toString("hex"), { mode: 0o600 });
  const upstream = await startEmbeddedPostgres();
  const issuer = await createDemoIssuer({ issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE, jwksFile: join(workDir, "jwks.json") });
  try {
    const tls = selfSignedCertificate(workDir);
    if (!tls) log({ level: "warn", source: "demo", message: "openssl not found: the demo gateway accepts tokens over plaintext on loopback" });
    const yaml = [
      "listeners:",
      `  - address: "${host}:${port}"`,
      "    connection: demo-shop",
      ...(tls ? ["    tls:", `      cert: ${JSON.stringify(tls.cert)}`, `      key: ${JSON.stringify(tls.key)}`, "      require_tls: true"] : []),
      "connections:",
      "  - name: demo-shop",
      "    type: postgres",
      "    tags: {env: demo}",
      "    approval_mode: hold",
      "    hold_timeout_seconds: 300",
      "    upstream:",
      `      host: ${upstream.host}`,
      `      port: ${upstream.port}`,
      `      database: ${upstream.database}`,
      `      user: ${upstream.user}`,
      "      auth: trust",
      "identity:",
      "  providers:",
      `    - issuer: ${JSON.stringify(DEMO_ISSUER)}`,
      `      audience: ${DEMO_AUDIENCE}`,
      `      jwks_file: ${JSON.stringify(issuer.jwksFile)}`,
      `      algorithms: [${issuer.alg}]`,
      "      agent: {claim: azp, values: [portcullis-agent]}",
      "policy:",
      `  dir: ${JSON.stringify(options.policyDir ?? DEFAULT_POLICY_DIR)}`,
      "decision_log:",
      `  path: ${JSON.stringify(join(workDir, "decisions.jsonl"))}`,
      "recording:",
      `  dir: ${JSON.stringify(join(workDir, "recordings"))}`,
      "  hmac_key: file:recording.key",
      "approvals:",
      `  sqlite: ${JSON.stringify(join(workDir, "approvals.db"))}`,
      "admin:",
      `  address: "${host}:${adminPort}"`,
      "masking:",
      "  hash_key: file:mask-hash.key",
    ].join("\n");
    writeFileSync(join(workDir, "portcullis.yaml"), yaml + "\n");
    const parsed = parseConfig(yaml, { baseDir: workDir });
    if ("errors" in parsed) throw new Error(`demo config: ${parsed.errors.map((e) => formatConfigError(e)).join("; ")}`);
    const gateway = await startGateway(parsed.config, { log, ...(tls ? {} : { allowPlaintextPassword: true }) });
    const address = gateway.listeners[0]!.address;
    const tokens = {
      human: await issuer.mint({ sub: "dana", email: "dana@example.com", groups: ["dba"], ttlSeconds: 8 * 3600 }),
      agent: await issuer.mint({ sub: "coding-agent-1", groups: ["agents"], agent: true, ttlSeconds: 8 * 3600 }),
    };
    return {
      gateway,
      host: address.address,
      port: address.port,
      workDir,
      tls: tls !== null,
      tokens,
      adminUrl: gateway.adminUrl ?? "",
      recordings: { dir: join(workDir, "recordings"), keyFile: recordingKeyFile },
      async close() {
        await gateway.close();
        await issuer.close();
        await upstream.stop();
        rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await issuer.close().catch(() => {});
    await upstream.stop().catch(() => {});
    throw error;
  }
}
