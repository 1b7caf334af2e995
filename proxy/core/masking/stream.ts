/**
 * Stage 8: masking a stream (SSH stdout/stderr, later logs): detector and pattern rules
 * applied to text arriving in chunks, with the same output as masking the whole text at
 * once however the text is split.
 *
 * How: the masker keeps the text not yet emitted (`pending`) and the last characters
 * already emitted (`context`, original text, never re-emitted: detectors look behind a
 * match for its boundary and the AWS secret detector for its key name). On each chunk it
 * scans context + pending and emits up to a cut that no later input can change:
 *  - after the last newline (no detector's match crosses a line, except a private key
 *    block), or else `HOLD_CHARS` before the end (longer than any bounded match);
 *  - never inside a chosen match, and never after the start of a match that reaches the
 *    end of what has arrived (it may grow: an open `-----BEGIN … PRIVATE KEY-----`).
 * `end()` emits the rest, as the end of the text. A line longer than `HOLD_CHARS` is
 * emitted in pieces, so memory stays bounded by `MAX_PENDING_CHARS`.
 *
 * Limits: a pattern rule that matches across a newline, or a JWT longer than
 * `HOLD_CHARS`, can be cut. A private key block longer than `MAX_PENDING_CHARS` is
 * emitted as one `****` and everything up to its END line is swallowed (fail closed: it
 * differs from whole-text masking only in not showing the key's partial masking).
 * `flush()` emits everything held now: an interactive front end calls it when output
 * pauses (a prompt without a newline would otherwise wait), accepting that a secret
 * split exactly across that pause may be missed.
 * A `null` method has no NULL to become in a stream: its matches are redacted.
 */
import { REDACTED } from "./methods.js";
import type { CompiledMaskRules } from "./rules.js";
import { applyMatches, findMatches } from "./scan.js";

/** Characters held back when the text has no newline to cut after. */
export const HOLD_CHARS = 8192;
/** Emitted characters kept as left context for the next scan. */
export const CONTEXT_CHARS = 512;
/** Held characters at most (a longer open private key block is swallowed). */
export const MAX_PENDING_CHARS = 65536;

export interface StreamMasker {
  /** Masks what can be decided of the text so far; returns the text to emit now (maybe empty). */
  push(chunk: string | Uint8Array): string;
  /** Emits everything held, as if the text ended here; later chunks continue with left context. */
  flush(): string;
  /** The end of the stream: emits the rest. */
  end(): string;
  /** Matches masked so far. */
  readonly masked: number;
}

export function createStreamMasker(rules: CompiledMaskRules): StreamMasker {
  const scanRules = rules.scanRules;
  const decoder = new TextDecoder("utf-8");
  let context = "";
  let pending = "";
  let masked = 0;
  /** While swallowing an overlong private key: the END line that closes it. */
  let swallowUntil: string | null = null;
  const matches: number[] = [];

  const swallow = (): string => {
    if (swallowUntil === null) return "";
    const at = pending.indexOf(swallowUntil);
    if (at < 0) {
      // Keep just enough to recognise the END line when it arrives split.
      pending = pending.slice(Math.max(0, pending.length - swallowUntil.length));
      return "";
    }
    const after = at + swallowUntil.length;
    context = "";
    pending = pending.slice(after);
    swallowUntil = null;
    return "";
  };

  const drain = (final: boolean): string => {
    swallow();
    if (swallowUntil !== null) {
      if (final) pending = "";
      return "";
    }
    if (pending.length === 0) return "";
    const text = context + pending;
    const from = context.length;
    matches.length = 0;
    if (scanRules.length > 0) findMatches(text, scanRules, matches, from);
    let cut = text.length;
    let overflow: { start: number; endMarker: string } | undefined;
    if (!final) {
      const newline = text.lastIndexOf("\n");
      cut = Math.max(newline + 1, text.length - HOLD_CHARS);
      for (let k = 0; k < matches.length; k += 3) {
        const start = matches[k]!;
        const end = matches[k + 1]!;
        if (start >= cut) break;
        if (end > cut || end === text.length) {
          const marker = end === text.length ? openKeyEnd(text, start) : undefined;
          if (marker !== undefined && text.length - start > MAX_PENDING_CHARS) overflow = { start, endMarker: marker };
          else cut = start;
          break;
        }
      }
    }
    if (overflow) {
      const before = applyMatches(text, matches, scanRules, rules.hash, false, from, overflow.start) ?? "";
      masked += countIn(matches, from, overflow.start) + 1;
      swallowUntil = overflow.endMarker;
      context = "";
      pending = "";
      return before + REDACTED;
    }
    if (cut <= from) return "";
    const out = applyMatches(text, matches, scanRules, rules.hash, false, from, cut) ?? "";
    masked += countIn(matches, from, cut);
    context = text.slice(Math.max(0, cut - CONTEXT_CHARS), cut);
    pending = text.slice(cut);
    return out;
  };

  return {
    push(chunk) {
      pending += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      return drain(false);
    },
    flush() {
      return drain(true);
    },
    end() {
      pending += decoder.decode();
      const out = drain(true);
      context = "";
      pending = "";
      swallowUntil = null;
      return out;
    },
    get masked() {
      return masked;
    },
  };
}

function countIn(matches: readonly number[], from: number, to: number): number {
  let n = 0;
  for (let k = 0; k < matches.length; k += 3) if (matches[k]! >= from && matches[k + 1]! <= to) n++;
  return n;
}

/** For a match at `start` that is an unterminated private key block, its END line. */
function openKeyEnd(text: string, start: number): string | undefined {
  const m = /^-----BEGIN ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----/.exec(text.slice(start, start + 100));
  if (!m) return undefined;
  const marker = `-----END ${m[1]}-----`;
  return text.indexOf(marker, start) < 0 ? marker : undefined;
}
