/**
 * The gateway's configuration after validation: every default applied, every relative path
 * made absolute (from the config file's folder), every secret resolved into a `Secret`.
 * Field names are those of the YAML file (README.md documents each one).
 */
import type { Secret } from "./secret.js";

export type Protocol = "postgres" | "mysql" | "ssh" | "kube";

export interface Config {
  listeners: Listener[];
  connections: Connection[];
  identity: IdentitySection;
  policy: PolicySection;
  /** Absent: no decision log is written. */
  decision_log?: DecisionLogSection;
  /** Absent: sessions are not recorded. */
  recording?: RecordingSection;
  /** Absent: no admin HTTP API. */
  admin?: AdminSection;
  /** Absent: statements that need an approval are denied ("approvals are not configured"). */
  approvals?: ApprovalsSection;
  /** Absent: `hash` masking uses a key made at start-up (hashes change when the gateway restarts). */
  masking?: MaskingSection;
}

export interface Listener {
  /** Default: the type of the connection it serves. */
  protocol: Protocol;
  /** `host:port` to listen on. */
  address: string;
  /** Name of the connection (upstream) this listener serves. */
  connection: string;
  tls?: ListenerTls;
}

export interface ListenerTls {
  cert: string;
  key: string;
  /** Refuse clients that do not switch to TLS. Default false. */
  require_tls: boolean;
}

export type ApprovalMode = "hold" | "defer";

export interface Connection {
  /** Unique; letters, digits, `_` and `-`. Shown to policies as `input.connection.name`. */
  name: string;
  type: Protocol;
  /** Free labels for policies (`input.connection.tags`), e.g. `env: production`. */
  tags: Record<string, string>;
  upstream: Upstream;
  /** `hold`: keep the request open until approved or timed out; `defer`: refuse now, allow the retry once approved. Default hold. */
  approval_mode: ApprovalMode;
  /** Default 300. */
  hold_timeout_seconds: number;
}

export type Upstream = PostgresUpstream | MysqlUpstream | SshUpstream | KubeUpstream;

export type UpstreamTlsMode = "disable" | "require" | "verify-full";

export interface UpstreamTls {
  /** Default `disable` for loopback hosts, `verify-full` otherwise. */
  mode: UpstreamTlsMode;
  /** CA bundle for `verify-full`; default the system's. */
  ca?: string;
}

export interface PostgresUpstream {
  kind: "postgres";
  host: string;
  /** Default 5432. */
  port: number;
  database: string;
  user: string;
  password?: Secret;
  /** How the gateway authenticates upstream. Default `scram-sha-256`. */
  auth: "trust" | "password" | "md5" | "scram-sha-256";
  tls: UpstreamTls;
}

export interface MysqlUpstream {
  kind: "mysql";
  host: string;
  /** Default 3306. */
  port: number;
  database?: string;
  user: string;
  password?: Secret;
  /** Default `caching_sha2_password`. */
  auth: "mysql_native_password" | "caching_sha2_password";
  tls: UpstreamTls;
}

export interface SshUpstream {
  kind: "ssh";
  host: string;
  /** Default 22. */
  port: number;
  user: string;
  /** Exactly one of `password` and `private_key`. */
  password?: Secret;
  private_key?: Secret;
  /** The host's public key (`ssh-ed25519 AAAA…`) or fingerprint (`SHA256:…`); required, so the gateway cannot be man-in-the-middled. */
  host_key: string;
}

export interface KubeUpstream {
  kind: "kube";
  /** The API server's `https://` URL. */
  server: string;
  /** Bearer token; or a client certificate (`client_cert` + `client_key`). */
  token?: Secret;
  client_cert?: string;
  client_key?: Secret;
  ca?: string;
}

export interface IdentitySection {
  providers: Provider[];
  /** Tolerance for `exp`/`nbf`. Default 30. */
  clock_skew_seconds: number;
}

export interface Provider {
  issuer: string;
  audience: string;
  jwks_file?: string;
  jwks_url?: string;
  /** CA file trusted for `jwks_url`, in addition to the system's. */
  jwks_ca?: string;
  /** Tests only: `http://` JWKS URLs on loopback. Default false. */
  allow_insecure_http: boolean;
  /** Default RS256, ES256, EdDSA. */
  algorithms: string[];
  /** Default `groups`. */
  groups_claim: string;
  agent?: { claim?: string; values?: (string | number | boolean)[]; groups?: string[] };
  /** Default 600. */
  cache_ttl_seconds: number;
  /** Default 30. */
  min_refresh_interval_seconds: number;
}

export interface PolicySection {
  /** A git-tracked policy directory, hot-reloaded. Exactly one of `dir` and `bundle`. */
  dir?: string;
  /** A bundle file CI drops in place; requires `verification_key`. */
  bundle?: string;
  /** PEM public key (or HS* shared secret) the bundle's signature must verify with. */
  verification_key?: Secret;
  /** Default: inferred from the key. */
  verification_alg?: string;
  /** Default `portcullis/decision`. */
  entrypoint: string;
  /** Run the policies' `test_*` rules before activating a new version. Default true. */
  test_gate: boolean;
}

export interface DecisionLogSection {
  path: string;
  /** Paths (`/input/...`, `/result/...`) removed from every line. */
  erase: string[];
  /** Paths replaced by a marker or an HMAC. */
  mask: (string | { path: string; method: "marker" | "hmac" })[];
  /** Key of the `hmac` method; required when any mask uses it. */
  hmac_key?: Secret;
}

export interface RecordingSection {
  dir: string;
  /** HMAC-SHA-256 key signing every recorded line (`portcullis verify --key-file` checks them). */
  hmac_key: Secret;
}

export interface AdminSection {
  address: string;
  /** The admin API refuses a non-loopback address unless this is set. Default false. */
  allow_non_loopback: boolean;
}

/** Where approval requests live: exactly one of `sqlite` (a file, the default kind) and `postgres` (shared by several gateways). */
export interface ApprovalsSection {
  sqlite?: string;
  /** `postgres://user:password@host:port/db` (a secret: it holds a password). */
  postgres?: Secret;
  /** JSON POST (Slack-compatible `text`) on every new request and outcome. */
  webhook_url?: string;
}

export interface MaskingSection {
  /** Key of the `hash` masking method (HMAC-SHA-256): keep it stable so hashes join across sessions and restarts. */
  hash_key?: Secret;
}
