/**
 * The data types of just-in-time approvals, shared by every stage of `proxy/core/approvals/`.
 *
 * Pipeline: a front end's statement needing approval gets a binding hash (binding.ts) and
 * becomes a pending `ApprovalRecord` (workflow.ts) kept in a store (store-sqlite.ts or
 * store-postgres.ts); approvers vote through the admin API, each vote checked by the pure
 * rules (rules.ts) inside one store transaction; every change wakes holders (the store's
 * `watch`) and fires the webhook (webhook.ts). Nothing here knows a wire protocol.
 */
import type { ApprovalRequest, Identity } from "../contracts.js";

/**
 * `pending` until decided; `approved` (the grant, valid until `expires_at`), `denied`,
 * `expired` (nobody decided in time, or the grant was not used in time), `consumed` (the
 * approved statement ran: a grant is used once).
 */
export type ApprovalStatus = "pending" | "approved" | "denied" | "expired" | "consumed";

export const STATUSES: readonly ApprovalStatus[] = ["pending", "approved", "denied", "expired", "consumed"];

/** How the front end waits: `hold` keeps the client waiting, `defer` refuses now and lets the identical retry run once. */
export type ApprovalMode = "hold" | "defer";

/** The parts of an `Identity` a record keeps (no raw claims: they may hold personal data nobody needs). */
export interface IdentitySummary {
  sub: string;
  email?: string;
  groups: string[];
}

export interface Vote {
  /** The approver's `sub`; one vote per `sub`. */
  sub: string;
  email?: string;
  decision: "approve" | "deny";
  reason: string;
  /** RFC 3339. */
  at: string;
}

/** One approval request as stored and shown by the admin API. */
export interface ApprovalRecord {
  /** Short and human-typable (`k7m2-x9qp`), unique in the store. */
  id: string;
  created_at: string;
  /** While pending: the deadline for a decision; once approved: the deadline for using the grant. */
  expires_at: string;
  status: ApprovalStatus;
  mode: ApprovalMode;
  requester: IdentitySummary;
  /** The connection's configured name. */
  connection: string;
  /** What is being approved, for humans (e.g. the SQL text, cut to a few KiB). */
  summary: string;
  /** SHA-256 hex of the normalised statement, its parameters, the requester's sub and the connection (binding.ts). */
  binding: string;
  approval: ApprovalRequest;
  votes: Vote[];
  /** When the status left `pending`/`approved`; absent while pending. */
  decided_at?: string;
}

/**
 * Persistent storage of records. Every method rejects with `StoreUnavailableError` when the
 * backing database cannot be reached or written; callers fail closed on it.
 */
export interface ApprovalStore {
  /** Inserts a new record; resolves false when the id is taken (the caller picks another). */
  insert(record: ApprovalRecord): Promise<boolean>;
  get(id: string): Promise<ApprovalRecord | null>;
  /** Newest first, at most `limit` (default 100). */
  list(filter?: { status?: ApprovalStatus; limit?: number }): Promise<ApprovalRecord[]>;
  /** A pending record for this binding and requester, if any (so retries reuse one request). */
  findPending(binding: string, requesterSub: string): Promise<ApprovalRecord | null>;
  /**
   * Read-modify-write of one record in a transaction that excludes concurrent updates of it,
   * in this process and in others: `change` returns the new record (saved and announced) or
   * `undefined` (nothing written). Resolves the record as it is afterwards, null if missing.
   */
  update(id: string, change: (current: ApprovalRecord) => ApprovalRecord | undefined): Promise<ApprovalRecord | null>;
  /**
   * Atomically turns the oldest `approved` record with this binding and requester whose
   * `expires_at` is after `now` into `consumed`, and returns it; null when there is none.
   */
  consume(binding: string, requesterSub: string, now: Date): Promise<ApprovalRecord | null>;
  /**
   * Calls `listener` with a record's id after it changes — in this process at once, in other
   * processes through the store's own signal (NOTIFY, or a bounded poll for SQLite files).
   * `undefined` means "something changed, re-read what you care about".
   */
  watch(listener: (id: string | undefined) => void): () => void;
  close(): Promise<void>;
}

/** The store could not be reached or written: statements needing approval are denied. */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
}

export function summarizeIdentity(identity: Identity): IdentitySummary {
  return identity.email === undefined ? { sub: identity.sub, groups: [...identity.groups] } : { sub: identity.sub, email: identity.email, groups: [...identity.groups] };
}
