/**
 * The voting rules, as pure functions over a record, so each store applies exactly the same
 * logic inside its own transaction and the rules can be tested without a database.
 */
import type { Identity } from "../contracts.js";
import type { ApprovalRecord, ApprovalStatus, Vote } from "./types.js";

/** Why a vote was refused; the admin API maps `kind` to an HTTP status. */
export interface VoteRefusal {
  kind: "forbidden" | "conflict";
  message: string;
}

/** The status a record has at `now`: pending or approved records past `expires_at` are expired. */
export function effectiveStatus(record: ApprovalRecord, now: Date): ApprovalStatus {
  if ((record.status === "pending" || record.status === "approved") && Date.parse(record.expires_at) <= now.getTime()) return "expired";
  return record.status;
}

/** The record marked expired if its time has passed, else undefined (nothing to write). */
export function expireIfDue(record: ApprovalRecord, now: Date): ApprovalRecord | undefined {
  if (effectiveStatus(record, now) !== "expired" || record.status === "expired") return undefined;
  return { ...record, status: "expired", decided_at: now.toISOString() };
}

/**
 * Applies one approver's vote. Checks, in order: the request is still open; the voter is a
 * person (agents never approve), not the requester, a member of a listed group, and has not
 * voted yet. A denial ends the request; `min` distinct approvals grant it, and the grant is
 * then usable for `ttl_seconds` from that moment.
 */
export function applyVote(
  record: ApprovalRecord,
  voter: Identity,
  decision: Vote["decision"],
  reason: string,
  now: Date,
): { record: ApprovalRecord } | { refused: VoteRefusal } {
  const status = effectiveStatus(record, now);
  if (status !== "pending") return { refused: { kind: "conflict", message: `approval ${record.id} is already ${status}` } };
  if (voter.sub === record.requester.sub) return { refused: { kind: "forbidden", message: "you cannot vote on your own request" } };
  if (voter.agent) return { refused: { kind: "forbidden", message: "agents cannot vote on approvals" } };
  const groups = record.approval.approvers;
  if (!voter.groups.some((g) => groups.includes(g))) {
    return { refused: { kind: "forbidden", message: `only members of ${groups.join(", ") || "(no group)"} may vote on ${record.id}` } };
  }
  if (record.votes.some((v) => v.sub === voter.sub)) return { refused: { kind: "conflict", message: `you already voted on ${record.id}` } };

  const vote: Vote = { sub: voter.sub, decision, reason, at: now.toISOString() };
  if (voter.email !== undefined) vote.email = voter.email;
  const votes = [...record.votes, vote];
  if (decision === "deny") return { record: { ...record, votes, status: "denied", decided_at: now.toISOString() } };
  const approvers = new Set(votes.filter((v) => v.decision === "approve").map((v) => v.sub));
  if (approvers.size >= Math.max(1, record.approval.min)) {
    const expires = new Date(now.getTime() + Math.max(0, record.approval.ttl_seconds) * 1000).toISOString();
    return { record: { ...record, votes, status: "approved", decided_at: now.toISOString(), expires_at: expires } };
  }
  return { record: { ...record, votes } };
}
