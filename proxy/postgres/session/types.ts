/**
 * The gateway's configuration and the small records its stages share.
 */
import type { SecureContextOptions } from "node:tls";
import type { Authenticator, ConnectionInfo, Decider, DecisionRecord } from "../../core/contracts.js";
import type { Approvals } from "../../core/approvals/index.js";

/** How the gateway reaches the real PostgreSQL; credentials never leave the gateway. */
export interface UpstreamConfig {
  host: string;
  port: number;
  user: string;
  /** For cleartext, md5 or SCRAM-SHA-256, whichever the server asks for; absent for trust. */
  password?: string;
  /** The database to open; when absent, the one the client asked for. */
  database?: string;
  /** `disable` (default), `require` (encrypted, certificate not checked), `verify-full` (CA + host name). */
  tls?: "disable" | "require" | "verify-full";
  /** PEM CA bundle for `verify-full`. */
  ca?: string | Buffer;
  /** Give up on an unresponsive upstream after this long (default 10 s). */
  connectTimeoutMs?: number;
}

export interface GatewayOptions {
  upstream: UpstreamConfig;
  /** `input.connection`: the name and tags policies see. */
  connection: ConnectionInfo;
  decider: Decider;
  authenticator: Authenticator;
  /** Certificate and key answering `SSLRequest`; without them the gateway declines TLS. */
  tls?: Pick<SecureContextOptions, "cert" | "key" | "ca" | "minVersion">;
  /** Refuse clients that do not negotiate TLS (cancel requests are still accepted, as PostgreSQL does). */
  requireTls?: boolean;
  /**
   * Accept a token over a plaintext connection. Only for loopback tests: the token is a
   * bearer credential.
   */
  allowPlaintextPassword?: boolean;
  /**
   * Any value that changes whenever the active policy changes (the policy watcher's
   * generation, say). When given, decisions on parameterless requests are cached per
   * session by statement text and this version; without it nothing is cached.
   */
  policyVersion?: () => string | number | undefined;
  /**
   * Whether the active policy depends on Bind parameters (`input.request.params`, or a
   * statement's `limit`, which a `LIMIT $1` takes from them). When it returns false, a Bind
   * is not decided again: the decision on its Parse stands. Default: always decide Binds that
   * carry parameters.
   */
  policyReadsParams?: () => boolean;
  /**
   * Masking: decision `mask` rules applied to DataRows; `hashKey` keys the `hash` method
   * (HMAC-SHA-256). Without it, a statement whose decision carries mask rules is refused
   * (fail closed: unmasked data must not flow because masking was left unconfigured).
   */
  masking?: { hashKey: Buffer };
  /** Approvals: the workflow from proxy/core/approvals (createApprovals(...)); mode and hold timeout from the connection's config. */
  approvals?: { workflow: Approvals; mode: "hold" | "defer"; holdTimeoutMs: number };
  /** Recording: one tamper-evident JSON-lines file per session (proxy/core/recording). `secrets` are scrubbed from every line. */
  recording?: { dir: string; key: Buffer; secrets: string[] };
  /** Where the gateway reports connection-level events; never receives credentials. */
  log?: (event: GatewayLogEvent) => void;
}

/** One line of the gateway's own log. Messages never contain upstream credentials or tokens. */
export interface GatewayLogEvent {
  level: "info" | "warn" | "error";
  session?: string;
  message: string;
}

/** What a session keeps about the upstream backend, for routing cancel requests. */
export interface BackendKey {
  processId: number;
  secretKey: Buffer;
}

/**
 * The seam where a non-allow decision turns into what the client sees. Approvals are
 * refused for now; the approvals workflow will hold or defer here instead.
 */
export type Refusal = { sqlstate: string; message: string; record: DecisionRecord };
