/**
 * The admin API's routes, independent of the HTTP server: an authenticated caller, a
 * method, a path and a parsed body in; a status and a JSON body out.
 *
 *   GET  /v1/approvals?status=&limit=   → {approvals: [record…]}
 *   GET  /v1/approvals/:id              → record
 *   POST /v1/approvals/:id/approve      {reason?} → record after the vote
 *   POST /v1/approvals/:id/deny         {reason?} → record after the vote
 *
 * Errors are `{error: "one line"}` with 400 (bad input), 403 (not an approver, own
 * request, agent), 404, 405, 409 (already decided or already voted), 503 (store down).
 */
import type { Identity } from "../contracts.js";
import { type Approvals, STATUSES, type ApprovalStatus, StoreUnavailableError } from "../approvals/index.js";

export interface RouteResult {
  status: number;
  body: unknown;
}

const MAX_REASON = 1000;

function fail(status: number, error: string): RouteResult {
  return { status, body: { error } };
}

export async function route(approvals: Approvals, caller: Identity, method: string, url: URL, body: unknown): Promise<RouteResult> {
  const parts = url.pathname.split("/").filter((p) => p !== "");
  if (parts[0] !== "v1" || parts[1] !== "approvals" || parts.length > 4) return fail(404, `no such endpoint: ${url.pathname}`);
  const id = parts[2] === undefined ? undefined : decodeURIComponent(parts[2]);
  const action = parts[3];
  try {
    if (id === undefined) {
      if (method !== "GET") return fail(405, `use GET on /v1/approvals`);
      const status = url.searchParams.get("status") ?? undefined;
      if (status !== undefined && !STATUSES.includes(status as ApprovalStatus)) return fail(400, `status must be one of ${STATUSES.join(", ")}`);
      const limitText = url.searchParams.get("limit");
      const limit = limitText === null ? 100 : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return fail(400, "limit must be an integer from 1 to 1000");
      const list = await approvals.list(status === undefined ? { limit } : { status: status as ApprovalStatus, limit });
      return { status: 200, body: { approvals: list } };
    }
    if (action === undefined) {
      if (method !== "GET") return fail(405, `use GET on /v1/approvals/${id}`);
      const r = await approvals.get(id);
      return r ? { status: 200, body: r } : fail(404, `no approval ${id}`);
    }
    if (action !== "approve" && action !== "deny") return fail(404, `no such endpoint: ${url.pathname}`);
    if (method !== "POST") return fail(405, `use POST on /v1/approvals/${id}/${action}`);
    const reason = body === undefined || body === null ? "" : (body as { reason?: unknown }).reason ?? "";
    if (typeof body !== "object" && body !== undefined) return fail(400, "the body must be a JSON object");
    if (typeof reason !== "string") return fail(400, "reason must be a string");
    if (reason.length > MAX_REASON) return fail(400, `reason is longer than ${MAX_REASON} characters`);
    const out = await approvals.vote(id, caller, action, reason);
    return out.ok ? { status: 200, body: out.record } : fail(out.status, out.error);
  } catch (e) {
    if (e instanceof StoreUnavailableError) return fail(503, `approval store unavailable: ${e.message}`);
    return fail(500, `internal error: ${(e as Error).message}`);
  }
}
