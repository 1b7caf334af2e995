/**
 * The approvals workflow front ends and the admin API call: create a request, hold a
 * statement until it is decided, use a deferred grant once, vote.
 *
 * Fail closed everywhere: if the store cannot be reached, `requestApproval` says so as a
 * value, `hold` resolves `unavailable`, `consumeDeferred` finds no grant, and `gate` (the
 * one-call seam for front ends) refuses the statement with "approval store unavailable".
 *
 * Holding costs no CPU while waiting: a hold re-reads its record only when the store says
 * something changed (events in this process, NOTIFY or the SQLite data_version poll across
 * processes), when its expiry or timeout falls due, and on a slow safety re-read
 * (`recheckMs`, default 5 s) in case a cross-process signal was lost.
 */
import type { ApprovalRequest, Identity } from "../contracts.js";
import { bindingHash, newApprovalId, type BindingParam } from "./binding.js";
import { applyVote, effectiveStatus, expireIfDue } from "./rules.js";
import { type ApprovalMode, type ApprovalRecord, type ApprovalStatus, type ApprovalStore, type Vote, StoreUnavailableError, summarizeIdentity } from "./types.js";
import type { Webhook, WebhookEvent } from "./webhook.js";

export interface ApprovalsOptions {
  store: ApprovalStore;
  /** Told about every new request and outcome; optional. */
  webhook?: Webhook;
  /** Tests move time; default `() => new Date()`. */
  now?: () => Date;
  /** Safety re-read while holding. Default 5000 ms. */
  recheckMs?: number;
}

/** A statement that needs approval, as the front end describes it. */
export interface StatementToApprove {
  identity: Identity;
  /** The connection's configured name. */
  connection: string;
  /** The statement text (bound, normalised, into the binding hash). */
  statement: string;
  /** Bound parameters, if any (part of the binding). */
  params?: readonly BindingParam[];
  /** Shown to approvers; default the statement text. Cut to 4 KiB. */
  summary?: string;
  /** The policy's `approval` object. */
  approval: ApprovalRequest;
  mode: ApprovalMode;
}

export type RequestResult =
  | { ok: true; id: string; record: ApprovalRecord; /** An identical pending request was found and reused. */ reused: boolean }
  | { ok: false; reason: string };

export type HoldStatus = "approved" | "denied" | "expired" | "timeout" | "cancelled" | "unavailable";

export interface HoldResult {
  status: HoldStatus;
  /** One line for the client. */
  reason: string;
  record?: ApprovalRecord;
}

export type VoteResult =
  | { ok: true; record: ApprovalRecord }
  | { ok: false; status: 403 | 404 | 409 | 503; error: string };

/** What `gate` tells the front end: run the statement, or refuse it with `message`. */
export type GateResult = { allow: true; id: string } | { allow: false; id?: string; message: string };

export interface Approvals {
  requestApproval(s: StatementToApprove): Promise<RequestResult>;
  hold(id: string, timeoutMs: number, signal?: AbortSignal): Promise<HoldResult>;
  /** The approved, unused, unexpired grant for this binding and identity, now consumed; else null (also when the store is down). */
  consumeDeferred(binding: string, identity: Identity): Promise<ApprovalRecord | null>;
  vote(id: string, voter: Identity, decision: Vote["decision"], reason: string): Promise<VoteResult>;
  /** Records with their effective status (overdue ones shown, and saved, as expired). Rejects with StoreUnavailableError. */
  list(filter?: { status?: ApprovalStatus; limit?: number }): Promise<ApprovalRecord[]>;
  get(id: string): Promise<ApprovalRecord | null>;
  /** Everything a front end does for an `approval` outcome, in one call (see README). */
  gate(s: StatementToApprove & { holdTimeoutMs: number; signal?: AbortSignal }): Promise<GateResult>;
  bindingOf(s: Pick<StatementToApprove, "identity" | "connection" | "statement" | "params">): string;
  /**
   * Saves (and announces) the expiry of overdue pending and approved records; returns how
   * many. Expiry is otherwise settled when someone looks at a record, so a gateway calls this
   * every minute or so for timely "expired" webhooks. Rejects with StoreUnavailableError.
   */
  sweep(): Promise<number>;
}

const SUMMARY_LIMIT = 4096;
const UNAVAILABLE = "approval store unavailable";

