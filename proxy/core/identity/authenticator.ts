/**
 * Stage 1 and the entry point: `createAuthenticator(config).authenticate(token)`.
 *
 * Before any key is touched, the token's unverified header and payload are read only to
 * refuse what can never be valid (`alg: none`, symmetric HS* algorithms, JWE) and to pick
 * the provider whose `issuer` equals the token's `iss`. Everything else is decided by the
 * signature check in verify.ts with that provider's keys, so an attacker choosing the
 * `iss` gains nothing but a different set of keys it cannot sign for.
 */
import { decodeJwt, decodeProtectedHeader } from "jose";
import type { Authenticator, Identity } from "../contracts.js";
import { checkJwksUrl } from "./fetch.js";
import { KeySource, printable } from "./jwks.js";
import { toIdentity } from "./mapping.js";
import { AuthError, DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS, type AuthenticatorOptions, type IdentityConfig, type ProviderConfig } from "./types.js";
import { verifyToken } from "./verify.js";

export const DEFAULT_CLOCK_SKEW_SECONDS = 30;
const DEFAULT_FETCH_TIMEOUT_MS = 5000;
/** Real OIDC tokens are a few KiB; refusing huge ones early bounds the work per attempt. */
const MAX_TOKEN_LENGTH = 16 * 1024;

/** Problems that make an identity config unusable, as `providers[i].field: problem` lines. */
export function identityConfigProblems(config: IdentityConfig): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  config.providers.forEach((p, i) => {
    const at = `providers[${i}]`;
    if (seen.has(p.issuer)) problems.push(`${at}.issuer: issuer ${p.issuer} is configured twice`);
    seen.add(p.issuer);
    if ((p.jwksFile === undefined) === (p.jwksUrl === undefined)) problems.push(`${at}: exactly one of jwks_file and jwks_url is required`);
    if (p.jwksUrl !== undefined) {
      const why = checkJwksUrl(p.jwksUrl, p.allowInsecureHttp ?? false);
      if (why) problems.push(`${at}.jwks_url: ${why}`);
    }
    for (const alg of p.algorithms ?? []) {
      if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg)) problems.push(`${at}.algorithms: ${printable(String(alg))} is not allowed (asymmetric algorithms only: ${SUPPORTED_ALGORITHMS.join(", ")})`);
    }
    if (p.algorithms && p.algorithms.length === 0) problems.push(`${at}.algorithms: must not be empty`);
  });
  if (config.providers.length === 0) problems.push("providers: at least one identity provider is required");
  return problems;
}

export function createAuthenticator(config: IdentityConfig, options: AuthenticatorOptions = {}): Authenticator {
  const problems = identityConfigProblems(config);
  if (problems.length > 0) throw new RangeError(`invalid identity config: ${problems.join("; ")}`);
  const now = options.now ?? (() => new Date());
  const fetchTimeoutMs = options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const clockSkewSeconds = config.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const byIssuer = new Map<string, { provider: ProviderConfig; keys: KeySource }>();
  for (const provider of config.providers) byIssuer.set(provider.issuer, { provider, keys: new KeySource(provider, { now, fetchTimeoutMs }) });

  return {
    async authenticate(token: string): Promise<{ identity: Identity } | { error: string }> {
      try {
        const { alg, iss } = peek(token);
        const entry = byIssuer.get(iss);
        if (!entry) return { error: `unknown issuer ${printable(iss)}` };
        const allowed: readonly string[] = entry.provider.algorithms ?? DEFAULT_ALGORITHMS;
        if (!allowed.includes(alg)) return { error: `algorithm ${printable(alg)} is not allowed for issuer ${entry.provider.issuer}` };
        const claims = await verifyToken(token, entry.provider, entry.keys, { clockSkewSeconds, now: now() });
        return { identity: toIdentity(claims as Record<string, unknown>, entry.provider) };
      } catch (e) {
        return { error: e instanceof AuthError ? e.message : "token verification failed" };
      }
    },
  };
}

/** The unverified `alg` and `iss`, after refusing what no provider may accept. */
function peek(token: string): { alg: string; iss: string } {
  if (typeof token !== "string" || token.trim() === "") throw new AuthError("no token given (put the OIDC token in the password field)");
  token = token.trim();
  if (token.length > MAX_TOKEN_LENGTH) throw new AuthError(`token longer than ${MAX_TOKEN_LENGTH} characters`);
  const parts = token.split(".").length;
  if (parts === 5) throw new AuthError("encrypted tokens (JWE) are not supported");
  if (parts !== 3) throw new AuthError("malformed token: not a JWT (expected three dot-separated parts)");
  let header: ReturnType<typeof decodeProtectedHeader>;
  let payload: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new AuthError("malformed token: the header is not base64url JSON");
  }
  if (typeof header.alg !== "string" || header.alg === "") throw new AuthError("malformed token: the header has no alg");
  if (header.alg.toLowerCase() === "none") throw new AuthError("algorithm none is not allowed");
  if (/^HS\d+$/i.test(header.alg)) throw new AuthError(`algorithm ${printable(header.alg)} is not allowed (symmetric algorithms are never accepted)`);
  try {
    payload = decodeJwt(token);
  } catch {
    throw new AuthError("malformed token: the payload is not base64url JSON");
  }
  if (typeof payload.iss !== "string" || payload.iss === "") throw new AuthError("token has no iss claim");
  return { alg: header.alg, iss: payload.iss };
}
