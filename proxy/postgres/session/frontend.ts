/**
 * The client side of a connection up to authentication: SSLRequest (TLS), GSSENCRequest
 * (declined), CancelRequest (handed back to the gateway), the startup packet, and the
 * password exchange whose password field carries the client's token.
 *
 * Every refusal is a FATAL ErrorResponse followed by closing the connection, as
 * PostgreSQL does; nothing here throws at the caller.
 */
import type { Socket } from "node:net";
import { TLSSocket, type SecureContext } from "node:tls";
import type { Authenticator, Identity } from "../../core/contracts.js";
import { Framer, decodeClientMessage, encodeEncryptionResponse, encodeServerMessage, type ClientMessage, type Frame } from "../codec/index.js";

/** The outcome of the handshake. */
export type Handshake =
  | {
      kind: "session";
      socket: Socket;
      framer: Framer;
      parameters: Record<string, string>;
      identity: Identity;
      tls: boolean;
      /** Frames already read past the password message (a client that pipelines). */
      pending: Frame[];
    }
  | { kind: "cancel"; processId: number; secretKey: Buffer }
  /** The connection was refused (and answered) or went away. */
  | { kind: "closed"; reason: string };

export interface FrontendOptions {
  secureContext?: SecureContext;
  requireTls: boolean;
  allowPlaintextPassword: boolean;
  authenticator: Authenticator;
  /** How long a client may take to start up and authenticate (default 30 s). */
  timeoutMs?: number;
}

/** A FATAL ErrorResponse, written before the connection is closed. */
export function fatal(code: string, message: string): Buffer {
  return encodeServerMessage({ type: "ErrorResponse", fields: { severity: "FATAL", severityNonLocalized: "FATAL", code, message } });
}

/** Writes a last message and closes; a client that never closes its side cannot hold the socket open. */
export function endWith(socket: Socket, last: Buffer): void {
  socket.end(last, () => socket.destroy());
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** Reads frames one at a time from a socket that can be swapped for its TLS wrapper. */
class FrameSource {
  private frames: Frame[] = [];
  private error: string | undefined;
  private ended = false;
  private waiter: (() => void) | undefined;
  private readonly onData = (chunk: Buffer): void => {
    const r = this.framer.feed(chunk);
    this.frames.push(...r.frames);
    if (r.error) this.error = r.error.message;
    this.wake();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake();
  };

  constructor(public socket: Socket, readonly framer: Framer) {
    this.attach();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  attach(): void {
    this.socket.on("data", this.onData);
    this.socket.on("close", this.onEnd);
    this.socket.on("error", this.onEnd);
  }

  detach(): void {
    this.socket.off("data", this.onData);
    this.socket.off("close", this.onEnd);
    this.socket.off("error", this.onEnd);
  }

  drain(): Frame[] {
    return this.frames.splice(0);
  }

  get buffered(): number {
    return this.frames.length;
  }

  async next(): Promise<Frame | { error: string } | null> {
    for (;;) {
      const f = this.frames.shift();
      if (f !== undefined) return f;
      if (this.error !== undefined) return { error: this.error };
      if (this.ended) return null;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }
}

export async function handshake(raw: Socket, options: FrontendOptions): Promise<Handshake> {
  const framer = new Framer({ startup: true });
  const source = new FrameSource(raw, framer);
  let tls = false;
  const refuse = (code: string, message: string): Handshake => {
    source.detach();
    source.socket.on("error", () => {});
    endWith(source.socket, fatal(code, message));
    return { kind: "closed", reason: message };
  };
  const timer = setTimeout(() => source.socket.destroy(new Error("startup timed out")), options.timeoutMs ?? 30_000);
  try {
    let startup: Extract<ClientMessage, { type: "Startup" }> | undefined;
    while (startup === undefined) {
      const f = await source.next();
      if (f === null) return { kind: "closed", reason: "the client went away during startup" };
      if ("error" in f) return refuse("08P01", `invalid startup packet: ${f.error}`);
      const d = decodeClientMessage(f);
      if (!d.ok) return refuse("08P01", `invalid startup packet: ${d.error.message}`);
      const m = d.message;
      switch (m.type) {
        case "SSLRequest":
          if (tls || options.secureContext === undefined) {
            source.socket.write(encodeEncryptionResponse(false));
            break;
          }
          // Plaintext sent ahead of the handshake would be read as if encrypted (CVE-2021-23214).
          if (framer.pendingBytes > 0 || source.buffered > 0) return refuse("08P01", "received unencrypted data after SSL request");
          source.detach();
          source.socket.write(encodeEncryptionResponse(true));
          source.socket = await upgrade(source.socket, options.secureContext);
          source.attach();
          tls = true;
          break;
        case "GSSENCRequest":
          source.socket.write(encodeEncryptionResponse(false, "gss"));
          break;
        case "CancelRequest":
          source.detach();
          source.socket.destroy();
          return { kind: "cancel", processId: m.processId, secretKey: m.secretKey };
        case "Startup":
          startup = m;
          break;
        default:
          return refuse("08P01", `unexpected ${m.type} during startup`);
      }
    }
    if (startup.minor !== 0) {
      // We speak 3.0; say so as PostgreSQL does, and carry on (the client adapts or leaves).
      source.socket.write(encodeServerMessage({ type: "NegotiateProtocolVersion", newestMinor: 0, unsupportedOptions: Object.keys(startup.parameters).filter((k) => k.startsWith("_pq_.")) }));
    }
    if (options.requireTls && !tls) return refuse("28000", "this gateway accepts TLS connections only (use sslmode=require)");
    if (!tls && !options.allowPlaintextPassword) return refuse("28000", "the token must be sent over TLS (use sslmode=require)");

    source.socket.write(encodeServerMessage({ type: "AuthenticationCleartextPassword" }));
    const f = await source.next();
    if (f === null) return { kind: "closed", reason: "the client went away during authentication" };
    if ("error" in f) return refuse("08P01", `invalid password message: ${f.error}`);
    const d = decodeClientMessage(f, { auth: "password" });
    if (!d.ok || d.message.type !== "PasswordMessage")
      return refuse("08P01", `expected a password message: ${d.ok ? d.message.type : d.error.message}`);
    let verdict: Awaited<ReturnType<Authenticator["authenticate"]>>;
    try {
      verdict = await options.authenticator.authenticate(d.message.password);
    } catch (e) {
      verdict = { error: `the authenticator failed: ${(e as Error).message}` };
    }
    if ("error" in verdict) return refuse("28P01", `token authentication failed: ${verdict.error}`);
    source.detach();
    // Paused until the session takes over, so nothing arriving meanwhile is dropped.
    source.socket.pause();
    return { kind: "session", socket: source.socket, framer, parameters: startup.parameters, identity: verdict.identity, tls, pending: source.drain() };
  } catch (e) {
    source.socket.destroy();
    return { kind: "closed", reason: `startup failed: ${(e as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

function upgrade(socket: Socket, secureContext: SecureContext): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const t = new TLSSocket(socket, { isServer: true, secureContext });
    t.once("secure", () => {
      t.off("error", reject);
      resolve(t);
    });
    t.once("error", reject);
  });
}
