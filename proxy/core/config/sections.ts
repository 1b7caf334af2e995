/**
 * The schema of each section of `portcullis.yaml`, in file order: listeners, connections,
 * identity, policy, decision_log, recording, admin. Rules that span sections (a listener
 * naming a connection) live in load.ts.
 */
import { parseMaskPath } from "../../../engine/decisionlog/index.js";
import { checkJwksUrl, isLoopbackHost } from "../identity/fetch.js";
import { DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS } from "../identity/types.js";
import {
  address, always, boolean, creatableFile, dflt, existingDir, existingFile, fail, filePath, integer, INVALID, isMapping, list, mapOf, object, oneOf, opt, req, shown, string,
  type Context, type Path, type Validator,
} from "./schema.js";
import { secret } from "./secret.js";
import type {
  AdminSection, Connection, DecisionLogSection, IdentitySection, KubeUpstream, Listener, MysqlUpstream, PolicySection, PostgresUpstream, Protocol,
  Provider, RecordingSection, ApprovalsSection, MaskingSection, SshUpstream, Upstream, UpstreamTls,
} from "./types.js";

export const PROTOCOLS: readonly Protocol[] = ["postgres", "mysql", "ssh", "kube"];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const DAY = 86_400;

// ── listeners ──────────────────────────────────────────────────────────────────────────

const listenerTls = object<{ cert: string; key: string; require_tls: boolean }>({
  cert: req(existingFile),
  key: req(existingFile),
  require_tls: dflt(boolean, false),
});

/** `protocol` is filled in from the connection by load.ts when left out. */
export const listener = object<Omit<Listener, "protocol"> & { protocol?: Protocol }>({
  protocol: opt(oneOf(PROTOCOLS)),
  address: req(address),
  connection: req(string({ pattern: NAME, what: "a connection name" })),
  tls: opt(listenerTls),
});

// ── connections ────────────────────────────────────────────────────────────────────────

/** TLS to the upstream; the default depends on whether the host is loopback. */
function upstreamTls(host: unknown): Validator<UpstreamTls> {
  const mode = typeof host === "string" && isLoopbackHost(host) ? "disable" : "verify-full";
  const check = object<UpstreamTls>({ mode: dflt(oneOf(["disable", "require", "verify-full"] as const), mode), ca: opt(existingFile) }, (t, at, cx) =>
    t.ca !== undefined && t.mode === "disable" ? (fail(cx, [...at, "ca"], "has no effect with mode disable"), false) : true,
  );
  return (v, at, cx) => (v === undefined || v === null ? { mode } : check(v, at, cx));
}

const host = string({ what: "a host name or address" });

/** Validates fields whose check depends on a sibling (`tls` on `host`). */
function withHost<T>(shape: (raw: Record<string, unknown>) => Validator<T>): Validator<T> {
  return (v, at, cx) => (isMapping(v) ? shape(v)(v, at, cx) : fail(cx, at, `expected a mapping, got ${shown(v)}`));
}

const postgresUpstream: Validator<Omit<PostgresUpstream, "kind">> = withHost((raw) =>
  object<Omit<PostgresUpstream, "kind">>(
    {
      host: req(host),
      port: dflt(integer(1, 65535), 5432),
      database: req(string()),
      user: req(string()),
      password: opt(secret),
      auth: dflt(oneOf(["trust", "password", "md5", "scram-sha-256"] as const), "scram-sha-256"),
      tls: always(upstreamTls(raw.host) as Validator<unknown>),
    },
    (u, at, cx) => passwordMatchesAuth(u.auth !== "trust", u.password !== undefined, `auth ${u.auth}`, at, cx),
  ),
);

const mysqlUpstream: Validator<Omit<MysqlUpstream, "kind">> = withHost((raw) =>
  object<Omit<MysqlUpstream, "kind">>({
    host: req(host),
    port: dflt(integer(1, 65535), 3306),
    database: opt(string()),
    user: req(string()),
    password: opt(secret),
    auth: dflt(oneOf(["mysql_native_password", "caching_sha2_password"] as const), "caching_sha2_password"),
    tls: always(upstreamTls(raw.host) as Validator<unknown>),
  }),
);

