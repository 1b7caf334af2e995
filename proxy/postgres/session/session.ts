/**
 * One client session after authentication: client → decide → upstream, upstream → client.
 *
 * Client messages are processed strictly in order (a decision is awaited before the
 * next message is looked at). What goes upstream is the client's own frame bytes,
 * collected and written together when the client's input runs dry or a Sync/Flush/Query
 * asks for an answer. Denials never reach upstream: the gateway answers them itself at
 * their place in the response stream (see relay.ts).
 *
 * Extended protocol: Parse is decided on its text; Bind again when it carries parameters;
 * Execute (and Describe) of a denied or unknown statement or portal is refused. After a
 * refusal, messages are skipped until Sync, which is answered with ReadyForQuery — as
 * PostgreSQL does after an error — without aborting the transaction: the denied statement
 * never ran. If upstream was part-way through a batch (messages already forwarded since
 * the last Sync), the gateway sends a Sync of its own to close it and hides its reply.
 */
import type { Socket } from "node:net";
import type { Identity } from "../../core/contracts.js";
import type { BindingParam } from "../../core/approvals/index.js";
import type { SessionRecorder, StatementPayload } from "../../core/recording/index.js";
import { decodeClientMessage, encodeClientMessage, encodeServerMessage, errorResponse, type ClientMessage, type Frame, type Framer } from "../codec/index.js";
import type { SqlRequest } from "../statement/index.js";
import { Enforcer, type EnforcerContext, type Verdict } from "./enforce.js";
import { ResultTracker, type Run } from "./results.js";
import type { Catalog } from "./catalog.js";
import { endWith, fatal } from "./frontend.js";
import { ServerRelay } from "./relay.js";
import type { Refusal } from "./types.js";
import type { Upstream } from "./upstream.js";

/** A protocol-level prepared statement as the gateway knows it. */
interface StatementState {
  sql: string;
  /** The request decided at Parse (no parameters yet). */
  request: SqlRequest;
  /** Null when allowed. */
  refusal: Refused | null;
  /** The decision at Parse; absent for a SQL-PREPAREd body bound over the protocol (decided at Bind). */
  verdict?: Verdict;
}

/** Why the gateway refuses something, as the client will see it. */
type Refused = Pick<Refusal, "sqlstate" | "message">;

/** A portal: allowed (null), or the refusal of its statement or Bind. */
interface PortalState {
  refusal: Refused | null;
  /** The decision its Execute runs under (mask rules, approval, recording). */
  verdict?: Verdict;
  sql?: string;
  request?: SqlRequest;
}

/** A run as the session records it. */
interface SessionRun extends Run {
  text: string;
  verdict: Verdict;
  input: Record<string, unknown>;
  started: number;
}

/** What a session does beyond relaying when masking or recording is on. */
export interface SessionExtras {
  /** Present when masking is on: resolves result columns to `schema.table.column`. */
  catalog?: Catalog;
  recorder?: SessionRecorder;
}

const SYNC = encodeClientMessage({ type: "Sync" });
const PAUSE_QUEUE = 1024;

export interface SessionEvents {
  log(level: "info" | "warn" | "error", message: string): void;
  closed(): void;
}

export class Session {
  private readonly relay: ServerRelay;
  readonly enforcer: Enforcer;
  private readonly queue: Frame[] = [];
  private queueHead = 0;
  private busy = false;
  private closed = false;
  /** Client frames to write upstream at the next flush. */
  private outgoing: Buffer[] = [];
  /** Messages forwarded since the last Sync: upstream is inside a batch. */
  private inBatch = false;
  /** After a refusal in the extended protocol: drop messages until Sync. */
  private skipping = false;
  private readonly statements = new Map<string, StatementState>();
  private readonly portals = new Map<string, PortalState>();
  /** Follows upstream replies when masking or recording is on. */
  private readonly tracker: ResultTracker | undefined;
  /** Aborted when the client leaves or cancels: a held approval stops waiting. */
  private waiting: AbortController | undefined;
  private closeReason = "client closed the connection";

