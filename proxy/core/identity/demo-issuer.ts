/**
 * A local OIDC issuer for `npm start` and tests: an in-memory key pair, its JWKS written to
 * a file and/or served on loopback, and `mint()` to sign tokens the gateway will accept.
 *
 * The HTTPS server's certificate is self-signed, made by the `openssl` command (Node has no
 * API to create X.509 certificates); its PEM is exposed as `ca` so a provider can trust it
 * explicitly instead of the process trusting everything. The file JWKS needs no `openssl`
 * and is the default, being the most robust.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK, type JWTPayload } from "jose";
import type { ProviderConfig } from "./types.js";

export type DemoAlg = "RS256" | "ES256" | "EdDSA";

export interface DemoIssuerOptions {
  issuer: string;
  audience: string;
  /** Default ES256. */
  alg?: DemoAlg;
  /** Write the JWKS here; `true` picks a file in a fresh temporary folder. Default true unless `serve` is set. */
  jwksFile?: string | true;
  /** Also serve the JWKS on 127.0.0.1 (ephemeral port) at `/jwks.json`. */
  serve?: "https" | "http";
  /** The claim and value marking agents in minted tokens. Default `azp` = `portcullis-agent`. */
  agentClaim?: { claim: string; value: string };
}

export interface MintOptions {
  sub: string;
  email?: string;
  groups?: string[];
  /** Marks the token as an agent's (sets the agent claim). */
  agent?: boolean;
  /** Default 3600. Negative values mint already-expired tokens. */
  ttlSeconds?: number;
  /** `nbf` this many seconds from now (tests of not-yet-valid tokens). */
  notBeforeSeconds?: number;
  /** Overrides; `aud`/`iss` here replace the issuer's own (tests of mismatches). */
  claims?: JWTPayload;
  /** Sign with this kid in the header instead of the current key's (tests of unknown kids). */
  kid?: string;
}

export interface DemoIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly alg: DemoAlg;
  /** The kid of the key `mint` signs with. */
  readonly kid: string;
  readonly jwksFile?: string;
  readonly jwksUrl?: string;
  /** PEM of the self-signed certificate when serving HTTPS. */
  readonly ca?: string;
  /** JWKS requests the server has answered. */
  readonly requests: number;
  jwks(): JSONWebKeySet;
  /** A provider config that trusts this issuer (groups in `groups`, agents by `agentClaim`). */
  provider(): ProviderConfig;
  mint(options: MintOptions): Promise<string>;
  /** Switches to a new key; the old public key stays in the JWKS unless `keepOld` is false. */
  rotate(options?: { keepOld?: boolean }): Promise<string>;
  close(): Promise<void>;
}

interface KeyPair {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function newKey(alg: DemoAlg): Promise<KeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = (await calculateJwkThumbprint(jwk)).slice(0, 16);
  return { kid, privateKey, publicJwk: { ...jwk, kid, alg, use: "sig" } };
}

export async function createDemoIssuer(options: DemoIssuerOptions): Promise<DemoIssuer> {
  const alg = options.alg ?? "ES256";
  const agentClaim = options.agentClaim ?? { claim: "azp", value: "portcullis-agent" };
  let current = await newKey(alg);
  let published: JWK[] = [current.publicJwk];
  let requests = 0;
  let tempDir: string | undefined;

  const wantFile = options.jwksFile ?? (options.serve ? undefined : true);
  let jwksFile: string | undefined;
  if (wantFile === true) {
    tempDir = mkdtempSync(join(tmpdir(), "portcullis-demo-issuer-"));
    jwksFile = join(tempDir, "jwks.json");
  } else if (typeof wantFile === "string") {
    jwksFile = wantFile;
  }
  const jwks = (): JSONWebKeySet => ({ keys: published.map((k) => ({ ...k })) });
  const writeFile = () => {
    if (!jwksFile) return;
    // Write then rename, so a verifier never reads a half-written file.
    const tmp = `${jwksFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(jwks(), null, 2));
    renameSync(tmp, jwksFile);
  };
  writeFile();

  let server: http.Server | https.Server | undefined;
  let jwksUrl: string | undefined;
  let ca: string | undefined;
  if (options.serve) {
    const handler: http.RequestListener = (req, res) => {
      if (req.url !== "/jwks.json") {
        res.writeHead(404).end();
        return;
      }
      requests++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwks()));
    };
    if (options.serve === "https") {
      const tls = selfSignedCertificate();
      ca = tls.cert;
      server = https.createServer({ key: tls.key, cert: tls.cert }, handler);
    } else {
      server = http.createServer(handler);
    }
    await new Promise<void>((resolve, reject) => {
      server!.once("error", reject);
      server!.listen(0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    jwksUrl = `${options.serve}://127.0.0.1:${port}/jwks.json`;
  }

  return {
    issuer: options.issuer,
    audience: options.audience,
    alg,
    get kid() {
      return current.kid;
    },
    ...(jwksFile !== undefined ? { jwksFile } : {}),
    ...(jwksUrl !== undefined ? { jwksUrl } : {}),
    ...(ca !== undefined ? { ca } : {}),
    get requests() {
      return requests;
    },
    jwks,
    provider(): ProviderConfig {
      return {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: [alg],
        ...(jwksUrl !== undefined ? { jwksUrl, ...(ca !== undefined ? { jwksCa: ca } : { allowInsecureHttp: true }) } : { jwksFile: jwksFile! }),
        agent: { claim: agentClaim.claim, values: [agentClaim.value] },
      };
    },
    async mint(m: MintOptions): Promise<string> {
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = {
        iss: options.issuer,
        aud: options.audience,
        sub: m.sub,
        iat: now,
        exp: now + (m.ttlSeconds ?? 3600),
        ...(m.email !== undefined ? { email: m.email } : {}),
        ...(m.groups !== undefined ? { groups: m.groups } : {}),
        ...(m.agent ? { [agentClaim.claim]: agentClaim.value } : {}),
        ...(m.notBeforeSeconds !== undefined ? { nbf: now + m.notBeforeSeconds } : {}),
        ...m.claims,
      };
      return new SignJWT(payload).setProtectedHeader({ alg, kid: m.kid ?? current.kid, typ: "JWT" }).sign(current.privateKey);
    },
    async rotate(r: { keepOld?: boolean } = {}): Promise<string> {
      current = await newKey(alg);
      published = r.keepOld === false ? [current.publicJwk] : [...published, current.publicJwk];
      writeFile();
      return current.kid;
    },
    async close(): Promise<void> {
      if (server) {
        const s = server;
        server = undefined;
        s.closeAllConnections?.();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

/** A P-256 certificate for 127.0.0.1, ::1 and localhost, valid for two days. */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-demo-tls-"));
  try {
    const keyPath = join(dir, "key.pem");
    const certPath = join(dir, "cert.pem");
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyPath, "-out", certPath, "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost", "-days", "2"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    return { key: readFileSync(keyPath, "utf8"), cert: readFileSync(certPath, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
