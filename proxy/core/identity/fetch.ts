/**
 * Stage 1 of key retrieval: reading a JWKS document from a file or an HTTPS URL.
 *
 * Node's `https` module rather than `fetch`: it takes a per-request CA (a private issuer's
 * CA or a test's self-signed certificate) without touching the process-wide trust store.
 * Redirects are not followed and bodies are capped, so a misconfigured or hostile URL
 * cannot lead the gateway elsewhere or exhaust its memory.
 */
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import type { JSONWebKeySet } from "jose";
import { AuthError } from "./types.js";

/** Larger than any real JWKS (a few KiB); reaching it means the URL is wrong. */
const MAX_JWKS_BYTES = 1 << 20;

export interface FetchOptions {
  ca?: string;
  allowInsecureHttp?: boolean;
  timeoutMs: number;
}

/** Loopback only: `localhost`, 127.0.0.0/8, `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || h === "0:0:0:0:0:0:0:1";
  return false;
}

/** Why a JWKS URL is unacceptable, or null. Shared with the config validator. */
export function checkJwksUrl(url: string, allowInsecureHttp: boolean): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "is not a valid URL";
  }
  if (u.protocol === "https:") return null;
  if (u.protocol === "http:") {
    if (!allowInsecureHttp) return "must use https (http only with allow_insecure_http, on loopback)";
    if (!isLoopbackHost(u.hostname)) return "http is allowed only on a loopback host";
    return null;
  }
  return `must use https, not ${u.protocol.replace(/:$/, "")}`;
}

export async function readJwksFile(path: string): Promise<JSONWebKeySet> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new AuthError(`cannot read the issuer's JWKS file ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
  return parseJwks(text, path);
}

export function fetchJwks(url: string, options: FetchOptions): Promise<JSONWebKeySet> {
  const problem = checkJwksUrl(url, options.allowInsecureHttp ?? false);
  if (problem) return Promise.reject(new AuthError(`JWKS URL ${url} ${problem}`));
  const u = new URL(url);
  const client = u.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const fail = (why: string) => reject(new AuthError(`cannot fetch the issuer's JWKS from ${url}: ${why}`));
    const req = client.get(u, { ...(options.ca && u.protocol === "https:" ? { ca: options.ca } : {}), headers: { accept: "application/json" }, timeout: options.timeoutMs }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        fail(`HTTP ${res.statusCode ?? "?"}`);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_JWKS_BYTES) {
          req.destroy();
          fail("response larger than 1 MiB");
          return;
        }
        chunks.push(c);
      });
      res.on("end", () => {
        try {
          resolve(parseJwks(Buffer.concat(chunks).toString("utf8"), url));
        } catch (e) {
          reject(e);
        }
      });
      res.on("error", (e) => fail(e.message));
    });
    req.on("timeout", () => {
      req.destroy();
      fail(`no answer within ${options.timeoutMs} ms`);
    });
    req.on("error", (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
  });
}

function parseJwks(text: string, where: string): JSONWebKeySet {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new AuthError(`the issuer's JWKS at ${where} is not JSON`);
  }
  if (doc === null || typeof doc !== "object" || !Array.isArray((doc as { keys?: unknown }).keys)) {
    throw new AuthError(`the issuer's JWKS at ${where} has no "keys" list`);
  }
  // Symmetric keys have no place in a public JWKS; dropping them makes an `oct` key
  // smuggled into the set unusable for HS* confusion even if an algorithm check failed.
  const keys = (doc as JSONWebKeySet).keys.filter((k) => k !== null && typeof k === "object" && k.kty !== "oct");
  return { keys };
}
