/**
 * Last stage: sections of a validated `Config` in the shapes the libraries that use them
 * take — the authenticator's `IdentityConfig`, the decision log's `MaskConfig`, the policy
 * watcher's options — so that each front end wires them up the same way.
 */
import { readFileSync } from "node:fs";
import type { MaskConfig } from "../../../engine/decisionlog/index.js";
import type { IdentityConfig, ProviderConfig, AsymmetricAlg } from "../identity/types.js";
import type { Config, Connection } from "./types.js";
import type { ConnectionInfo } from "../contracts.js";

/** Reads `jwks_ca` files; throws only if a CA file vanished since validation. */
export function toIdentityConfig(section: Config["identity"]): IdentityConfig {
  return {
    clockSkewSeconds: section.clock_skew_seconds,
    providers: section.providers.map(
      (p): ProviderConfig => ({
        issuer: p.issuer,
        audience: p.audience,
        ...(p.jwks_file !== undefined ? { jwksFile: p.jwks_file } : {}),
        ...(p.jwks_url !== undefined ? { jwksUrl: p.jwks_url } : {}),
        ...(p.jwks_ca !== undefined ? { jwksCa: readFileSync(p.jwks_ca, "utf8") } : {}),
        ...(p.allow_insecure_http ? { allowInsecureHttp: true } : {}),
        algorithms: p.algorithms as AsymmetricAlg[],
        groupsClaim: p.groups_claim,
        ...(p.agent !== undefined ? { agent: p.agent } : {}),
        cacheTtlSeconds: p.cache_ttl_seconds,
        minRefreshIntervalSeconds: p.min_refresh_interval_seconds,
      }),
    ),
  };
}

export function toMaskConfig(section: NonNullable<Config["decision_log"]>): MaskConfig {
  return {
    erase: section.erase,
    mask: section.mask,
    ...(section.hmac_key !== undefined ? { hmacKey: section.hmac_key.reveal() } : {}),
  };
}

/** `input.connection` for a configured connection (never its upstream or credentials). */
export function toConnectionInfo(c: Connection): ConnectionInfo {
  return { name: c.name, type: c.type, tags: { ...c.tags } };
}