  constructor(
    private readonly client: Socket,
    private readonly framer: Framer,
    private readonly upstream: Upstream,
    private readonly ctx: EnforcerContext,
    private readonly events: SessionEvents,
    private readonly extras: SessionExtras = {},
  ) {
    this.enforcer = new Enforcer({
      ...ctx,
      signal: () => {
        this.waiting = new AbortController();
        if (this.closed) this.waiting.abort();
        return this.waiting.signal;
      },
    });
    if (ctx.hashKey !== undefined || extras.recorder !== undefined) {
      this.tracker = new ResultTracker(extras.catalog, (run) => this.finished(run as SessionRun));
    }
    this.relay = new ServerRelay(
      upstream.status,
      (chunks) => this.toClient(chunks),
      (msg) => this.fail("08P01", msg, "upstream"),
      (name, value) => {
        // The backstop for what the enforcer's guard cannot see (set_config with a computed
        // name): SQL read in another encoding than the one it was decided in must not run.
        if (name === "client_encoding" && !isUtf8(value)) {
          this.events.log("warn", `closing session: upstream client_encoding became ${value}`);
          this.terminate("0A000", "client_encoding must stay UTF8 through the gateway");
        }
      },
      this.tracker,
    );
  }

  /** A cancel request from the client: a statement held for approval stops waiting. */
  cancelWaiting(): boolean {
    if (this.waiting === undefined || this.waiting.signal.aborted) return false;
    this.waiting.abort();
    return true;
  }

  private newRun(text: string, verdict: Verdict, request: SqlRequest | undefined): SessionRun {
    const run: SessionRun = { text, verdict, input: request === undefined ? {} : summarize(request), started: performance.now(), rowsReturned: 0, masked: {} };
    if (verdict.rules !== undefined) run.rules = verdict.rules;
    return run;
  }

  /** Writes a statement line; a recording that cannot be written ends the session (fail closed). */
  private record(payload: StatementPayload): void {
    const rec = this.extras.recorder;
    if (rec === undefined) return;
    void rec.statement(payload).then((w) => {
      if (!w.ok) {
        this.events.log("error", `closing session: recording failed: ${w.error}`);
        this.terminate("58030", "the session recording failed");
      }
    });
  }

  private finished(run: SessionRun): void {
    const p = payloadOf(run.text, run.verdict, run.input);
    p.rows_returned = run.rowsReturned;
    if (run.rowsAffected !== undefined) p.rows_affected = run.rowsAffected;
    if (Object.keys(run.masked).length > 0) p.masked = run.masked;
    p.duration_ms = Math.round((performance.now() - run.started) * 1000) / 1000;
    if (run.error !== undefined) p.error = run.error;
    this.record(p);
  }

  /** A refusal is recorded at once: the statement never ran. */
  private recordRefusal(text: string, verdict: Verdict, request: SqlRequest | undefined): void {
    if (this.extras.recorder === undefined) return;
    const p = payloadOf(text, verdict, request === undefined ? {} : summarize(request));
    p.error = verdict.refusal?.message ?? "refused";
    this.record(p);
  }

  get identity(): Identity {
    return this.ctx.identity;
  }

  /** Whether the session is between requests (nothing owed upstream, no transaction open). */
  get idle(): boolean {
    return !this.busy && this.queueHead >= this.queue.length && this.relay.idle && this.relay.status === "I";
  }

  /** Starts relaying; `greeting` is what the client sees before its first ReadyForQuery. */
  start(greeting: Buffer[], pending: Frame[]): void {
    const up = this.upstream.socket;
    up.on("data", (chunk: Buffer) => this.relay.feed(chunk));
    up.on("error", (e) => this.events.log("warn", `upstream connection error: ${e.message}`));
    up.on("close", () => this.fail("08006", "the upstream server closed the connection", "upstream"));
    up.on("drain", () => this.client.resume());
    this.client.on("data", (chunk: Buffer) => this.fromClient(chunk));
    this.client.on("error", (e) => this.events.log("info", `client connection error: ${e.message}`));
    this.client.on("close", () => this.shutdown());
    this.client.on("drain", () => up.resume());
    this.toClient(greeting);
    for (const b of this.upstream.leftover) this.relay.feed(b);
    for (const f of pending) this.queue.push(f);
    up.resume();
    this.client.resume();
    this.pump();
  }

  /** Ends the session with a FATAL error to the client (unless it is already gone). */
  terminate(code: string, message: string): void {
    if (this.closed) return;
    this.closeReason = `${code} ${message}`;
    endWith(this.client, fatal(code, message));
    this.shutdown();
  }

