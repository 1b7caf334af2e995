/**
 * The gateway process, composed from a validated config: the hot-reloaded policy, the
 * decider (with its decision log), the authenticator, and one listener per configured
 * front end. This is the composition root: the only place that knows every protocol;
 * the protocol folders know only `proxy/core`.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { PolicyWatcher, formatProblem } from "../../engine/watch/index.js";
import { DecisionLogger, LineSink } from "../../engine/decisionlog/index.js";
import { PolicyDecider } from "../core/decider.js";
import { createAuthenticator } from "../core/identity/index.js";
import { toConnectionInfo, toIdentityConfig, toMaskConfig, type Config, type Connection, type Listener } from "../core/config/index.js";
import { createApprovals, createWebhook, openApprovalStore, type Approvals } from "../core/approvals/index.js";
import { startAdminServer } from "../core/admin/index.js";
import { PostgresGateway } from "../postgres/index.js";

/** How often expired approval requests are swept (so their webhooks go out on time). */
const APPROVAL_SWEEP_MS = 60_000;

/** One line of the gateway's own log (never a credential or a token). */
export interface RuntimeLogEvent {
  level: "info" | "warn" | "error";
  source: string;
  message: string;
}

export interface RunningListener {
  protocol: Listener["protocol"];
  connection: string;
  address: AddressInfo;
}

export interface RunningGateway {
  listeners: RunningListener[];
  /** The admin HTTP API's URL, when configured (`admin.address`). */
  adminUrl?: string;
  /** The active policy's revision, or null before the first good load. */
  revision(): string | null;
  /** Stops accepting, drains sessions (at most `graceMs`), closes the policy watcher and the decision log. */
  close(graceMs?: number): Promise<void>;
}

export interface RuntimeOptions {
  log?: (event: RuntimeLogEvent) => void;
  /** Accept tokens over plaintext connections (loopback demos and tests only). */
  allowPlaintextPassword?: boolean;
}

/** A listener's `host:port` (IPv6 hosts in brackets). */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(address);
  if (!m) throw new Error(`invalid listener address '${address}' (expected host:port)`);
  return { host: m[1]!, port: Number(m[2]) };
}

