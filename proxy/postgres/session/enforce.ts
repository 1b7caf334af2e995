/**
 * Enforcement: a statement (with its Bind parameters, when known) → `input.request` →
 * the Decider → either "go ahead" or a refusal the client sees as SQLSTATE 42501.
 *
 * Decision cache. A decision is cached per session (so per identity) by statement text
 * and policy version, and only for requests without parameters: the same text, from the
 * same identity, under the same policy, describes to the same `input.request`, so a
 * policy that decides on the request and identity decides the same way. What the cache
 * does not see: a policy that reads `input.session.stats` or the clock would be answered
 * from the cache until the policy changes; such deployments pass no `policyVersion`
 * (nothing is cached then). A cached decision keeps its original decision id.
 */
import type { DecisionRecord, Identity, PolicyInput, SessionInfo, ConnectionInfo, Decider } from "../../core/contracts.js";
import { describeSqlSync, type SqlRequest, type SqlStatement } from "../statement/index.js";
import type { Approvals, BindingParam } from "../../core/approvals/index.js";
import { compileMaskRules, formatMaskError, type CompileResult, type CompiledMaskRules } from "../../core/masking/index.js";
import type { GatewayOptions, Refusal } from "./types.js";

/** SQLSTATE insufficient_privilege: what a denied statement looks like to a client. */
export const DENIED = "42501";

const CACHE_LIMIT = 256;

export interface EnforcerContext {
  decider: Decider;
  identity: Identity;
  connection: ConnectionInfo;
  session: SessionInfo;
  policyVersion?: () => string | number | undefined;
  policyReadsParams?: () => boolean;
  approvals?: GatewayOptions["approvals"];
  /** The key of the `hash` masking method; without it (masking off) mask rules refuse the statement. */
  hashKey?: Buffer;
  /** Aborted when the client goes away (or cancels): a held approval stops waiting. */
  signal?: () => AbortSignal;
}

/** What became of one decided request. */
export interface Verdict {
  record: DecisionRecord;
  /** Null when the request may go upstream. */
  refusal: Refusal | null;
  /** The decision's mask rules, compiled; absent when it has none. */
  rules?: CompiledMaskRules;
  /** The approval the statement runs under (or was refused under). */
  approvalId?: string;
}

export class Enforcer {
  private readonly cache = new Map<string, DecisionRecord>();
  /** Bodies of SQL-level `PREPARE`d statements, so `EXECUTE name` is decided on its body. */
  readonly prepared: Record<string, string> = Object.create(null) as Record<string, string>;

  constructor(private readonly ctx: EnforcerContext) {}

  /** Whether a Bind with parameters must be decided again (see GatewayOptions.policyReadsParams). */
  get bindNeedsDecision(): boolean {
    return this.ctx.policyReadsParams?.() ?? true;
  }

  /** Describes the SQL as `input.request` (never throws; unparseable SQL carries `parse_error`). */
  describe(sql: string, params: unknown[] = []): SqlRequest {
    const request = describeSqlSync(sql, params, { prepared: this.prepared });
    // `PREPARE p AS …; EXECUTE p` in one string: describe EXECUTE with the body it will run.
    const bodies = preparedBodies(request);
    if (bodies === undefined || !request.statements.some((s) => s.kind === "execute")) return request;
    return describeSqlSync(sql, params, { prepared: { ...this.prepared, ...bodies } });
  }

  /**
   * Decides one request; resolves with null when it may go upstream, else the refusal.
   * Counts `stats.statements` and `stats.denied`.
   */
  async decide(request: SqlRequest): Promise<Refusal | null> {
    return (await this.check(request)).refusal;
  }