  private fromClient(chunk: Buffer): void {
    const { frames, error } = this.framer.feed(chunk);
    for (const f of frames) this.queue.push(f);
    if (error) this.queue.push({ type: "\0violation", body: Buffer.from(error.message) });
    if (this.queue.length - this.queueHead > PAUSE_QUEUE) this.client.pause();
    this.pump();
  }

  private toClient(chunks: Buffer[]): void {
    if (this.closed) return;
    const ok = this.client.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    if (!ok) this.upstream.socket.pause();
  }

  /** Processes queued client frames in order; only decisions make it wait. */
  private pump(): void {
    if (this.busy || this.closed) return;
    this.busy = true;
    while (this.queueHead < this.queue.length && !this.closed) {
      const frame = this.queue[this.queueHead++]!;
      const pending = this.handle(frame);
      if (pending !== undefined) {
        void pending.then(
          () => {
            this.busy = false;
            this.pump();
          },
          (e: unknown) => this.fail("XX000", `internal error: ${(e as Error).message}`, "gateway"),
        );
        return;
      }
    }
    if (this.queueHead >= this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
      if (this.client.isPaused() && !this.upstreamBlocked()) this.client.resume();
    }
    this.flushUpstream();
    this.busy = false;
  }

  private upstreamBlocked(): boolean {
    return this.upstream.socket.writableNeedDrain;
  }

  private forward(frame: Frame): void {
    const header = Buffer.allocUnsafe(5);
    header.write(frame.type!, 0, "latin1");
    header.writeInt32BE(frame.body.length + 4, 1);
    this.outgoing.push(header, frame.body);
  }

  private flushUpstream(): void {
    if (this.outgoing.length === 0 || this.closed) return;
    // One write of one buffer: small frames are cheaper copied together than sent as a writev.
    const ok = this.upstream.socket.write(this.outgoing.length === 1 ? this.outgoing[0]! : Buffer.concat(this.outgoing));
    this.outgoing = [];
    if (!ok) this.client.pause();
  }

  private handle(frame: Frame): Promise<void> | undefined {
    if (frame.type === "\0violation") return this.fail("08P01", `invalid message: ${frame.body.toString()}`, "client"), undefined;
    const d = decodeClientMessage(frame);
    if (!d.ok) return this.fail("08P01", `invalid message: ${d.error.message}`, "client"), undefined;
    const m = d.message;
    if (this.skipping) {
      if (m.type === "Sync") {
        this.skipping = false;
        this.relay.inject((status) => encodeServerMessage({ type: "ReadyForQuery", status }));
      } else if (m.type === "Terminate") {
        this.forward(frame);
        this.flushUpstream();
        this.shutdown();
      }
      return undefined;
    }
    switch (m.type) {
      case "Query":
        return this.query(frame, m.sql);
      case "Parse":
        return this.parse(frame, m);
      case "Bind":
        return this.bind(frame, m);
      case "Execute":
        return this.gate(frame, m.portal, this.portals.get(m.portal), m.portal === "" ? "unnamed portal does not exist" : `portal "${m.portal}" does not exist`, "34000");
      case "Describe":
        if (m.target === "S") {
          const s = this.statement(m.name);
          if (s?.refusal) return this.refuseExtended(s.refusal.sqlstate, s.refusal.message), undefined;
        } else if (this.portals.get(m.name)?.refusal) {
          const r = this.portals.get(m.name)!.refusal!;
          return this.refuseExtended(r.sqlstate, r.message), undefined;
        }
        this.extended(frame);
        this.tracker?.expect({ kind: "describe", target: m.target, name: m.name });
        return undefined;
      case "Close":
        if (m.target === "S") this.statements.delete(m.name);
        else this.portals.delete(m.name);
        this.extended(frame);
        this.tracker?.expect({ kind: "one" });
        return undefined;
      case "Sync":
        this.forward(frame);
        this.tracker?.expect({ kind: "sync" });
        this.relay.expectReady();
        this.inBatch = false;
        this.flushUpstream();
        return undefined;
      case "Flush":
        this.forward(frame);
        this.flushUpstream();
        return undefined;
      case "CopyData":
      case "CopyDone":
      case "CopyFail":
        // Only meaningful after a COPY the policy allowed; PostgreSQL ignores them otherwise.
        this.forward(frame);
        return undefined;
      case "FunctionCall":
        this.ctx.session.stats.denied = (this.ctx.session.stats.denied ?? 0) + 1;
        this.relay.inject(errorResponse("42501", "denied by the gateway: fast-path function calls are not allowed"));
        this.relay.inject((status) => encodeServerMessage({ type: "ReadyForQuery", status }));
        return undefined;
      case "Terminate":
        this.forward(frame);
        this.flushUpstream();
        this.closeReason = "client terminated";
        this.shutdown();
        return undefined;
      default:
        return this.fail("08P01", `unexpected message ${m.type}`, "client"), undefined;
    }
  }