const sshUpstream = object<Omit<SshUpstream, "kind">>(
  {
    host: req(host),
    port: dflt(integer(1, 65535), 22),
    user: req(string()),
    password: opt(secret),
    private_key: opt(secret),
    host_key: req(string({ pattern: /^(SHA256:[A-Za-z0-9+/]{43}=?|(ssh|ecdsa|sk)-[A-Za-z0-9@.-]+ [A-Za-z0-9+/]+=*( .*)?)$/, what: 'a host key ("ssh-ed25519 AAAA…") or fingerprint ("SHA256:…")' })),
  },
  (u, at, cx) => ((u.password === undefined) === (u.private_key === undefined) ? (fail(cx, at, "exactly one of password and private_key is required"), false) : true),
);

const kubeUpstream = object<Omit<KubeUpstream, "kind">>(
  {
    server: req(string({ pattern: /^https:\/\/[^/\s]+/, what: "an https:// URL" })),
    token: opt(secret),
    client_cert: opt(existingFile),
    client_key: opt(secret),
    ca: opt(existingFile),
  },
  (u, at, cx) => {
    const cert = u.client_cert !== undefined || u.client_key !== undefined;
    if (cert && (u.client_cert === undefined || u.client_key === undefined)) return fail(cx, at, "client_cert and client_key go together"), false;
    if (cert === (u.token !== undefined)) return fail(cx, at, "exactly one of token and client_cert/client_key is required"), false;
    return true;
  },
);

function passwordMatchesAuth(needs: boolean, has: boolean, what: string, at: Path, cx: Context): boolean {
  if (needs && !has) return fail(cx, [...at, "password"], `is required with ${what}`), false;
  if (!needs && has) return fail(cx, [...at, "password"], `is not used with ${what}; remove it`), false;
  return true;
}

const upstreams: Record<Protocol, Validator<unknown>> = {
  postgres: postgresUpstream,
  mysql: mysqlUpstream,
  ssh: sshUpstream,
  kube: kubeUpstream,
};

/** The upstream's fields depend on `type`; with a bad `type` only that error is reported. */
export const connection: Validator<Connection> = (v, at, cx) => {
  if (!isMapping(v)) return fail(cx, at, `expected a mapping, got ${shown(v)}`);
  const type = typeof v.type === "string" && (PROTOCOLS as readonly string[]).includes(v.type) ? (v.type as Protocol) : undefined;
  const upstream: Validator<Upstream> = (u, p, c) => {
    if (type === undefined) return INVALID;
    const r = upstreams[type](u, p, c);
    return r === INVALID ? r : ({ kind: type, ...(r as object) } as Upstream);
  };
  return object<Connection>({
    name: req(string({ pattern: NAME, what: "a name of letters, digits, _ and - (at most 63)" })),
    type: req(oneOf(PROTOCOLS)),
    tags: dflt(mapOf(string({ nonEmpty: false, what: 'a string (quote numbers and booleans: "1", "true")' })), {}),
    upstream: req(upstream),
    approval_mode: dflt(oneOf(["hold", "defer"] as const), "hold"),
    hold_timeout_seconds: dflt(integer(1, DAY), 300),
  })(v, at, cx);
};

// ── identity ───────────────────────────────────────────────────────────────────────────

const agentRule = object<NonNullable<Provider["agent"]>>(
  {
    claim: opt(string()),
    values: opt(list((x, at, cx) => (typeof x === "string" || typeof x === "number" || typeof x === "boolean" ? x : fail(cx, at, `expected a string, number or boolean, got ${shown(x)}`)), { minItems: 1 })),
    groups: opt(list(string(), { minItems: 1 })),
  },
  (a, at, cx) => {
    if (a.claim === undefined && a.groups === undefined) return fail(cx, at, "needs a claim or groups"), false;
    if (a.values !== undefined && a.claim === undefined) return fail(cx, [...at, "values"], "needs a claim"), false;
    return true;
  },
);

const algorithm: Validator<string> = (v, at, cx) => {
  if (typeof v === "string" && (v.toLowerCase() === "none" || /^HS\d+$/i.test(v))) {
    return fail(cx, at, `${v} is never allowed for OIDC tokens (asymmetric algorithms only: ${SUPPORTED_ALGORITHMS.join(", ")})`);
  }
  return oneOf(SUPPORTED_ALGORITHMS)(v, at, cx);
};

