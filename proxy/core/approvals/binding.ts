/**
 * What an approval is bound to, and its id.
 *
 * A `defer` grant lets exactly the approved statement run once, so the binding must change
 * whenever the statement could do something different (other text, other parameters, other
 * person, other upstream) and stay the same when a client merely re-sends it with different
 * layout. Normalising therefore only collapses whitespace outside quotes and drops trailing
 * semicolons; case and comments are kept, because they can matter (quoted identifiers,
 * optimizer hints) and a stricter binding only costs the requester another approval.
 */
import { createHash, randomInt } from "node:crypto";

/** Whitespace runs outside '…', "…" and $tag$…$tag$ become one space; trailing `;` and space go. */
export function normalizeStatement(text: string): string {
  let out = "";
  let i = 0;
  let pendingSpace = false;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const end = closingQuote(text, i, c);
      out += (pendingSpace && out !== "" ? " " : "") + text.slice(i, end);
      pendingSpace = false;
      i = end;
      continue;
    }
    if (c === "$") {
      const tag = /^\$[A-Za-z_]?[A-Za-z0-9_]*\$/.exec(text.slice(i));
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        const end = close < 0 ? text.length : close + tag[0].length;
        out += (pendingSpace && out !== "" ? " " : "") + text.slice(i, end);
        pendingSpace = false;
        i = end;
        continue;
      }
    }
    if (/\s/.test(c)) {
      pendingSpace = true;
      i++;
      continue;
    }
    out += (pendingSpace && out !== "" ? " " : "") + c;
    pendingSpace = false;
    i++;
  }
  return out.replace(/[\s;]+$/, "");
}

/** Index just past the quote closing the one at `start` (a doubled quote is an escaped one). */
function closingQuote(text: string, start: number, q: string): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === q) {
      if (text[i + 1] === q) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return text.length;
}

/** A bound parameter: text, binary (bytes), SQL NULL, or anything JSON can carry. */
export type BindingParam = string | null | Uint8Array | number | boolean;

/** What `bindingHash` covers. */
export interface BindingInput {
  statement: string;
  params?: readonly BindingParam[];
  requesterSub: string;
  connection: string;
}

/**
 * SHA-256 hex over a versioned JSON array, so no two different inputs can serialise alike
 * (e.g. text "null" vs NULL, bytes vs their text: each parameter carries its kind).
 */
export function bindingHash(input: BindingInput): string {
  const params = (input.params ?? []).map((p) =>
    p === null ? ["null"] : p instanceof Uint8Array ? ["bytes", Buffer.from(p).toString("base64")] : [typeof p, p],
  );
  const doc = JSON.stringify(["portcullis-binding-v1", input.connection, input.requesterSub, normalizeStatement(input.statement), params]);
  return createHash("sha256").update(doc).digest("hex");
}

/** No 0/o, 1/l/i: ids are read aloud and typed from chat messages. */
const ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

/** `xxxx-xxxx` from a 31-letter alphabet (~8.5·10¹¹ ids); the store rejects the rare duplicate. */
export function newApprovalId(): string {
  let s = "";
  for (let i = 0; i < 8; i++) s += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

export const ID_PATTERN = /^[a-z2-9]{4}-[a-z2-9]{4}$/;