export async function startGateway(config: Config, options: RuntimeOptions = {}): Promise<RunningGateway> {
  const log = options.log ?? (() => {});
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  };
  try {
    const watcher = await PolicyWatcher.open({
      ...(config.policy.dir !== undefined ? { dir: config.policy.dir } : { bundle: config.policy.bundle! }),
      entrypoints: [config.policy.entrypoint],
      test: config.policy.test_gate,
      ...(config.policy.verification_key !== undefined
        ? { verification: { key: config.policy.verification_key.reveal(), ...(config.policy.verification_alg ? { alg: config.policy.verification_alg as never } : {}) } }
        : {}),
      logger: (record) => log({ level: record.level === "error" ? "error" : record.level === "warn" ? "warn" : "info", source: "policy", message: record.message }),
    });
    closers.push(() => watcher.close());
    watcher.on("reloaded", (e) => log({ level: "info", source: "policy", message: `policy ${e.revision} active (generation ${e.generation}, ${Math.round(e.durationMs)} ms)` }));
    watcher.on("rejected", (e) =>
      log({ level: "error", source: "policy", message: `policy ${e.revision ?? "?"} rejected at ${e.stage}; still serving ${e.activeRevision ?? "nothing"}:\n${e.problems.map(formatProblem).join("\n")}` }),
    );
    if (!watcher.current()) log({ level: "error", source: "policy", message: "no policy could be loaded yet: every request is denied until one is" });

    let decisionLogger: DecisionLogger | undefined;
    if (config.decision_log) {
      const created = DecisionLogger.create({ sink: LineSink.toFile(config.decision_log.path), mask: toMaskConfig(config.decision_log) });
      if (!created.logger) throw new Error(`decision_log: ${created.errors.join("; ")}`);
      decisionLogger = created.logger;
      closers.push(() => created.logger!.close());
    }
    const decider = new PolicyDecider(watcher, decisionLogger ? { log: decisionLogger } : {});
    const authenticator = createAuthenticator(toIdentityConfig(config.identity));

    let approvals: Approvals | undefined;
    if (config.approvals) {
      const store = openApprovalStore(config.approvals.sqlite !== undefined ? { sqlite: config.approvals.sqlite } : { postgres: config.approvals.postgres!.reveal() });
      const webhook = config.approvals.webhook_url !== undefined
        ? createWebhook({ url: config.approvals.webhook_url, onError: (m) => log({ level: "warn", source: "approvals", message: `webhook: ${m}` }) })
        : undefined;
      approvals = createApprovals({ store, ...(webhook ? { webhook } : {}) });
      const sweeper = setInterval(() => void approvals!.sweep().catch(() => {}), APPROVAL_SWEEP_MS);
      sweeper.unref();
      closers.push(async () => {
        clearInterval(sweeper);
        await webhook?.close();
        await store.close();
      });
    } else {
      log({ level: "info", source: "approvals", message: "no approvals section: statements that need an approval are denied" });
    }
    let adminUrl: string | undefined;
    if (config.admin) {
      if (!approvals) throw new Error("admin: the admin API serves approvals; configure an approvals section");
      const admin = await startAdminServer({ approvals, authenticator, address: config.admin.address, allowNonLoopback: config.admin.allow_non_loopback });
      closers.push(() => admin.close());
      adminUrl = admin.url;
      log({ level: "info", source: "admin", message: `admin API on ${admin.url}` });
    }

    const hashKey = config.masking?.hash_key !== undefined ? Buffer.from(config.masking.hash_key.reveal()) : randomBytes(32);
    if (config.masking?.hash_key === undefined) {
      log({ level: "warn", source: "masking", message: "no masking.hash_key: hashed values use a key made at start-up and change when the gateway restarts" });
    }
    /** Every credential the gateway holds, scrubbed from recordings as a last line of defence. */
    const secrets = config.connections.flatMap((c) => {
      const u = c.upstream as { password?: { reveal(): string }; private_key?: { reveal(): string }; token?: { reveal(): string } };
      return [u.password, u.private_key, u.token].filter((x) => x !== undefined).map((x) => x.reveal());
    });

    const listeners: RunningListener[] = [];
    for (const listener of config.listeners) {
      const connection = config.connections.find((c) => c.name === listener.connection)!;
      const started = await startListener(listener, connection, { decider, authenticator, watcher, log, options, approvals, hashKey, secrets, recording: config.recording });
      closers.push(started.close);
      listeners.push({ protocol: listener.protocol, connection: connection.name, address: started.address });
      log({ level: "info", source: listener.protocol, message: `listening on ${started.address.address}:${started.address.port} for connection ${connection.name}` });
    }

    return {
      listeners,
      ...(adminUrl !== undefined ? { adminUrl } : {}),
      revision: () => watcher.current()?.revision ?? null,
      async close() {
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

interface Shared {
  decider: PolicyDecider;
  authenticator: ReturnType<typeof createAuthenticator>;
  watcher: PolicyWatcher;
  log: (event: RuntimeLogEvent) => void;
  options: RuntimeOptions;
  approvals: Approvals | undefined;
  hashKey: Buffer;
  secrets: string[];
  recording: Config["recording"];
}

async function startListener(listener: Listener, connection: Connection, shared: Shared): Promise<{ address: AddressInfo; close: () => Promise<void> }> {
  const { host, port } = parseAddress(listener.address);
  switch (listener.protocol) {
    case "postgres": {
      const upstream = connection.upstream;
      if (upstream.kind !== "postgres") throw new Error(`listener ${listener.address}: connection ${connection.name} is not a postgres connection`);
      const gateway = new PostgresGateway({
        upstream: {
          host: upstream.host,
          port: upstream.port,
          user: upstream.user,
          database: upstream.database,
          ...(upstream.password !== undefined ? { password: upstream.password.reveal() } : {}),
          tls: upstream.tls.mode,
          ...(upstream.tls.ca !== undefined ? { ca: readFileSync(upstream.tls.ca) } : {}),
        },
        connection: toConnectionInfo(connection),
        decider: shared.decider,
        authenticator: shared.authenticator,
        ...(listener.tls ? { tls: { cert: readFileSync(listener.tls.cert), key: readFileSync(listener.tls.key) }, requireTls: listener.tls.require_tls } : {}),
        ...(shared.options.allowPlaintextPassword ? { allowPlaintextPassword: true } : {}),
        policyVersion: () => shared.watcher.current()?.generation,
        masking: { hashKey: shared.hashKey },
        ...(shared.approvals
          ? { approvals: { workflow: shared.approvals, mode: connection.approval_mode, holdTimeoutMs: connection.hold_timeout_seconds * 1000 } }
          : {}),
        ...(shared.recording
          ? { recording: { dir: shared.recording.dir, key: Buffer.from(shared.recording.hmac_key.reveal()), secrets: shared.secrets } }
          : {}),
        log: (e) => shared.log({ level: e.level, source: "postgres", message: e.message }),
      });
      const address = await gateway.listen({ host, port });
      return { address, close: () => gateway.close() };
    }
    default:
      throw new Error(`listener ${listener.address}: the ${listener.protocol} front end is not built yet (only postgres is)`);
  }
}