const provider = object<Provider>(
  {
    issuer: req(string({ pattern: /^https?:\/\/\S+$/, what: "an issuer URL" })),
    audience: req(string()),
    jwks_file: opt(existingFile),
    jwks_url: opt(string({ what: "an https:// URL" })),
    jwks_ca: opt(existingFile),
    allow_insecure_http: dflt(boolean, false),
    algorithms: dflt(list(algorithm, { minItems: 1 }), [...DEFAULT_ALGORITHMS]),
    groups_claim: dflt(string(), "groups"),
    agent: opt(agentRule),
    cache_ttl_seconds: dflt(integer(0, DAY), 600),
    min_refresh_interval_seconds: dflt(integer(0, DAY), 30),
  },
  (p, at, cx) => {
    if ((p.jwks_file === undefined) === (p.jwks_url === undefined)) return fail(cx, at, "exactly one of jwks_file and jwks_url is required"), false;
    if (p.jwks_url !== undefined) {
      const why = checkJwksUrl(p.jwks_url, p.allow_insecure_http);
      if (why) return fail(cx, [...at, "jwks_url"], why), false;
    }
    if (p.jwks_ca !== undefined && p.jwks_url === undefined) return fail(cx, [...at, "jwks_ca"], "needs jwks_url"), false;
    return true;
  },
);

export const identity = object<IdentitySection>(
  {
    providers: req(list(provider, { minItems: 1 })),
    clock_skew_seconds: dflt(integer(0, 600), 30),
  },
  (s, at, cx) => {
    const seen = new Set<string>();
    let ok = true;
    s.providers.forEach((p, i) => {
      if (seen.has(p.issuer)) ok = (fail(cx, [...at, "providers", i, "issuer"], `issuer ${p.issuer} is configured twice`), false);
      seen.add(p.issuer);
    });
    return ok;
  },
);

// ── policy ─────────────────────────────────────────────────────────────────────────────

const SIGNING_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512"] as const;

export const policy = object<PolicySection>(
  {
    dir: opt(existingDir),
    // Not checked: CI may drop the bundle in place after the gateway starts.
    bundle: opt(filePath),
    verification_key: opt(secret),
    verification_alg: opt(oneOf(SIGNING_ALGS)),
    entrypoint: dflt(string({ pattern: /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/, what: 'a rule path such as "portcullis/decision"' }), "portcullis/decision"),
    test_gate: dflt(boolean, true),
  },
  (p, at, cx) => {
    if ((p.dir === undefined) === (p.bundle === undefined)) return fail(cx, at, "exactly one of dir and bundle is required"), false;
    if (p.bundle !== undefined && p.verification_key === undefined) return fail(cx, [...at, "verification_key"], "is required with bundle (only signed bundles are loaded)"), false;
    if (p.dir !== undefined && (p.verification_key !== undefined || p.verification_alg !== undefined)) {
      return fail(cx, [...at, p.verification_key !== undefined ? "verification_key" : "verification_alg"], "applies only to bundle"), false;
    }
    return true;
  },
);

// ── decision_log, recording, admin ─────────────────────────────────────────────────────

const maskPath: Validator<string> = (v, at, cx) => {
  const s = string({ what: 'a path such as "/input/request/params"' })(v, at, cx);
  if (s === INVALID) return s;
  const parsed = parseMaskPath(s);
  return typeof parsed === "string" ? fail(cx, at, parsed) : s;
};

const maskEntry: Validator<DecisionLogSection["mask"][number]> = (v, at, cx) =>
  typeof v === "string" ? maskPath(v, at, cx) : object<{ path: string; method: "marker" | "hmac" }>({ path: req(maskPath), method: dflt(oneOf(["marker", "hmac"] as const), "marker") })(v, at, cx);

export const decisionLog = object<DecisionLogSection>(
  {
    path: req(creatableFile),
    erase: dflt(list(maskPath), []),
    mask: dflt(list(maskEntry), []),
    hmac_key: opt(secret),
  },
  (d, at, cx) => {
    const usesHmac = d.mask.some((m) => typeof m === "object" && m.method === "hmac");
    if (usesHmac && d.hmac_key === undefined) return fail(cx, [...at, "hmac_key"], "is required when a mask uses method hmac"), false;
    return true;
  },
);

export const recording = object<RecordingSection>({ dir: req(filePath), hmac_key: req(secret) });

export const admin = object<AdminSection>({ address: req(address), allow_non_loopback: dflt(boolean, false) });

// ── approvals, masking ─────────────────────────────────────────────────────────────────

export const approvals = object<ApprovalsSection>(
  {
    sqlite: opt(creatableFile),
    postgres: opt(secret),
    webhook_url: opt(string({ pattern: /^https?:\/\/\S+$/, what: "an http(s) URL" })),
  },
  (a, at, cx) => {
    if ((a.sqlite === undefined) === (a.postgres === undefined)) return fail(cx, at, "needs exactly one of sqlite (a file) and postgres (a URL)"), false;
    return true;
  },
);

export const masking = object<MaskingSection>({ hash_key: opt(secret) });