  /**
   * Decides one request and carries out what the decision asks beyond allow/deny: an
   * approval goes through the workflow's gate (hold or defer), mask rules are compiled
   * (a rule that cannot be applied refuses the statement: fail closed). `params` are the
   * Bind parameters as the approval binding sees them.
   */
  async check(request: SqlRequest, params: readonly BindingParam[] = [], gate = true): Promise<Verdict> {
    const stats = this.ctx.session.stats;
    stats.statements = (stats.statements ?? 0) + 1;
    const verdict = await this.verdict(request, params, gate);
    if (verdict.refusal !== null) stats.denied = (stats.denied ?? 0) + 1;
    return verdict;
  }

  /** `gate` false: an approval outcome is let through unasked (a Parse; its Bind, with parameters, asks). */
  private async verdict(request: SqlRequest, params: readonly BindingParam[], gate: boolean): Promise<Verdict> {
    const guarded = gatewayGuard(request);
    if (guarded !== null) return { record: guarded.record, refusal: guarded };
    const record = await this.record(request);
    if (record.outcome === "deny") return { record, refusal: refusalOf(record) };
    let rules: CompiledMaskRules | undefined;
    if (record.decision.mask.length > 0) {
      if (this.ctx.hashKey === undefined) {
        const message = `denied by the gateway: the decision asks for masking, which is not configured on this gateway (decision ${record.decision_id})`;
        return { record, refusal: { sqlstate: DENIED, message, record } };
      }
      const compiled = this.compiled(record, this.ctx.hashKey);
      if (!compiled.ok) {
        const message = `denied by the gateway: the decision's mask rules cannot be applied: ${compiled.errors.map(formatMaskError).join("; ")} (decision ${record.decision_id})`;
        return { record, refusal: { sqlstate: DENIED, message, record } };
      }
      rules = compiled.rules;
      // COPY TO STDOUT streams rows the DataRow masking never sees.
      if (request.statements.some(function copiesOut(s: SqlStatement): boolean { return (s.kind === "copy" && s.direction === "to") || s.nested.some(copiesOut); })) {
        const message = `denied by the gateway: masked results cannot be copied out (decision ${record.decision_id})`;
        return { record, refusal: { sqlstate: DENIED, message, record } };
      }
    }
    if (record.outcome === "approval" && gate) {
      const a = this.ctx.approvals;
      const reason = record.decision.approval?.reason ?? "approval required";
      if (a === undefined) {
        return { record, refusal: { sqlstate: DENIED, message: `requires approval: ${reason} (approvals are not configured; decision ${record.decision_id})`, record } };
      }
      const g = await a.workflow.gate({
        identity: this.ctx.identity,
        connection: this.ctx.connection.name,
        mode: a.mode,
        statement: request.sql,
        params,
        approval: record.decision.approval!,
        holdTimeoutMs: a.holdTimeoutMs,
        signal: this.ctx.signal?.(),
      });
      if (!g.allow) return { record, refusal: { sqlstate: DENIED, message: g.message, record }, ...(g.id !== undefined ? { approvalId: g.id } : {}) };
      return { record, refusal: null, approvalId: g.id, ...(rules ? { rules } : {}) };
    }
    return { record, refusal: null, ...(rules ? { rules } : {}) };
  }

  private readonly compiledRules = new WeakMap<DecisionRecord, CompileResult>();

  /** Compiled once per decision record (cached decisions share theirs). */
  private compiled(record: DecisionRecord, hashKey: Buffer): CompileResult {
    let c = this.compiledRules.get(record);
    if (c === undefined) {
      c = compileMaskRules(record.decision.mask, { hashKey });
      this.compiledRules.set(record, c);
    }
    return c;
  }

