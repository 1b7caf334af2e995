/**
 * The listener: accepts clients, runs the handshake, opens the upstream, and hands both to
 * a Session. Owns the cancel-key registry and the set of live sessions (for draining).
 */
import { randomUUID } from "node:crypto";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { createSecureContext, type SecureContext } from "node:tls";
import type { SessionInfo } from "../../core/contracts.js";
import { encodeServerMessage } from "../codec/index.js";
import { ensureParser } from "../statement/index.js";
import { CancelRegistry, sendUpstreamCancel } from "./cancel.js";
import { endWith, fatal, handshake } from "./frontend.js";
import { Session } from "./session.js";
import type { GatewayLogEvent, GatewayOptions } from "./types.js";
import { openUpstream } from "./upstream.js";
import { startRecording, type SessionRecorder } from "../../core/recording/index.js";
import { Catalog } from "./catalog.js";

/**
 * Startup parameters passed on to the upstream. Anything else is dropped: a startup
 * parameter is a `SET` that no policy sees (`role`, `search_path`, `options=-c …`).
 */
const FORWARDED_PARAMETERS = new Set(["application_name", "datestyle", "timezone", "extra_float_digits", "intervalstyle"]);

export class PostgresGateway {
  private server: Server | undefined;
  private readonly secureContext: SecureContext | undefined;
  private readonly cancels = new CancelRegistry();
  private readonly sessions = new Set<Session>();
  /** Connections still in their handshake (not yet sessions). */
  private readonly starting = new Set<Socket>();
  /** Every accepted connection, so close() can end stragglers. */
  private readonly sockets = new Set<Socket>();
  private closing = false;

