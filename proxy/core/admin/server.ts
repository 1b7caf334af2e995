/**
 * The admin HTTP server (`node:http`): authenticates every request with the same OIDC
 * tokens clients use (`Authorization: Bearer …`, verified by the gateway's Authenticator),
 * reads a small JSON body, and hands the rest to routes.ts.
 *
 * It listens on loopback unless told otherwise: the API decides who may run dangerous
 * statements, and plain HTTP off the host would expose tokens. A non-loopback address
 * needs `allowNonLoopback` (put TLS in front of it).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Authenticator } from "../contracts.js";
import type { Approvals } from "../approvals/index.js";
import { isLoopbackHost } from "../identity/index.js";
import { route } from "./routes.js";

export interface AdminServerOptions {
  approvals: Approvals;
  authenticator: Authenticator;
  /** `host:port`; default `127.0.0.1:0` (an ephemeral port: read `url`). */
  address?: string;
  /** Permit a non-loopback host. Default false. */
  allowNonLoopback?: boolean;
}

export interface AdminServer {
  /** `http://host:port`. */
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024;

/** `host:port` (IPv6 in brackets) → parts, or an error message. */
export function parseAddress(address: string): { host: string; port: number } | string {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(address);
  if (!m) return `admin address must be host:port, got ${JSON.stringify(address)}`;
  const port = Number(m[2]);
  if (port > 65535) return `admin port out of range: ${port}`;
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

function send(res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2) + "\n";
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), "cache-control": "no-store", ...extra });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<{ body: unknown } | { error: string; status: number }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) over = true;
      else chunks.push(c);
    });
    req.on("end", () => {
      if (over) return resolve({ status: 413, error: `body larger than ${MAX_BODY} bytes` });
      const text = Buffer.concat(chunks).toString("utf8").trim();
      if (text === "") return resolve({ body: undefined });
      try {
        resolve({ body: JSON.parse(text) as unknown });
      } catch {
        resolve({ status: 400, error: "the body is not valid JSON" });
      }
    });
    req.on("error", () => resolve({ status: 400, error: "the request body could not be read" }));
  });
}

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const parsed = parseAddress(options.address ?? "127.0.0.1:0");
  if (typeof parsed === "string") throw new RangeError(parsed);
  if (!isLoopbackHost(parsed.host) && !options.allowNonLoopback) {
    throw new RangeError(`admin API address ${parsed.host} is not loopback; set allowNonLoopback (and put TLS in front) to expose it`);
  }

  const server = http.createServer((req, res) => {
    void (async () => {
      const header = req.headers.authorization ?? "";
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) {
        req.resume();
        return send(res, 401, { error: "missing bearer token (Authorization: Bearer <OIDC token>)" }, { "www-authenticate": "Bearer" });
      }
      const auth = await options.authenticator.authenticate(m[1]!);
      if ("error" in auth) {
        req.resume();
        return send(res, 401, { error: `invalid token: ${auth.error}` }, { "www-authenticate": 'Bearer error="invalid_token"' });
      }
      const read = await readBody(req);
      if ("error" in read) return send(res, read.status, { error: read.error });
      const url = new URL(req.url ?? "/", "http://admin.invalid");
      const out = await route(options.approvals, auth.identity, req.method ?? "GET", url, read.body);
      send(res, out.status, out.body);
    })().catch(() => {
      if (!res.headersSent) send(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(parsed.port, parsed.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