  /** A simple Query: decided as a whole; nothing goes upstream unless every statement is allowed. */
  private async query(frame: Frame, sql: string): Promise<void> {
    const request = this.enforcer.describe(sql);
    const verdict = await this.enforcer.check(request);
    const refusal = verdict.refusal;
    if (this.closed) return;
    if (refusal !== null) {
      this.recordRefusal(sql, verdict, request);
      this.flushUpstream();
      this.relay.inject(errorResponse(refusal.sqlstate, refusal.message));
      this.relay.inject((status) => encodeServerMessage({ type: "ReadyForQuery", status }));
      return;
    }
    this.enforcer.track(request);
    for (const s of request.statements) {
      // SQL DEALLOCATE also drops protocol-level statements: they share one namespace.
      if (s.kind !== "deallocate") continue;
      if (typeof s.name === "string") this.statements.delete(s.name);
      else for (const k of [...this.statements.keys()]) if (k !== "") this.statements.delete(k);
    }
    this.forward(frame);
    this.tracker?.expect({ kind: "query", run: this.newRun(sql, verdict, request) });
    this.relay.expectReady();
    this.flushUpstream();
  }

  private statement(name: string): StatementState | undefined {
    const s = this.statements.get(name);
    if (s !== undefined || name === "") return s;
    // A statement PREPAREd in SQL can be bound by name over the protocol.
    const body = this.enforcer.prepared[name];
    if (body === undefined) return undefined;
    return { sql: body, request: this.enforcer.describe(body), refusal: null };
  }

  private async parse(frame: Frame, m: Extract<ClientMessage, { type: "Parse" }>): Promise<void> {
    // A refused Parse never reached upstream, so its name may be used again.
    if (m.name !== "" && (this.statements.get(m.name)?.refusal === null || m.name in this.enforcer.prepared)) {
      // PostgreSQL refuses this too; the gateway must, or it could track one text while
      // upstream keeps another under the same name.
      this.refuseExtended("42P05", `prepared statement "${m.name}" already exists`);
      return;
    }
    const request = this.enforcer.describe(m.sql);
    // An approval is asked for at Bind, where the parameters it is bound to are known.
    const verdict = await this.enforcer.check(request, [], false);
    const refusal = verdict.refusal;
    if (this.closed) return;
    this.statements.set(m.name, { sql: m.sql, request, refusal, verdict });
    if (refusal !== null) {
      this.recordRefusal(m.sql, verdict, request);
      return this.refuseExtended(refusal.sqlstate, refusal.message);
    }
    this.extended(frame);
    this.tracker?.expect({ kind: "one" });
  }

  private async bind(frame: Frame, m: Extract<ClientMessage, { type: "Bind" }>): Promise<void> {
    const s = this.statement(m.statement);
    if (s === undefined) {
      const refusal = { sqlstate: "26000", message: m.statement === "" ? "unnamed prepared statement does not exist" : `prepared statement "${m.statement}" does not exist` };
      // Upstream may hold an older portal of this name: it must not run.
      this.portals.set(m.portal, { refusal });
      return this.refuseExtended(refusal.sqlstate, refusal.message);
    }
    let refusal = s.refusal;
    let verdict = s.verdict;
    // A statement needing approval was let through at Parse: its Bind asks, with the parameters.
    const approval = verdict?.record.outcome === "approval";
    if (refusal === null && (verdict === undefined || approval || (m.params.length > 0 && this.enforcer.bindNeedsDecision))) {
      const format = (i: number) => (m.paramFormats.length === 1 ? m.paramFormats[0]! : (m.paramFormats[i] ?? 0));
      const params = m.params.map((p, i) => paramValue(p, format(i)));
      // Only a LIMIT/FETCH given by a parameter changes the description; otherwise reuse it.
      const request = /\b(limit|fetch)\b/i.test(s.sql) ? this.enforcer.describe(s.sql, params) : { ...s.request, params };
      verdict = await this.enforcer.check(request, m.params.map((p, i): BindingParam => (p === null ? null : format(i) === 1 ? new Uint8Array(p) : p.toString("utf8"))));
      refusal = verdict.refusal;
      if (this.closed) return;
      if (refusal !== null) this.recordRefusal(s.sql, verdict, request);
    }
    this.portals.set(m.portal, { refusal, ...(verdict !== undefined ? { verdict } : {}), sql: s.sql, request: s.request });
    if (refusal !== null) return this.refuseExtended(refusal.sqlstate, refusal.message);
    this.extended(frame);
    this.tracker?.bound(m.portal, m.statement, m.resultFormats);
    this.tracker?.expect({ kind: "one" });
  }