  constructor(private readonly options: GatewayOptions) {
    this.secureContext = options.tls ? createSecureContext(options.tls) : undefined;
    if (options.requireTls && this.secureContext === undefined) throw new Error("requireTls needs a certificate and key (tls.cert, tls.key)");
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  async listen({ host = "127.0.0.1", port }: { host?: string; port: number }): Promise<AddressInfo> {
    await ensureParser();
    const server = createServer((socket) => void this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  /** Live sessions (for tests and the admin API). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * Stops accepting, lets every session finish what it is doing (idle sessions outside a
   * transaction are ended at once with 57P01, as PostgreSQL's smart shutdown would once
   * they are idle), and after `graceMs` ends whatever is left.
   */
  async close({ graceMs = 5_000 }: { graceMs?: number } = {}): Promise<void> {
    this.closing = true;
    const stopped = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const s of this.starting) s.destroy();
    const deadline = Date.now() + graceMs;
    while (this.sessions.size > 0 && Date.now() < deadline) {
      for (const s of this.sessions) if (s.idle) s.terminate("57P01", "terminating connection: the gateway is shutting down");
      if (this.sessions.size > 0) await new Promise((r) => setTimeout(r, 20));
    }
    for (const s of this.sessions) s.terminate("57P01", "terminating connection: the gateway is shutting down");
    setTimeout(() => {
      for (const s of this.sockets) s.destroy();
    }, 200).unref();
    await stopped;
  }

  private log(event: GatewayLogEvent): void {
    this.options.log?.(event);
  }

  private async accept(socket: Socket): Promise<void> {
    socket.setNoDelay(true);
    socket.on("error", () => {}); // reported where the connection is handled
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    if (this.closing) return void socket.destroy();
    this.starting.add(socket);
    try {
      await this.run(socket);
    } catch (e) {
      this.log({ level: "error", message: `connection failed: ${(e as Error).message}` });
      socket.destroy();
    } finally {
      this.starting.delete(socket);
    }
  }

  private async run(raw: Socket): Promise<void> {
    const o = this.options;
    const h = await handshake(raw, {
      secureContext: this.secureContext,
      requireTls: o.requireTls ?? false,
      allowPlaintextPassword: o.allowPlaintextPassword ?? false,
      authenticator: o.authenticator,
    });
    if (h.kind === "closed") {
      this.log({ level: "info", message: `connection from ${raw.remoteAddress} refused: ${h.reason}` });
      return;
    }
    if (h.kind === "cancel") {
      const target = this.cancels.lookup(h.processId, h.secretKey);
      if (target !== undefined) await target.cancel();
      return;
    }
    const id = randomUUID();
    const forwarded: Record<string, string> = { client_encoding: "UTF8" };
    for (const [k, v] of Object.entries(h.parameters)) if (FORWARDED_PARAMETERS.has(k.toLowerCase())) forwarded[k] = v;
    if (o.upstream.database === undefined) forwarded.database = h.parameters.database ?? o.upstream.user;
    const up = await openUpstream(o.upstream, forwarded);
    if ("sqlstate" in up) {
      this.log({ level: "warn", session: id, message: `upstream connection failed: ${up.message}` });
      endWith(h.socket, fatal(up.sqlstate, up.message));
      return;
    }
    if (this.closing) {
      up.socket.destroy();
      endWith(h.socket, fatal("57P01", "terminating connection: the gateway is shutting down"));
      return;
    }
    const info: SessionInfo = {
      id,
      started_at: new Date().toISOString(),
      client_addr: raw.remoteAddress ?? "",
      stats: { statements: 0, denied: 0 },
    };
    if (h.parameters.application_name !== undefined) info.application_name = h.parameters.application_name;
    let recorder: SessionRecorder | undefined;
    if (o.recording !== undefined) {
      const r = o.recording;
      const identity = h.identity;
      const opened = await startRecording(
        { dir: r.dir, key: r.key, secrets: [...r.secrets, ...(o.upstream.password !== undefined ? [o.upstream.password] : [])] },
        {
          session: id,
          identity: { sub: identity.sub, issuer: identity.issuer, groups: identity.groups, agent: identity.agent, ...(identity.email !== undefined ? { email: identity.email } : {}) },
          connection: o.connection,
          client_addr: info.client_addr,
          ...(info.application_name !== undefined ? { application_name: info.application_name } : {}),
          details: { database: forwarded.database ?? o.upstream.database, user: h.parameters.user, tls: h.socket !== raw },
        },
      );
      if (!opened.ok) {
        // No recording, no session: an unrecorded session is what recording exists to prevent.
        this.log({ level: "error", session: id, message: `session refused: ${opened.error}` });
        up.socket.destroy();
        endWith(h.socket, fatal("58030", "the gateway cannot record this session"));
        return;
      }
      recorder = opened.recorder;
    }
    const upstreamKey = up.backendKey;
    let session: Session | undefined = undefined;
    const { key, release } = this.cancels.issue({
      // A statement held for approval has nothing upstream to cancel: it stops waiting.
      cancel: () => (session?.cancelWaiting() ? Promise.resolve() : upstreamKey ? sendUpstreamCancel(o.upstream, upstreamKey) : Promise.resolve()),
    });
    const s: Session = new Session(
      h.socket,
      h.framer,
      up,
      {
        decider: o.decider,
        identity: h.identity,
        connection: o.connection,
        session: info,
        policyVersion: o.policyVersion,
        policyReadsParams: o.policyReadsParams,
        approvals: o.approvals,
        ...(o.masking !== undefined ? { hashKey: o.masking.hashKey } : {}),
      },
      {
        log: (level, message) => this.log({ level, session: id, message }),
        closed: () => {
          release();
          this.sessions.delete(s);
        },
      },
      {
        ...(o.masking !== undefined ? { catalog: new Catalog(o.upstream, o.upstream.database ?? forwarded.database ?? o.upstream.user) } : {}),
        ...(recorder !== undefined ? { recorder } : {}),
      },
    );
    session = s;
    this.sessions.add(s);
    this.starting.delete(raw);
    this.log({ level: "info", session: id, message: `session started for ${h.identity.sub} from ${info.client_addr}` });
    const greeting = [
      encodeServerMessage({ type: "AuthenticationOk" }),
      ...up.parameterFrames,
      encodeServerMessage({ type: "BackendKeyData", processId: key.processId, secretKey: key.secretKey }),
      encodeServerMessage({ type: "ReadyForQuery", status: up.status }),
    ];
    s.start(greeting, h.pending);
  }
}
