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
import { decodeClientMessage, encodeClientMessage, encodeServerMessage, errorResponse, type ClientMessage, type Frame, type Framer } from "../codec/index.js";
import type { SqlRequest } from "../statement/index.js";
import { Enforcer, type EnforcerContext } from "./enforce.js";
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
}

/** Why the gateway refuses something, as the client will see it. */
type Refused = Pick<Refusal, "sqlstate" | "message">;

/** A portal: allowed (null), or the refusal of its statement or Bind. */
interface PortalState {
  refusal: Refused | null;
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

  constructor(
    private readonly client: Socket,
    private readonly framer: Framer,
    private readonly upstream: Upstream,
    private readonly ctx: EnforcerContext,
    private readonly events: SessionEvents,
  ) {
    this.enforcer = new Enforcer(ctx);
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
    );
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
        return this.gate(frame, this.portals.get(m.portal), m.portal === "" ? "unnamed portal does not exist" : `portal "${m.portal}" does not exist`, "34000");
      case "Describe":
        if (m.target === "S") {
          const s = this.statement(m.name);
          if (s?.refusal) return this.refuseExtended(s.refusal.sqlstate, s.refusal.message), undefined;
        } else if (this.portals.get(m.name)?.refusal) {
          const r = this.portals.get(m.name)!.refusal!;
          return this.refuseExtended(r.sqlstate, r.message), undefined;
        }
        return this.extended(frame), undefined;
      case "Close":
        if (m.target === "S") this.statements.delete(m.name);
        else this.portals.delete(m.name);
        return this.extended(frame), undefined;
      case "Sync":
        this.forward(frame);
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
        this.shutdown();
        return undefined;
      default:
        return this.fail("08P01", `unexpected message ${m.type}`, "client"), undefined;
    }
  }

  /** A simple Query: decided as a whole; nothing goes upstream unless every statement is allowed. */
  private async query(frame: Frame, sql: string): Promise<void> {
    const request = this.enforcer.describe(sql);
    const refusal = await this.enforcer.decide(request);
    if (this.closed) return;
    if (refusal !== null) {
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
    const refusal = await this.enforcer.decide(request);
    if (this.closed) return;
    this.statements.set(m.name, { sql: m.sql, request, refusal });
    if (refusal !== null) return this.refuseExtended(refusal.sqlstate, refusal.message);
    this.extended(frame);
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
    if (refusal === null && m.params.length > 0 && this.enforcer.bindNeedsDecision) {
      const params = m.params.map((p, i) => paramValue(p, m.paramFormats.length === 1 ? m.paramFormats[0]! : (m.paramFormats[i] ?? 0)));
      // Only a LIMIT/FETCH given by a parameter changes the description; otherwise reuse it.
      const request = /\b(limit|fetch)\b/i.test(s.sql) ? this.enforcer.describe(s.sql, params) : { ...s.request, params };
      refusal = await this.enforcer.decide(request);
      if (this.closed) return;
    }
    this.portals.set(m.portal, { refusal });
    if (refusal !== null) return this.refuseExtended(refusal.sqlstate, refusal.message);
    this.extended(frame);
  }

  /** Execute: only portals the gateway bound and allowed. */
  private gate(frame: Frame, portal: PortalState | undefined, unknown: string, code: string): undefined {
    if (portal === undefined) return this.refuseExtended(code, unknown), undefined;
    if (portal.refusal !== null) return this.refuseExtended(portal.refusal.sqlstate, portal.refusal.message), undefined;
    this.extended(frame);
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
