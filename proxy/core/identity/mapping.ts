/**
 * Last stage: verified claims → `input.identity`.
 *
 * Claim paths: a name that exists as a key is taken as is, because namespaced claims such
 * as `https://example.com/groups` contain dots; otherwise the dots walk nested objects
 * (`realm_access.roles`, Keycloak's shape).
 */
import type { Identity } from "../contracts.js";
import { AuthError, type AgentRule, type ProviderConfig } from "./types.js";

export const DEFAULT_GROUPS_CLAIM = "groups";

export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (Object.prototype.hasOwnProperty.call(claims, path)) return claims[path];
  let here: unknown = claims;
  for (const key of path.split(".")) {
    if (here === null || typeof here !== "object" || Array.isArray(here) || !Object.prototype.hasOwnProperty.call(here, key)) return undefined;
    here = (here as Record<string, unknown>)[key];
  }
  return here;
}

/** A single string is one group (some issuers send one role unwrapped); non-strings are ignored. */
export function groupsFrom(value: unknown): string[] {
  if (typeof value === "string") return value === "" ? [] : [value];
  if (!Array.isArray(value)) return [];
  return [...new Set(value.filter((g): g is string => typeof g === "string" && g !== ""))];
}

export function isAgent(claims: Record<string, unknown>, groups: string[], rule: AgentRule | undefined): boolean {
  if (!rule) return false;
  if (rule.groups?.some((g) => groups.includes(g))) return true;
  if (rule.claim === undefined) return false;
  const value = claimAt(claims, rule.claim);
  if (value === undefined || value === null) return false;
  if (!rule.values || rule.values.length === 0) return true;
  const candidates = Array.isArray(value) ? value : [value];
  return candidates.some((c) => rule.values!.includes(c as string | number | boolean));
}

export function toIdentity(claims: Record<string, unknown>, provider: ProviderConfig): Identity {
  const sub = claims.sub;
  if (typeof sub !== "string" || sub === "") throw new AuthError("token has no sub claim");
  const groups = groupsFrom(claimAt(claims, provider.groupsClaim ?? DEFAULT_GROUPS_CLAIM));
  const identity: Identity = {
    sub,
    groups,
    issuer: provider.issuer,
    agent: isAgent(claims, groups, provider.agent),
    claims,
  };
  // An address the issuer says it has not verified could be anyone's; policies that key on
  // `input.identity.email` must not be fooled by it (it stays visible under `claims`).
  if (typeof claims.email === "string" && claims.email_verified !== false) identity.email = claims.email;
  return identity;
}
