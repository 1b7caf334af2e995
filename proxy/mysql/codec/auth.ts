/**
 * Password scrambles of the two hash-based authentication plugins, both for answering a
 * server (the gateway as a client upstream) and for checking a client (the gateway as a
 * server). `nonce` is the 20-byte scramble from the greeting or AuthSwitchRequest,
 * without its trailing NUL. An empty password is an empty reply in both plugins.
 */
import { createHash, timingSafeEqual } from "node:crypto";

const sha1 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash("sha1");
  for (const p of parts) h.update(p);
  return h.digest();
};
const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Strips the NUL that AuthSwitchRequest data carries after the 20-byte nonce. */
export function nonceOf(pluginData: Buffer): Buffer {
  return pluginData.length === 21 && pluginData[20] === 0 ? pluginData.subarray(0, 20) : pluginData;
}

/** mysql_native_password: SHA1(pw) XOR SHA1(nonce + SHA1(SHA1(pw))). */
export function nativePasswordScramble(password: string | Buffer, nonce: Buffer): Buffer {
  const pw = Buffer.from(password);
  if (pw.length === 0) return Buffer.alloc(0);
  const stage1 = sha1(pw);
  return xor(stage1, sha1(nonce, sha1(stage1)));
}

/** What the server stores for mysql_native_password: SHA1(SHA1(pw)) (shown as `*HEX` by MySQL). */
export function nativePasswordHash(password: string | Buffer): Buffer {
  return sha1(sha1(Buffer.from(password)));
}

/** Checks a client's mysql_native_password reply against the stored SHA1(SHA1(pw)). */
export function verifyNativePassword(reply: Buffer, nonce: Buffer, storedHash: Buffer): boolean {
  if (reply.length === 0) return storedHash.equals(nativePasswordHash(""));
  if (reply.length !== 20 || storedHash.length !== 20) return false;
  const stage1 = xor(reply, sha1(nonce, storedHash));
  return timingSafeEqual(sha1(stage1), storedHash);
}

/** caching_sha2_password fast path: SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + nonce). */
export function cachingSha2Scramble(password: string | Buffer, nonce: Buffer): Buffer {
  const pw = Buffer.from(password);
  if (pw.length === 0) return Buffer.alloc(0);
  const stage1 = sha256(pw);
  return xor(stage1, sha256(sha256(stage1), nonce));
}

/** What a caching_sha2_password server caches: SHA256(SHA256(pw)). */
export function cachingSha2Hash(password: string | Buffer): Buffer {
  return sha256(sha256(Buffer.from(password)));
}

/** Checks a client's caching_sha2_password fast-path reply against SHA256(SHA256(pw)). */
export function verifyCachingSha2(reply: Buffer, nonce: Buffer, cachedHash: Buffer): boolean {
  if (reply.length === 0) return cachedHash.equals(cachingSha2Hash(""));
  if (reply.length !== 32 || cachedHash.length !== 32) return false;
  const stage1 = xor(reply, sha256(cachedHash, nonce));
  return timingSafeEqual(sha256(stage1), cachedHash);
}

/**
 * AuthMoreData bytes of caching_sha2_password: 3 = fast auth succeeded, 4 = full
 * authentication needed (cleartext over TLS, or RSA), 2 = request the server's public key.
 */
export const CachingSha2 = { REQUEST_PUBLIC_KEY: 2, FAST_AUTH_SUCCESS: 3, PERFORM_FULL_AUTHENTICATION: 4 } as const;