export function createApprovals(options: ApprovalsOptions): Approvals {
  const { store, webhook } = options;
  const now = options.now ?? (() => new Date());
  const recheckMs = options.recheckMs ?? 5000;

  const announce = (event: WebhookEvent, r: ApprovalRecord): void => webhook?.notify(event, r);

  const storeDown = (e: unknown): string => {
    if (e instanceof StoreUnavailableError) return `${UNAVAILABLE}: ${e.message}`;
    return `${UNAVAILABLE}: ${(e as Error).message ?? String(e)}`;
  };

  /** Saves the expiry of an overdue record (once, whoever gets there first) and announces it. */
  const settleExpiry = async (r: ApprovalRecord): Promise<ApprovalRecord> => {
    if (r.status === "expired" || effectiveStatus(r, now()) !== "expired") return r;
    let mine = false;
    const saved = await store.update(r.id, (cur) => {
      const next = expireIfDue(cur, now());
      mine = next !== undefined;
      return next;
    });
    if (mine && saved) announce("approval.expired", saved);
    return saved ?? r;
  };

  const bindingOf: Approvals["bindingOf"] = (s) =>
    bindingHash({ statement: s.statement, params: s.params ?? [], requesterSub: s.identity.sub, connection: s.connection });

  const requestApproval = async (s: StatementToApprove): Promise<RequestResult> => {
    const binding = bindingOf(s);
    try {
      if (s.mode === "defer") {
        const existing = await store.findPending(binding, s.identity.sub);
        if (existing && effectiveStatus(existing, now()) === "pending") return { ok: true, id: existing.id, record: existing, reused: true };
      }
      const created = now();
      const text = s.summary ?? s.statement;
      const base = {
        created_at: created.toISOString(),
        expires_at: new Date(created.getTime() + Math.max(0, s.approval.ttl_seconds) * 1000).toISOString(),
        status: "pending" as const,
        mode: s.mode,
        requester: summarizeIdentity(s.identity),
        connection: s.connection,
        summary: text.length > SUMMARY_LIMIT ? `${text.slice(0, SUMMARY_LIMIT)}…` : text,
        binding,
        approval: { approvers: [...s.approval.approvers], min: s.approval.min, reason: s.approval.reason, ttl_seconds: s.approval.ttl_seconds },
        votes: [],
      };
      for (let attempt = 0; attempt < 5; attempt++) {
        const record: ApprovalRecord = { id: newApprovalId(), ...base };
        if (await store.insert(record)) {
          announce("approval.requested", record);
          return { ok: true, id: record.id, record, reused: false };
        }
      }
      return { ok: false, reason: `${UNAVAILABLE}: could not allocate an approval id` };
    } catch (e) {
      return { ok: false, reason: storeDown(e) };
    }
  };

  const hold = (id: string, timeoutMs: number, signal?: AbortSignal): Promise<HoldResult> =>
    new Promise<HoldResult>((resolve) => {
      let done = false;
      let checking = false;
      let again = false;
      const timers: NodeJS.Timeout[] = [];
      let unwatch: () => void = () => {};

      const finish = (r: HoldResult): void => {
        if (done) return;
        done = true;
        for (const t of timers) clearTimeout(t);
        unwatch();
        signal?.removeEventListener("abort", onAbort);
        resolve(r);
      };
      const onAbort = (): void => finish({ status: "cancelled", reason: `approval ${id}: the wait was cancelled` });

      const check = async (): Promise<void> => {
        if (done) return;
        if (checking) {
          again = true;
          return;
        }
        checking = true;
        try {
          do {
            again = false;
            await checkOnce();
          } while (again && !done);
        } finally {
          checking = false;
        }
      };

      const checkOnce = async (): Promise<void> => {
        let r: ApprovalRecord | null;
        try {
          r = await store.get(id);
          if (done) return;
          if (!r) return finish({ status: "denied", reason: `approval ${id} does not exist` });
          r = await settleExpiry(r);
          if (done) return;
          switch (r.status) {
            case "pending":
              return;
            case "approved": {
              // Take the grant for this statement, so it can never also be used by a deferred retry.
              let mine = false;
              const used = await store.update(id, (cur) => {
                if (cur.status !== "approved" || effectiveStatus(cur, now()) !== "approved") return undefined;
                mine = true;
                return { ...cur, status: "consumed", decided_at: now().toISOString() };
              });
              if (mine && used) {
                announce("approval.consumed", used);
                return finish({ status: "approved", reason: `approval ${id} granted`, record: used });
              }
              return check();
            }
            case "denied": {
              const vote = [...r.votes].reverse().find((v) => v.decision === "deny");
              const by = vote ? ` by ${vote.email ?? vote.sub}${vote.reason ? `: ${vote.reason}` : ""}` : "";
              return finish({ status: "denied", reason: `approval ${id} denied${by}`, record: r });
            }
            case "expired":
              return finish({ status: "expired", reason: `approval ${id} expired before it was decided`, record: r });
            case "consumed":
              return finish({ status: "denied", reason: `approval ${id} was already used`, record: r });
          }
        } catch (e) {
          finish({ status: "unavailable", reason: storeDown(e) });
        }
      };

      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      unwatch = store.watch((changed) => {
        if (changed === undefined || changed === id) void check();
      });
      const after = (ms: number, fn: () => void) => {
        const t = setTimeout(fn, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
        timers.push(t);
      };
      after(timeoutMs, () => finish({ status: "timeout", reason: `approval ${id} was not decided within ${Math.round(timeoutMs / 1000)} s; it stays open: once approved, run the statement again` }));
      const safety = setInterval(() => void check(), recheckMs);
      timers.push(safety);
      // The first read also learns the expiry, and arms a timer for it.
      void check().then(async () => {
        if (done) return;
        try {
          const r = await store.get(id);
          if (r) after(Date.parse(r.expires_at) - now().getTime() + 5, () => void check());
        } catch {
          // The safety re-read reports an unreachable store.
        }
      });
    });

  const consumeDeferred = async (binding: string, identity: Identity): Promise<ApprovalRecord | null> => {
    try {
      const r = await store.consume(binding, identity.sub, now());
      if (r) announce("approval.consumed", r);
      return r;
    } catch {
      return null;
    }
  };

  const vote = async (id: string, voter: Identity, decision: Vote["decision"], reason: string): Promise<VoteResult> => {
    let refusal: VoteResult | undefined;
    let changed = false;
    try {
      const saved = await store.update(id, (cur) => {
        refusal = undefined;
        changed = false;
        const expired = expireIfDue(cur, now());
        if (expired) {
          refusal = { ok: false, status: 409, error: `approval ${id} is already expired` };
          changed = true;
          return expired;
        }
        const out = applyVote(cur, voter, decision, reason, now());
        if ("refused" in out) {
          refusal = { ok: false, status: out.refused.kind === "forbidden" ? 403 : 409, error: out.refused.message };
          return undefined;
        }
        changed = true;
        return out.record;
      });
      if (!saved) return { ok: false, status: 404, error: `no approval ${id}` };
      if (changed) {
        if (saved.status === "expired") announce("approval.expired", saved);
        if (saved.status === "approved") announce("approval.approved", saved);
        if (saved.status === "denied") announce("approval.denied", saved);
      }
      return refusal ?? { ok: true, record: saved };
    } catch (e) {
      return { ok: false, status: 503, error: storeDown(e) };
    }
  };

  const list: Approvals["list"] = async (filter) => {
    const t = now();
    // Overdue records are stored as pending/approved until someone settles them; asking for
    // `expired` must find them, and asking for `pending` must not.
    const wanted = filter?.status;
    const raw = wanted === "expired" ? [...(await store.list({ ...filter, status: "pending" })), ...(await store.list({ ...filter, status: "approved" })), ...(await store.list(filter))] : await store.list(filter);
    const settled: ApprovalRecord[] = [];
    for (const r of raw) settled.push(effectiveStatus(r, t) === "expired" ? await settleExpiry(r) : r);
    const out = wanted ? settled.filter((r) => r.status === wanted) : settled;
    const seen = new Set<string>();
    return out.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true))).sort((a, b) => b.created_at.localeCompare(a.created_at));
  };

  const get: Approvals["get"] = async (id) => {
    const r = await store.get(id);
    return r ? settleExpiry(r) : null;
  };

  const gate: Approvals["gate"] = async (s) => {
    const grant = await consumeDeferred(bindingOf(s), s.identity);
    if (grant) return { allow: true, id: grant.id };
    const req = await requestApproval(s);
    if (!req.ok) return { allow: false, message: `requires approval: ${s.approval.reason}; ${req.reason}` };
    if (s.mode === "defer") {
      return {
        allow: false,
        id: req.id,
        message: `requires approval: ${s.approval.reason} (approval id ${req.id}); an approver runs \`portcullis approvals approve ${req.id}\`, then run the same statement again`,
      };
    }
    const held = await hold(req.id, s.holdTimeoutMs, s.signal);
    if (held.status === "approved") return { allow: true, id: req.id };
    return { allow: false, id: req.id, message: `requires approval: ${s.approval.reason}; ${held.reason}` };
  };

  const sweep: Approvals["sweep"] = async () => {
    let n = 0;
    for (const status of ["pending", "approved"] as const) {
      for (const r of await store.list({ status, limit: 1000 })) {
        if (effectiveStatus(r, now()) === "expired" && (await settleExpiry(r)).status === "expired") n++;
      }
    }
    return n;
  };

  return { requestApproval, hold, consumeDeferred, vote, list, get, gate, bindingOf, sweep };
}
