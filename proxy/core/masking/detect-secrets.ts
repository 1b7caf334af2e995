/**
 * Stage 2c, detectors for credentials: AWS access key ids and secret keys, JWTs, PEM
 * private keys, bearer tokens. Secrets are masked wherever they appear, so these aim at
 * a low false-positive rate: each needs a shape that random prose does not have.
 */
import { isDigit, isLower, isUpper } from "./chars.js";
import { needs } from "./prefilter.js";
import type { Detector } from "./types.js";

/** Runs `re` (global) over `text` and appends the range of group `group` of each match. */
function pushRegex(re: RegExp, text: string, out: number[], accept?: (m: RegExpExecArray) => boolean, group = 0): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) re.lastIndex++;
    if (accept && !accept(m)) continue;
    const start = group === 0 ? m.index : m.index + m[0].length - m[group]!.length;
    out.push(start, start + m[group]!.length);
  }
}

/** `AKIA…` (long-term) and `ASIA…` (temporary) access key ids: 20 upper-case letters and digits. */
export const awsAccessKeyId: Detector = {
  name: "aws_access_key_id",
  needs: needs({ minLength: 20, minUpper: 4 }), // AKIA/ASIA + 16
  mayMatch: (text) => text.indexOf("AKIA") >= 0 || text.indexOf("ASIA") >= 0,
  find: (text, out) => pushRegex(/(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g, text, out),
};

/** What marks a 40-character string as an AWS secret key: a key id or a secret-key name shortly before it. */
const AWS_SECRET_CONTEXT = /(?:AKIA|ASIA)[A-Z0-9]{16}|aws.?secret|secret.?access.?key/i;
/** How far before a candidate secret its context may be (also the left context a stream keeps). */
export const AWS_CONTEXT_CHARS = 160;

/**
 * A 40-character base64-ish secret access key, only when an access key id or a name like
 * `aws_secret_access_key` / `SecretAccessKey` appears within 160 characters before it,
 * and it mixes upper case, lower case and digits (a 40-hex git hash or SHA-1 does not).
 */
export const awsSecretAccessKey: Detector = {
  name: "aws_secret_access_key",
  needs: needs({ minLength: 40, minDigits: 1, minUpper: 1 }), // the key mixes capitals and digits
  mayMatch: (text) => text.length >= 40 && AWS_SECRET_CONTEXT.test(text),
  find: (text, out) =>
    pushRegex(/(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g, text, out, (m) => {
      const s = m[0];
      let upper = false, lower = false, digit = false;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        upper ||= isUpper(c);
        lower ||= isLower(c);
        digit ||= isDigit(c);
      }
      return upper && lower && digit && AWS_SECRET_CONTEXT.test(text.slice(Math.max(0, m.index - AWS_CONTEXT_CHARS), m.index));
    }),
};

/**
 * `header.payload.signature` in base64url, where the header decodes to a JSON object
 * with a string `alg` (the signature may be empty for `alg: none`).
 */
export const jwt: Detector = {
  name: "jwt",
  needs: needs({ minLength: 14, all: "." }), // ey + 8, ".", 2, "."
  mayMatch: (text) => text.indexOf("ey") >= 0 && text.indexOf(".") >= 0,
  find: (text, out) =>
    pushRegex(
      /(?<![A-Za-z0-9_\-.])(ey[A-Za-z0-9_-]{8,})\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*(?![A-Za-z0-9_-]|\.[A-Za-z0-9_-])/g,
      text,
      out,
      (m) => jwtHeaderOk(m[1]!),
    ),
};

function jwtHeaderOk(segment: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return typeof header === "object" && header !== null && !Array.isArray(header) && typeof (header as { alg?: unknown }).alg === "string";
  } catch {
    return false;
  }
}

/**
 * A PEM private key, the whole block from `-----BEGIN … PRIVATE KEY-----` (RSA, EC, DSA,
 * OPENSSH, ENCRYPTED, PGP … BLOCK) to its matching END line. A block with no END line is
 * masked to the end of the text: a truncated key is still a key. (A stream holds such a
 * block back until its END arrives; see stream.ts.)
 */
export const privateKey: Detector = {
  name: "private_key",
  needs: needs({ minLength: 27, minUpper: 15, all: "- " }), // -----BEGIN PRIVATE KEY-----
  mayMatch: (text) => text.indexOf("-----BEGIN ") >= 0,
  find(text, out) {
    let from = 0;
    for (let begin = text.indexOf("-----BEGIN ", from); begin >= 0; begin = text.indexOf("-----BEGIN ", from)) {
      const labelStart = begin + 11;
      const labelEnd = text.indexOf("-----", labelStart);
      from = labelStart;
      if (labelEnd < 0 || labelEnd - labelStart > 64) continue;
      const label = text.slice(labelStart, labelEnd);
      if (!/^[A-Z0-9 ]*PRIVATE KEY( BLOCK)?$/.test(label)) continue;
      const endMarker = `-----END ${label}-----`;
      const endAt = text.indexOf(endMarker, labelEnd + 5);
      const end = endAt < 0 ? text.length : endAt + endMarker.length;
      out.push(begin, end);
      from = end;
    }
  },
};

/**
 * Bearer tokens: the value of `access_token`, `refresh_token`, `id_token`, `token`,
 * `api_key` or `apikey` URL parameters (after `?`, `&`, `;` or `#`), and the credential
 * after `Authorization: Bearer` (or a bare `Bearer ` followed by 16+ token characters
 * with a digit, which prose does not have). Only the token is masked, not its name.
 */
export const bearerToken: Detector = {
  name: "bearer_token",
  needs: needs({ any: "= " }), // a URL parameter, or "Bearer" then a blank
  mayMatch: (text) => /oken=|api_?key=|bearer/i.test(text),
  find(text, out) {
    const found: number[] = [];
    pushRegex(/[?&;#](?:access_token|refresh_token|id_token|token|api_?key)=([^&\s#"'<>]{6,})/gi, text, found, undefined, 1);
    pushRegex(/\bAuthorization:[ \t]*Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)/gi, text, found, undefined, 1);
    pushRegex(/(?<![A-Za-z0-9])Bearer[ \t]+([A-Za-z0-9\-._~+/]{16,}=*)(?![A-Za-z0-9\-._~+/=])/g, text, found, (m) => /\d/.test(m[1]!), 1);
    sortedDisjoint(found, out);
  },
};

/** Appends the pairs of `found` sorted by start, dropping any that overlap an earlier one. */
export function sortedDisjoint(found: number[], out: number[]): void {
  if (found.length === 2) {
    out.push(found[0]!, found[1]!);
    return;
  }
  const order: number[] = [];
  for (let i = 0; i < found.length; i += 2) order.push(i);
  order.sort((a, b) => found[a]! - found[b]! || found[b + 1]! - found[a + 1]!);
  let last = -1;
  for (const i of order) {
    if (found[i]! < last) continue;
    out.push(found[i]!, found[i + 1]!);
    last = found[i + 1]!;
  }
}

