/**
 * Cancel routing. Each client gets the gateway's own BackendKeyData (the upstream's
 * never leaves the gateway); a CancelRequest arriving on a new connection is matched to
 * the session holding that key and forwarded, over a new upstream connection, with the
 * upstream backend's key.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { encodeClientMessage } from "../codec/index.js";
import type { BackendKey, UpstreamConfig } from "./types.js";

/** What a session registers: how to cancel whatever its upstream backend is running. */
export interface Cancellable {
  cancel(): Promise<void>;
}

export class CancelRegistry {
  private readonly byPid = new Map<number, { secret: Buffer; target: Cancellable }>();

  /** Issues a fresh key for a session; `release` must be called when the session ends. */
  issue(target: Cancellable): { key: BackendKey; release: () => void } {
    let processId: number;
    do processId = randomBytes(4).readInt32BE(0) & 0x7fffffff;
    while (processId === 0 || this.byPid.has(processId));
    const secret = randomBytes(4);
    this.byPid.set(processId, { secret, target });
    return { key: { processId, secretKey: secret }, release: () => void this.byPid.delete(processId) };
  }

  /** Finds the session for a cancel key; a wrong secret finds nothing (and says nothing). */
  lookup(processId: number, secretKey: Buffer): Cancellable | undefined {
    const entry = this.byPid.get(processId);
    if (entry === undefined || entry.secret.length !== secretKey.length) return undefined;
    return timingSafeEqual(entry.secret, secretKey) ? entry.target : undefined;
  }

  get size(): number {
    return this.byPid.size;
  }
}

/**
 * Sends a CancelRequest for `key` to the upstream server over a new connection (TLS
 * first when the upstream is configured for it). Best effort, as in PostgreSQL: errors
 * are swallowed and the server answers nothing.
 */
export function sendUpstreamCancel(config: UpstreamConfig, key: BackendKey): Promise<void> {
  const packet = encodeClientMessage({ type: "CancelRequest", processId: key.processId, secretKey: key.secretKey });
  return new Promise((resolve) => {
    const s = netConnect({ host: config.host, port: config.port });
    const done = (): void => {
      s.destroy();
      resolve();
    };
    const timer = setTimeout(done, config.connectTimeoutMs ?? 10_000);
    s.once("error", done);
    s.once("close", () => (clearTimeout(timer), resolve()));
    s.once("connect", () => {
      if ((config.tls ?? "disable") === "disable") {
        s.end(packet);
        return;
      }
      s.write(encodeClientMessage({ type: "SSLRequest" }));
      s.once("data", (b: Buffer) => {
        if (b[0] !== 0x53) return done();
        const t = tlsConnect({ socket: s, ca: config.ca, rejectUnauthorized: config.tls === "verify-full", ...(config.tls === "require" ? { checkServerIdentity: () => undefined } : {}) });
        t.once("secureConnect", () => t.end(packet));
        t.once("error", done);
        t.once("close", done);
      });
    });
  });
}