  private async record(request: SqlRequest): Promise<DecisionRecord> {
    const version = request.params.length === 0 ? this.ctx.policyVersion?.() : undefined;
    // Only the text and the set of prepared bodies it can EXECUTE determine the request.
    const key = version === undefined ? undefined : `${version}\0${request.sql}`;
    if (key !== undefined && !/\bexecute\b/i.test(request.sql)) {
      const hit = this.cache.get(key);
      if (hit !== undefined) return hit;
    }
    const input: PolicyInput = {
      identity: this.ctx.identity,
      connection: this.ctx.connection,
      session: this.ctx.session,
      request,
    };
    let record: DecisionRecord;
    try {
      record = await this.ctx.decider.decide(input);
    } catch (e) {
      // The contract says deciders fail closed themselves; a throwing one is refused too.
      record = {
        decision_id: "",
        revision: "",
        decision: { allow: false, deny: [`the decider failed: ${(e as Error).message}`], approval: null, mask: [] },
        outcome: "deny",
      };
    }
    if (key !== undefined && !/\bexecute\b/i.test(request.sql) && record.decision_id !== "") {
      if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, record);
    }
    return record;
  }

  /** Remembers SQL-level PREPARE / DEALLOCATE of a request that was allowed and forwarded. */
  track(request: SqlRequest): void {
    for (const s of request.statements) {
      if (s.kind === "prepare" && typeof s.name === "string") {
        const body = prepareBody(s.text);
        if (body !== undefined) this.prepared[s.name] = body;
      } else if (s.kind === "deallocate") {
        if (typeof s.name === "string") delete this.prepared[s.name];
        else for (const k of Object.keys(this.prepared)) delete this.prepared[k];
      }
    }
  }
}

/**
 * What the gateway refuses before any policy: changing `client_encoding` away from UTF8.
 * The statements were decided on the SQL decoded as UTF-8; a server reading later messages
 * in another encoding (SJIS, GBK, …) could see different statements.
 */
function gatewayGuard(request: SqlRequest): Refusal | null {
  const changesEncoding = (s: SqlStatement): boolean =>
    (s.kind === "set" && s.name === "client_encoding" && !/^(utf-?8|unicode)$/i.test(String(s.value ?? "").trim())) || s.nested.some(changesEncoding);
  const viaFunction = request.statements.some((s) => s.functions.some((f) => f.endsWith("set_config"))) && /client_encoding/i.test(request.sql);
  if (!request.statements.some(changesEncoding) && !viaFunction) return null;
  const message = "denied by the gateway: client_encoding must stay UTF8";
  return {
    sqlstate: DENIED,
    message,
    record: { decision_id: "", revision: "", decision: { allow: false, deny: [message], approval: null, mask: [] }, outcome: "deny" },
  };
}

function preparedBodies(request: SqlRequest): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const s of request.statements) {
    if (s.kind !== "prepare" || typeof s.name !== "string") continue;
    const body = prepareBody(s.text);
    if (body !== undefined) (out ??= {})[s.name] = body;
  }
  return out;
}

/** The body of `PREPARE name [(types)] AS body`, cut from the statement's text. */
function prepareBody(text: string): string | undefined {
  const m = /^\s*prepare\s+(?:"(?:[^"]|"")*"|[^\s(]+)\s*(?:\((?:[^()]|\([^()]*\))*\))?\s*as\s+([\s\S]*)$/i.exec(text);
  return m?.[1]?.replace(/;\s*$/, "");
}

/**
 * A decision as the client sees it, without an approvals workflow: deny names the
 * policy's reasons and the decision id; approval is refused (the Enforcer sends it to the
 * workflow when one is configured); allow passes.
 */
export function refusalOf(record: DecisionRecord): Refusal | null {
  switch (record.outcome) {
    case "allow":
      return null;
    case "approval": {
      const reason = record.decision.approval?.reason ?? "approval required";
      return { sqlstate: DENIED, message: `requires approval: ${reason} (approvals are not configured; decision ${record.decision_id})`, record };
    }
    case "deny": {
      const reasons = record.decision.deny.length > 0 ? record.decision.deny.join("; ") : "not allowed by policy";
      return { sqlstate: DENIED, message: `denied by policy: ${reasons} (decision ${record.decision_id})`, record };
    }
  }
}
