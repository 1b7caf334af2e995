/**
 * The data types of token verification, shared by every stage of `proxy/core/identity/`.
 *
 * Pipeline: the token's unverified header and `iss` choose a provider (authenticator.ts)
 * → its key source yields the signing key, refetching on an unknown `kid` (jwks.ts over
 * fetch.ts) → jose checks signature and claims (verify.ts) → the verified claims become an
 * `Identity` (mapping.ts). Nothing here knows about a protocol: PostgreSQL, MySQL, SSH and
 * Kubernetes front ends all call the same `Authenticator`.
 */

/** Signature algorithms a provider may allow. Symmetric (HS*) and `none` are never among them. */
export type AsymmetricAlg = "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "ES256" | "ES384" | "ES512" | "EdDSA" | "Ed25519";

export const SUPPORTED_ALGORITHMS: readonly AsymmetricAlg[] = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];

export const DEFAULT_ALGORITHMS: readonly AsymmetricAlg[] = ["RS256", "ES256", "EdDSA"];

/** How AI agents are told apart from people. Any one rule that matches marks the identity. */
export interface AgentRule {
  /** Claim to inspect (dotted path allowed), e.g. `azp` or `act`. */
  claim?: string;
  /** The claim marks an agent when it equals (or, for a list claim, contains) one of these; absent = mere presence marks. */
  values?: (string | number | boolean)[];
  /** Members of any of these groups are agents. */
  groups?: string[];
}

/** One trusted OIDC issuer. */
export interface ProviderConfig {
  /** Compared exactly with the token's `iss`. */
  issuer: string;
  /** The token's `aud` must be (or contain) this value. */
  audience: string;
  /** Exactly one of `jwksFile` and `jwksUrl`. */
  jwksFile?: string;
  /** `https://…`; `http://` only on a loopback host with `allowInsecureHttp`. */
  jwksUrl?: string;
  /** PEM CA bundle trusted for `jwksUrl` in addition to the system's (a private CA or a test certificate). */
  jwksCa?: string;
  /** Tests only: accept `http://` JWKS URLs on loopback hosts. */
  allowInsecureHttp?: boolean;
  /** Default `DEFAULT_ALGORITHMS`. */
  algorithms?: AsymmetricAlg[];
  /** Claim mapped to `identity.groups`; dotted paths walk nested objects. Default `groups`. */
  groupsClaim?: string;
  agent?: AgentRule;
  /** How long fetched keys are trusted before a refetch. Default 600 s. */
  cacheTtlSeconds?: number;
  /** Minimum time between two refetches caused by unknown `kid`s. Default 30 s. */
  minRefreshIntervalSeconds?: number;
}

/** Everything `createAuthenticator` needs: the `identity` section of the gateway's config. */
export interface IdentityConfig {
  providers: ProviderConfig[];
  /** Tolerance for `exp`, `nbf` and `iat`. Default 30 s. */
  clockSkewSeconds?: number;
}

/** Hooks for tests and embedding; production code passes none. */
export interface AuthenticatorOptions {
  /** The verifier's notion of now. Default `() => new Date()`. */
  now?: () => Date;
  /** Fetch timeout for JWKS URLs. Default 5000 ms. */
  fetchTimeoutMs?: number;
}

/** A verification failure: a one-line reason safe to show the client (never the token). */
export class AuthError extends Error {
  override readonly name = "AuthError";
}
