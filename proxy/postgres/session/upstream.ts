/**
 * Opens the gateway's own connection to the real PostgreSQL: TCP, optional TLS, startup,
 * the server's choice of authentication (trust, cleartext, md5, SCRAM-SHA-256) with the
 * configured credentials, then everything up to the first ReadyForQuery.
 *
 * Failures are values. Authentication failures are reported generically: the upstream's
 * own message can name the role, and nothing about the gateway's credentials may reach a
 * client, a log or a recording.
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { Framer, allLarge, decodeServerMessage, encodeClientMessage, type Frame, type NoticeFields, type TransactionStatus } from "../codec/index.js";
import { ScramClient, md5Password } from "./upstream-auth.js";
import type { BackendKey, UpstreamConfig } from "./types.js";

/** An upstream session ready for queries. */
export interface Upstream {
  socket: Socket | TLSSocket;
  /** ParameterStatus frames as the server sent them, to relay to the client verbatim. */
  parameterFrames: Buffer[];
  backendKey: BackendKey | undefined;
  status: TransactionStatus;
  /** Frames the server sent after its first ReadyForQuery in the same read (rare). */
  leftover: Buffer[];
}

/** Why the upstream could not be opened; `message` is safe to show a client. */
export interface UpstreamFailure {
  sqlstate: string;
  message: string;
}

export const AUTH_FAILED = "upstream authentication failed";

/** A frame re-assembled as wire bytes (type byte, length, body). */
export function rawFrame(frame: Frame): Buffer {
  const header = Buffer.allocUnsafe(5);
  header.write(frame.type ?? "?", 0, "latin1");
  header.writeInt32BE(frame.body.length + 4, 1);
  return Buffer.concat([header, frame.body], frame.body.length + 5);
}

