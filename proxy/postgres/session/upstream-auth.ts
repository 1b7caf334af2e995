/**
 * The client side of PostgreSQL's password authentications, for the gateway's own
 * upstream login: md5 and SCRAM-SHA-256 (RFC 5802 / RFC 7677, without channel binding),
 * written over node:crypto.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";

/** md5 authentication: "md5" + md5hex(md5hex(password + user) + salt). */
export function md5Password(user: string, password: string, salt: Buffer): string {
  const inner = createHash("md5").update(password, "utf8").update(user, "utf8").digest("hex");
  return "md5" + createHash("md5").update(inner, "latin1").update(salt).digest("hex");
}

/**
 * SASLprep, approximated: PostgreSQL itself uses the raw bytes when a password is not
 * valid for SASLprep, so ASCII passwords (the overwhelming case) are exact; others are
 * NFKC-normalised, which is SASLprep's mapping step without its prohibited-character checks.
 */
function saslPrep(password: string): string {
  return /^[\x20-\x7e]*$/.test(password) ? password : password.normalize("NFKC");
}

// PBKDF2 at 4096 iterations costs milliseconds; a reconnecting pool would pay it per
// connection. Keyed by the password's digest, never the password itself.
const saltedCache = new Map<string, Buffer>();

function saltedPassword(password: string, salt: Buffer, iterations: number): Buffer {
  const key = `${createHash("sha256").update(password).digest("base64")}:${salt.toString("base64")}:${iterations}`;
  let v = saltedCache.get(key);
  if (v === undefined) {
    v = pbkdf2Sync(saslPrep(password), salt, iterations, 32, "sha256");
    if (saltedCache.size > 64) saltedCache.clear();
    saltedCache.set(key, v);
  }
  return v;
}

const hmac = (key: Buffer, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();

/** One SCRAM-SHA-256 exchange; `error` values are safe to log (no secrets in them). */
export class ScramClient {
  private readonly nonce: string;
  private readonly clientFirstBare: string;
  private expectedServerSignature: Buffer | undefined;

  constructor(private readonly password: string, nonce = randomBytes(18).toString("base64")) {
    this.nonce = nonce;
    // PostgreSQL ignores the SCRAM user name (it uses the startup packet's), so it is empty.
    this.clientFirstBare = `n=,r=${this.nonce}`;
  }

  /** The SASLInitialResponse payload. "n,," = this client does not use channel binding. */
  first(): Buffer {
    return Buffer.from(`n,,${this.clientFirstBare}`, "utf8");
  }

  /** Answers the server-first message with the client-final message (with the proof). */
  final(serverFirst: Buffer): Buffer | { error: string } {
    const text = serverFirst.toString("utf8");
    const attrs = parseAttributes(text);
    const r = attrs.get("r");
    const s = attrs.get("s");
    const i = Number(attrs.get("i"));
    if (r === undefined || s === undefined || !Number.isInteger(i) || i < 1) return { error: "malformed SCRAM server-first message" };
    if (!r.startsWith(this.nonce) || r.length === this.nonce.length) return { error: "SCRAM server nonce does not extend the client's" };
    const salted = saltedPassword(this.password, Buffer.from(s, "base64"), i);
    const clientKey = hmac(salted, "Client Key");
    const storedKey = createHash("sha256").update(clientKey).digest();
    const finalWithoutProof = `c=biws,r=${r}`; // biws = base64("n,,")
    const authMessage = `${this.clientFirstBare},${text},${finalWithoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let k = 0; k < proof.length; k++) proof[k] = clientKey[k]! ^ signature[k]!;
    this.expectedServerSignature = hmac(hmac(salted, "Server Key"), authMessage);
    return Buffer.from(`${finalWithoutProof},p=${proof.toString("base64")}`, "utf8");
  }

  /** Checks the server's signature: a server that cannot prove it knows the verifier is refused. */
  verify(serverFinal: Buffer): true | { error: string } {
    const v = parseAttributes(serverFinal.toString("utf8")).get("v");
    if (v === undefined || this.expectedServerSignature === undefined) return { error: "malformed SCRAM server-final message" };
    const got = Buffer.from(v, "base64");
    if (got.length !== this.expectedServerSignature.length || !timingSafeEqual(got, this.expectedServerSignature))
      return { error: "SCRAM server signature does not match" };
    return true;
  }
}

function parseAttributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq === 1) out.set(part[0]!, part.slice(2));
  }
  return out;
}
