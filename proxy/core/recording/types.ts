/**
 * What a session recording holds. A recording is one JSON-lines file per session,
 * `<dir>/<yyyy-mm-dd>/<session-id>.jsonl`; every line is one `RecordLine`. The byte
 * form of a line, its hash chain and its HMAC are defined in `line.ts`.
 *
 * Recorders write only what callers pass: a front end must hand over statement text
 * and values already masked (and never credentials); `scrub.ts` is a last line of
 * defence, not the masking mechanism.
 */
import type { ConnectionInfo, Identity, Outcome } from "../contracts.js";

/** `connect`: the first line of every recording. */
export interface ConnectPayload {
  /** The session id; the chain's genesis value is derived from it. */
  session: string;
  identity: Pick<Identity, "sub" | "issuer" | "groups" | "agent"> & { email?: string };
  connection: ConnectionInfo;
  client_addr: string;
  application_name?: string;
  /** Protocol-specific extras (database, user the client asked for, TLS, …). */
  details?: Record<string, unknown>;
}

/** The decision part of a `statement` line. */
export interface StatementDecision {
  id: string;
  outcome: Outcome;
  reasons: string[];
  /** The policy revision that decided (bundle revision or git commit). */
  revision: string;
}

/** `statement`: one request (SQL statement, shell command, kube request) and what became of it. */
export interface StatementPayload {
  /** The request text as the client sent it (SQL, command line, method + path). */
  text: string;
  /** A short summary of `input.request` (kinds, tables), never the whole input. */
  input?: Record<string, unknown>;
  decision: StatementDecision;
  /** The approval this statement ran under, when it needed one. */
  approval_id?: string;
  rows_returned?: number;
  rows_affected?: number;
  /** Masked values per column (or detector), e.g. `{"public.users.email": 12}`. */
  masked?: Record<string, number>;
  duration_ms?: number;
  /** The upstream's or gateway's error, when the statement failed. */
  error?: string;
}

/** `disconnect`: the last line of a session that ended normally. */
export interface DisconnectPayload {
  reason: string;
  /** Filled in by the recorder from what it wrote. */
  totals?: SessionTotals;
}

export interface SessionTotals {
  statements: number;
  denied: number;
  rows_returned: number;
  rows_affected: number;
  masked: number;
  errors: number;
}

/** `event`: anything protocol-specific (a resize, a COPY, an asciicast checkpoint). */
export interface EventPayload {
  kind: string;
  [field: string]: unknown;
}

export type RecordType = "connect" | "statement" | "disconnect" | "event";

/**
 * One line as parsed back. `seq` starts at 1; `ts` is RFC 3339 UTC with nine fraction
 * digits; `prev` and `hmac` are lower-case hex. Payload fields sit between `type` and
 * `prev`; `scrubbed` (the number of secret occurrences removed) appears only when > 0.
 */
export interface RecordLine {
  seq: number;
  ts: string;
  type: RecordType;
  prev: string;
  hmac: string;
  scrubbed?: number;
  [field: string]: unknown;
}