  /** Execute: only portals the gateway bound and allowed. */
  private gate(frame: Frame, name: string, portal: PortalState | undefined, unknown: string, code: string): undefined {
    if (portal === undefined) return this.refuseExtended(code, unknown), undefined;
    if (portal.refusal !== null) return this.refuseExtended(portal.refusal.sqlstate, portal.refusal.message), undefined;
    this.extended(frame);
    if (this.tracker !== undefined && portal.verdict !== undefined) {
      this.tracker.expect({ kind: "execute", portal: name, run: this.newRun(portal.sql ?? "", portal.verdict, portal.request) });
    }
    return undefined;
  }

  private extended(frame: Frame): void {
    this.forward(frame);
    this.inBatch = true;
  }

  /** An error in the extended protocol: answer it in order, then skip until Sync. */
  private refuseExtended(sqlstate: string, message: string): void {
    if (this.inBatch) {
      this.outgoing.push(SYNC);
      this.tracker?.expect({ kind: "sync" });
      this.relay.expectReady(true);
      this.inBatch = false;
    }
    this.flushUpstream();
    this.relay.inject(errorResponse(sqlstate, message));
    this.skipping = true;
  }

  private fail(code: string, message: string, side: "client" | "upstream" | "gateway"): void {
    if (this.closed) return;
    this.events.log(side === "client" ? "info" : "warn", `closing session (${side}): ${message}`);
    if (side === "upstream" || side === "gateway") this.terminate(code === "08P01" ? "08006" : code, side === "upstream" ? "lost the upstream connection" : message);
    else this.terminate(code, message);
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting?.abort();
    const rec = this.extras.recorder;
    if (rec !== undefined) void rec.disconnect({ reason: this.closeReason });
    const up = this.upstream.socket;
    up.end();
    if (!this.client.destroyed) this.client.end();
    // Neither peer may keep a half-closed socket open for long.
    setTimeout(() => {
      up.destroy();
      this.client.destroy();
    }, 1000).unref();
    this.events.closed();
  }
}

export function isUtf8(encoding: string): boolean {
  return /^(utf-?8|unicode)$/i.test(encoding.trim());
}

/** A Bind parameter as policies see it: text as text, binary as PostgreSQL's bytea hex. */
function paramValue(p: Buffer | null, format: number): string | null {
  if (p === null) return null;
  return format === 1 ? `\\x${p.toString("hex")}` : p.toString("utf8");
}

/** The part of `input.request` a recording keeps: statement kinds and tables, never values. */
function summarize(request: SqlRequest): Record<string, unknown> {
  const tables = new Set<string>();
  for (const st of request.statements) for (const t of [...st.tables_read, ...st.tables_written]) tables.add(t);
  return { kinds: request.statements.map((st) => st.kind), tables: [...tables], params: request.params.length };
}

function payloadOf(text: string, verdict: Verdict, input: Record<string, unknown>): StatementPayload {
  const r = verdict.record;
  const reasons = r.outcome === "deny" ? r.decision.deny : r.outcome === "approval" ? [r.decision.approval?.reason ?? ""] : [];
  const p: StatementPayload = { text, input, decision: { id: r.decision_id, outcome: r.outcome, reasons, revision: r.revision } };
  if (verdict.approvalId !== undefined) p.approval_id = verdict.approvalId;
  return p;
}
