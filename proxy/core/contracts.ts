/**
 * The contracts every protocol front end shares (ARCHITECTURE.md, "Contracts"): the
 * input document a request becomes, the decision document a policy returns, and the
 * interfaces through which a front end authenticates a client and asks for a decision.
 * Protocol folders depend on these; they never depend on each other.
 */

/** `input.identity`: who is asking, from a verified OIDC token (or a mapped key). */
export interface Identity {
  sub: string;
  email?: string;
  groups: string[];
  issuer: string;
  /** True for AI agents (marked by a configured claim or group). */
  agent: boolean;
  /** Every claim of the token, for policies that need more. */
  claims: Record<string, unknown>;
}

/** `input.connection`: the upstream the request is for, as configured. */
export interface ConnectionInfo {
  name: string;
  type: "postgres" | "mysql" | "ssh" | "kube";
  tags: Record<string, string>;
}

/** `input.session`: the client session the request belongs to. */
export interface SessionInfo {
  id: string;
  started_at: string;
  client_addr: string;
  application_name?: string;
  stats: Record<string, number>;
}

/** The whole input document; `request` is protocol-specific (see policies/README.md). */
export interface PolicyInput {
  identity: Identity;
  connection: ConnectionInfo;
  session: SessionInfo;
  request: unknown;
}

export interface ApprovalRequest {
  approvers: string[];
  min: number;
  reason: string;
  ttl_seconds: number;
}

/** One masking rule: which values (a column, a detector's matches, a regex) and how. */
export interface MaskRule {
  column?: string;
  detector?: string;
  pattern?: string;
  method: string;
}

/** The decision document, validated. */
export interface Decision {
  allow: boolean;
  deny: string[];
  approval: ApprovalRequest | null;
  mask: MaskRule[];
}

/** What the front end acts on: precedence deny > approval > allow. */
export type Outcome = "deny" | "approval" | "allow";

export interface DecisionRecord {
  decision_id: string;
  /** The policy revision that decided (bundle revision or git commit). */
  revision: string;
  decision: Decision;
  outcome: Outcome;
}

/**
 * Asks the active policy. Never throws for policy problems: a missing, erroring,
 * undefined or malformed decision comes back as a `deny` record with the reason (fail
 * closed).
 */
export interface Decider {
  decide(input: PolicyInput): Promise<DecisionRecord>;
}

/** Verifies the credential a client presented (an OIDC token in the password field). */
export interface Authenticator {
  authenticate(token: string): Promise<{ identity: Identity } | { error: string }>;
}

/**
 * Validates a raw policy result into a `Decision`, failing closed: anything malformed
 * becomes a denial naming what was wrong.
 */
export function toDecision(raw: unknown): Decision {
  const denyAll = (reason: string): Decision => ({ allow: false, deny: [reason], approval: null, mask: [] });
  if (raw === undefined) return denyAll("the policy returned no decision (undefined)");
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return denyAll("the policy's decision is not an object");
  const d = raw as Record<string, unknown>;
  if (typeof d.allow !== "boolean") return denyAll("the policy's decision has no boolean `allow`");
  const deny = d.deny ?? [];
  if (!Array.isArray(deny)) return denyAll("the policy's decision has a `deny` that is not a list");
  const mask = d.mask ?? [];
  if (!Array.isArray(mask) || !mask.every(isMaskRule)) return denyAll("the policy's decision has a malformed `mask`");
  const approval = d.approval ?? null;
  if (approval !== null && !isApproval(approval)) return denyAll("the policy's decision has a malformed `approval`");
  return { allow: d.allow, deny: deny.map((r) => (typeof r === "string" ? r : JSON.stringify(r))), approval, mask };
}

export function outcomeOf(decision: Decision): Outcome {
  if (decision.deny.length > 0) return "deny";
  if (decision.approval !== null) return "approval";
  return decision.allow ? "allow" : "deny";
}

function isMaskRule(m: unknown): m is MaskRule {
  if (m === null || typeof m !== "object") return false;
  const r = m as Record<string, unknown>;
  const selectors = ["column", "detector", "pattern"].filter((k) => typeof r[k] === "string");
  return selectors.length >= 1 && typeof r.method === "string";
}

function isApproval(a: unknown): a is ApprovalRequest {
  if (a === null || typeof a !== "object") return false;
  const r = a as Record<string, unknown>;
  return Array.isArray(r.approvers) && r.approvers.every((g) => typeof g === "string") && typeof r.min === "number" && r.min >= 1 &&
    typeof r.reason === "string" && typeof r.ttl_seconds === "number";
}