/** Connects and logs in; resolves with the session or with a failure, never rejects. */
export async function openUpstream(config: UpstreamConfig, parameters: Record<string, string>): Promise<Upstream | UpstreamFailure> {
  const timeoutMs = config.connectTimeoutMs ?? 10_000;
  let socket: Socket | TLSSocket | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<UpstreamFailure>((resolve) => {
      timer = setTimeout(() => resolve({ sqlstate: "08006", message: "upstream did not answer in time" }), timeoutMs);
    });
    const attempt = (async (): Promise<Upstream | UpstreamFailure> => {
      const plain = await tcp(config);
      socket = plain;
      const s = await negotiateTls(plain, config);
      if ("sqlstate" in s) return s;
      socket = s;
      return await login(s, config, parameters);
    })();
    const result = await Promise.race([attempt, timeout]);
    if ("sqlstate" in result) socket?.destroy();
    return result;
  } catch (e) {
    socket?.destroy();
    // Socket errors name host and port at most; never credentials.
    return { sqlstate: "08006", message: `cannot reach the upstream server: ${(e as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

function tcp(config: UpstreamConfig): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: config.host, port: config.port });
    s.setNoDelay(true);
    s.once("connect", () => {
      s.off("error", reject);
      resolve(s);
    });
    s.once("error", reject);
  });
}

/** Reads exactly one byte (the answer to an SSLRequest), refusing anything sent after it. */
function readOneByte(socket: Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      cleanup();
      // A server that sends more than the one byte before the handshake could be
      // injecting plaintext into what we would treat as encrypted (CVE-2021-23222).
      if (chunk.length !== 1) reject(new Error("unexpected data after the SSL response"));
      else resolve(chunk[0]!);
    };
    const onError = (e: Error): void => (cleanup(), reject(e));
    const onEnd = (): void => (cleanup(), reject(new Error("upstream closed the connection")));
    const cleanup = (): void => {
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("end", onEnd);
      socket.pause();
    };
    socket.on("data", onData);
    socket.once("error", onError);
    socket.once("end", onEnd);
  });
}

async function negotiateTls(socket: Socket, config: UpstreamConfig): Promise<Socket | TLSSocket | UpstreamFailure> {
  const mode = config.tls ?? "disable";
  if (mode === "disable") return socket;
  socket.write(encodeClientMessage({ type: "SSLRequest" }));
  const answer = await readOneByte(socket);
  if (answer !== 0x53) return { sqlstate: "08006", message: "the upstream server does not support TLS" };
  return new Promise((resolve) => {
    const t = tlsConnect({
      socket,
      servername: isIp(config.host) ? undefined : config.host,
      ca: config.ca,
      rejectUnauthorized: mode === "verify-full",
      // `require` encrypts without authenticating the server, like libpq's sslmode=require.
      ...(mode === "require" ? { checkServerIdentity: () => undefined } : {}),
    });
    t.once("secureConnect", () => {
      t.off("error", onError);
      resolve(t);
    });
    const onError = (e: Error): void => resolve({ sqlstate: "08006", message: `TLS to the upstream server failed: ${e.message}` });
    t.once("error", onError);
  });
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}

/** Startup and authentication, then collects ParameterStatus and BackendKeyData up to ReadyForQuery. */
function login(socket: Socket | TLSSocket, config: UpstreamConfig, parameters: Record<string, string>): Promise<Upstream | UpstreamFailure> {
  return new Promise((resolve) => {
    const framer = new Framer({ isLarge: allLarge });
    const parameterFrames: Buffer[] = [];
    let backendKey: BackendKey | undefined;
    let scram: ScramClient | undefined;
    let settled = false;

    const finish = (r: Upstream | UpstreamFailure): void => {
      if (settled) return;
      settled = true;
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("close", onClose);
      socket.pause();
      resolve(r);
    };
    const fail = (sqlstate: string, message: string): void => finish({ sqlstate, message });
    const onError = (e: Error): void => fail("08006", `upstream connection failed: ${e.message}`);
    const onClose = (): void => fail("08006", "the upstream server closed the connection during login");

    const handle = (frame: Frame): boolean => {
      const d = decodeServerMessage(frame);
      if (!d.ok) return fail("08P01", `upstream protocol violation: ${d.error.message}`), false;
      const m = d.message;
      switch (m.type) {
        case "AuthenticationOk":
          return true;
        case "AuthenticationCleartextPassword":
        case "AuthenticationMD5Password": {
          if (config.password === undefined) return fail("28000", AUTH_FAILED), false;
          const password = m.type === "AuthenticationCleartextPassword" ? config.password : md5Password(config.user, config.password, m.salt);
          socket.write(encodeClientMessage({ type: "PasswordMessage", password }));
          return true;
        }
        case "AuthenticationSASL":
          if (config.password === undefined || !m.mechanisms.includes("SCRAM-SHA-256")) return fail("28000", AUTH_FAILED), false;
          scram = new ScramClient(config.password);
          socket.write(encodeClientMessage({ type: "SASLInitialResponse", mechanism: "SCRAM-SHA-256", data: scram.first() }));
          return true;
        case "AuthenticationSASLContinue": {
          const reply = scram?.final(m.data);
          if (reply === undefined || !Buffer.isBuffer(reply)) return fail("28000", AUTH_FAILED), false;
          socket.write(encodeClientMessage({ type: "SASLResponse", data: reply }));
          return true;
        }
        case "AuthenticationSASLFinal":
          if (scram === undefined || scram.verify(m.data) !== true) return fail("28000", AUTH_FAILED), false;
          return true;
        case "ParameterStatus":
          parameterFrames.push(rawFrame(frame));
          return true;
        case "BackendKeyData":
          backendKey = { processId: m.processId, secretKey: m.secretKey };
          return true;
        case "NoticeResponse":
        case "NegotiateProtocolVersion":
          return true;
        case "ErrorResponse":
          fail(...startupError(m.fields));
          return false;
        case "ReadyForQuery":
          ready = m.status;
          return false;
        default:
          return fail("08P01", `unexpected upstream message ${m.type} during login`), false;
      }
    };

    let ready: TransactionStatus | undefined;
    const onData = (chunk: Buffer): void => {
      const { frames, error } = framer.feed(chunk);
      for (let i = 0; i < frames.length; i++) {
        if (handle(frames[i]!)) continue;
        if (ready !== undefined) {
          // Anything after ReadyForQuery in the same read already belongs to the session.
          const leftover = frames.slice(i + 1).map(rawFrame);
          finish({ socket, parameterFrames, backendKey, status: ready, leftover });
        }
        return;
      }
      if (error) fail("08P01", `upstream protocol violation: ${error.message}`);
    };

    socket.on("data", onData);
    socket.once("error", onError);
    socket.once("close", onClose);
    socket.resume();

    const startup: Record<string, string> = { ...parameters, user: config.user };
    if (config.database !== undefined) startup.database = config.database;
    socket.write(encodeClientMessage({ type: "Startup", major: 3, minor: 0, parameters: startup }));
  });
}

/** Maps an upstream startup error to what the client may see. */
function startupError(fields: NoticeFields): [string, string] {
  const code = fields.code ?? "08006";
  // Class 28 (invalid authorization) and 42501 at login can name the role: say nothing.
  if (code.startsWith("28") || code === "42501") return ["28000", AUTH_FAILED];
  return [code, `upstream refused the connection: ${fields.message ?? "unknown error"}`];
}
