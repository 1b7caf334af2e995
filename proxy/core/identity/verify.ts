/**
 * Stage 2: one token against one provider — signature (with the provider's keys), `iss`,
 * `aud`, `exp`/`nbf` within the clock skew, and the provider's algorithm list — with jose's
 * errors turned into one-line reasons a client may see. The token itself never appears in
 * a reason: only claim values the token's holder already knows (times, names).
 */
import { errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import type { KeySource } from "./jwks.js";
import { printable } from "./jwks.js";
import { AuthError, DEFAULT_ALGORITHMS, type ProviderConfig } from "./types.js";

export interface VerifyOptions {
  clockSkewSeconds: number;
  now: Date;
}

export async function verifyToken(token: string, provider: ProviderConfig, keys: KeySource, options: VerifyOptions): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, keys.getKey, {
      issuer: provider.issuer,
      audience: provider.audience,
      algorithms: [...(provider.algorithms ?? DEFAULT_ALGORITHMS)],
      clockTolerance: options.clockSkewSeconds,
      currentDate: options.now,
      requiredClaims: ["exp"],
    });
    return payload;
  } catch (e) {
    throw new AuthError(reasonOf(e, provider));
  }
}

export function reasonOf(e: unknown, provider: ProviderConfig): string {
  if (e instanceof AuthError) return e.message;
  if (e instanceof joseErrors.JWTExpired) return `token expired at ${isoSeconds(e.payload.exp)}`;
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    if (e.reason === "missing") return `token has no ${e.claim} claim`;
    switch (e.claim) {
      case "nbf":
        return e.reason === "check_failed" ? `token not valid before ${isoSeconds(e.payload.nbf)}` : "token has an invalid nbf claim";
      case "aud":
        return `audience mismatch: expected ${provider.audience}`;
      case "iss":
        return `issuer mismatch: expected ${provider.issuer}`;
      case "iat":
        return "token has an invalid iat claim";
      default:
        return `token has an invalid ${printable(e.claim)} claim`;
    }
  }
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return "signature verification failed";
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return "algorithm is not allowed for this issuer";
  if (e instanceof joseErrors.JWTInvalid || e instanceof joseErrors.JWSInvalid) return `malformed token: ${printable(e.message, 120)}`;
  if (e instanceof joseErrors.JOSENotSupported) return `unsupported token: ${printable(e.message, 120)}`;
  // A key the resolver found but that does not fit the token's algorithm (kty/crv mismatch).
  if (e instanceof TypeError) return "the issuer's key does not fit the token's algorithm";
  return "token verification failed";
}

/** `2026-11-22T03:00:00Z`: seconds precision, as the claims carry. */
export function isoSeconds(seconds: unknown): string {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "an invalid time";
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? "an invalid time" : d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
