/**
 * Bundle signatures: `/.signatures.json` holds `{"signatures": ["<compact JWS>"]}` whose
 * payload lists every signed file as `{name, hash, algorithm}` (see hash.ts), as OPA writes
 * it. With a key id and no custom claims, OPA also puts the deprecated `keyid` claim in the
 * payload and `kid` in the protected header; we do the same. `scope` is a claim OPA compares
 * with the verifier's configured scope (both empty is a match).
 */

import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { CompactSign, compactVerify } from "jose";
import { BundleError } from "./errors.js";

export type SigningAlg =
  | "RS256" | "RS384" | "RS512"
  | "PS256" | "PS384" | "PS512"
  | "ES256" | "ES384" | "ES512"
  | "EdDSA"
  | "HS256" | "HS384" | "HS512";

const ALGS = new Set<string>(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512"]);

/** One entry of the signed payload's `files`. `name` has no leading slash. */
export interface FileInfo {
  name: string;
  hash: string;
  algorithm: string;
}

export interface SigningConfig {
  /** PEM private key (PKCS#8, PKCS#1 or SEC1), or the shared secret itself for HS*. */
  key: string;
  alg: SigningAlg;
  keyId?: string;
  /** Written as the `scope` claim. */
  scope?: string;
  /** Extra claims (like `opa sign --claims-file`); when given, OPA omits `keyid`, so do we. */
  claims?: Record<string, unknown>;
}

export interface VerificationConfig {
  /** PEM public key, certificate or private key, or the shared secret for HS*. */
  key: string;
  /** Expected algorithm; by default inferred from the key (RSA → RS256 as OPA's default). */
  alg?: SigningAlg;
  /** Informational: OPA uses it to pick among configured keys; we have exactly one. */
  keyId?: string;
  /** Must equal the token's `scope` claim (absent = ""). */
  scope?: string;
  /** Bundle paths (Go `filepath.Match` globs) not required to be covered by the signature. */
  exclude?: string[];
}

/** The signed payload as OPA decodes it. */
export interface SignaturePayload {
  files: FileInfo[];
  keyid?: string;
  scope?: string;
  iss?: string;
  iat?: number;
  [claim: string]: unknown;
}

const isHmac = (alg: string): boolean => alg.startsWith("HS");

export async function signFiles(files: readonly FileInfo[], config: SigningConfig): Promise<string> {
  if (!ALGS.has(config.alg)) throw new BundleError("bundle_signing_failed", `unknown signing algorithm: ${String(config.alg)}`);
  const payload: Record<string, unknown> = { files: files.map((f) => ({ name: f.name, hash: f.hash, algorithm: f.algorithm })) };
  if (config.claims) Object.assign(payload, config.claims);
  else if (config.keyId) payload.keyid = config.keyId;
  if (config.scope !== undefined) payload.scope = config.scope;
  // Go marshals maps with sorted keys; keep the same shape.
  const sorted = Object.fromEntries(Object.keys(payload).sort().map((k) => [k, payload[k]]));
  let key: KeyObject | Uint8Array;
  try {
    key = isHmac(config.alg) ? new TextEncoder().encode(config.key) : createPrivateKey(config.key);
  } catch (e) {
    throw new BundleError("bundle_signing_failed", `cannot read signing key: ${(e as Error).message}`);
  }
  try {
    const header = config.keyId ? { alg: config.alg, kid: config.keyId } : { alg: config.alg };
    return await new CompactSign(new TextEncoder().encode(JSON.stringify(sorted))).setProtectedHeader(header).sign(key);
  } catch (e) {
    throw new BundleError("bundle_signing_failed", `cannot sign with ${config.alg}: ${(e as Error).message}`);
  }
}

/** `.signatures.json` as OPA writes it (`json.MarshalIndent(…, "", " ")`). */
export function signaturesFileText(token: string): string {
  return JSON.stringify({ signatures: [token] }, null, 1);
}

/**
 * Verifies `.signatures.json` (exactly one JWS, as OPA requires) and returns its payload.
 * Throws `bundle_signature_invalid` for anything wrong with it.
 */
export async function verifySignaturesFile(bytes: Uint8Array, config: VerificationConfig): Promise<SignaturePayload> {
  const fail = (msg: string): BundleError => new BundleError("bundle_signature_invalid", msg, ".signatures.json");
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw fail("not valid JSON");
  }
  const sigs = (doc as { signatures?: unknown } | null)?.signatures;
  if (!Array.isArray(sigs) || sigs.length === 0) throw fail("missing JWT (expected exactly one)");
  if (sigs.length > 1) throw fail("multiple JWTs not supported (expected exactly one)");
  const token = sigs[0];
  if (typeof token !== "string") throw fail("signature is not a string");

  const { key, alg } = verificationKey(config);
  let payloadBytes: Uint8Array;
  try {
    ({ payload: payloadBytes } = await compactVerify(token, key, { algorithms: [alg] }));
  } catch (e) {
    throw fail(`signature does not verify with the configured ${alg} key: ${(e as Error).message}`);
  }
  let payload: SignaturePayload;
  try {
    payload = JSON.parse(new TextDecoder().decode(payloadBytes)) as SignaturePayload;
  } catch {
    throw fail("payload is not JSON");
  }
  if (typeof payload !== "object" || payload === null || !Array.isArray(payload.files)) throw fail("payload has no files list");
  for (const f of payload.files as unknown[]) {
    const fi = f as Partial<FileInfo> | null;
    if (!fi || typeof fi.name !== "string" || typeof fi.hash !== "string" || typeof fi.algorithm !== "string") {
      throw fail("payload files entries need name, hash and algorithm strings");
    }
  }
  if ((payload.scope ?? "") !== (config.scope ?? "")) throw fail("scope mismatch");
  return payload;
}

function verificationKey(config: VerificationConfig): { key: KeyObject | Uint8Array; alg: SigningAlg } {
  const pem = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(config.key);
  if (config.alg && !ALGS.has(config.alg)) {
    throw new BundleError("bundle_signature_invalid", `unknown verification algorithm: ${String(config.alg)}`);
  }
  if (!pem || (config.alg && isHmac(config.alg))) {
    return { key: new TextEncoder().encode(config.key), alg: config.alg ?? "HS256" };
  }
  let key: KeyObject;
  try {
    key = pem[1] === "CERTIFICATE" ? new X509Certificate(config.key).publicKey : createPublicKey(config.key);
  } catch (e) {
    throw new BundleError("bundle_signature_invalid", `cannot read verification key: ${(e as Error).message}`);
  }
  return { key, alg: config.alg ?? inferAlg(key) };
}

function inferAlg(key: KeyObject): SigningAlg {
  switch (key.asymmetricKeyType) {
    case "rsa-pss":
      return "PS256";
    case "ec": {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return curve === "secp384r1" ? "ES384" : curve === "secp521r1" ? "ES512" : "ES256";
    }
    case "ed25519":
      return "EdDSA";
    default:
      return "RS256";
  }
}
