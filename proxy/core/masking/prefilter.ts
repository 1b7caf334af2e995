/**
 * Stage 1b: the pre-filter. Most free text holds nothing sensitive, so before any
 * detector runs, one pass over the value counts what detectors need to see: ASCII
 * digits, upper-case letters, which ASCII punctuation occurs, and the length. Each
 * detector declares `Needs` (types.ts) that every text it can match satisfies; a value
 * whose profile falls short of every rule's needs is left as it is without running any
 * detector (and without decoding it: `profileBytes` reads UTF-8 bytes and gives a
 * profile no stricter than the decoded string's).
 */
import type { Needs } from "./types.js";

/** What one pass over a value found. One shared instance (filled in place, no allocation per value). */
export interface TextProfile {
  /** UTF-16 units for a string; bytes for UTF-8 input (never fewer than the decoded string's units). */
  length: number;
  digits: number;
  upper: number;
  /** Bit set of the ASCII punctuation present (`punctBits`); tab counts as a space. */
  punct: number;
}

/**
 * Per ASCII character, everything the profile takes from it in one number: bit 0 a
 * digit, bit 1 a capital, bits 2..31 its punctuation bit. Those 30 bits cover the space
 * and 29 punctuation characters, so `|`, `}` and `~` get none (no detector needs them);
 * tab shares the space's bit.
 */
const CLASS = new Int32Array(128);
const PUNCT_CHARS = " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{";
{
  for (let i = 0; i < PUNCT_CHARS.length; i++) CLASS[PUNCT_CHARS.charCodeAt(i)] = 4 << i;
  CLASS[9] = CLASS[32]!;
  for (let c = 48; c <= 57; c++) CLASS[c] = 1;
  for (let c = 65; c <= 90; c++) CLASS[c] = 2;
}

/** The bits of the punctuation characters in `chars` (others are ignored). */
export function punctBits(chars: string): number {
  let bits = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars.charCodeAt(i);
    if (c < 128) bits |= CLASS[c]! >>> 2;
  }
  return bits;
}

const profile: TextProfile = { length: 0, digits: 0, upper: 0, punct: 0 };

/** The profile of `text` (the shared instance: read it before profiling another value). */
export function profileText(text: string): TextProfile {
  let digits = 0, upper = 0, punct = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) continue;
    const k = CLASS[c]!;
    digits += k & 1;
    upper += (k >> 1) & 1;
    punct |= k;
  }
  profile.length = text.length;
  profile.digits = digits;
  profile.upper = upper;
  profile.punct = punct >>> 2;
  return profile;
}

/**
 * The profile of the UTF-8 text in `bytes[start, end)`. Bytes of multi-byte characters
 * are all ≥ 0x80 and count as nothing, so the counts equal the decoded string's and the
 * length can only be larger: whatever fails `satisfies` here fails it decoded too.
 */
export function profileBytes(bytes: Uint8Array, start: number, end: number): TextProfile {
  let digits = 0, upper = 0, punct = 0;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c >= 128) continue;
    const k = CLASS[c]!;
    digits += k & 1;
    upper += (k >> 1) & 1;
    punct |= k;
  }
  profile.length = end - start;
  profile.digits = digits;
  profile.upper = upper;
  profile.punct = punct >>> 2;
  return profile;
}

/** Whether a value with profile `p` may hold a match of a detector with `needs`. */
export function satisfies(p: TextProfile, needs: Needs): boolean {
  return (
    p.length >= needs.minLength &&
    p.digits >= needs.minDigits &&
    p.upper >= needs.minUpper &&
    (p.punct & needs.allPunct) === needs.allPunct &&
    (needs.anyPunct === 0 || (p.punct & needs.anyPunct) !== 0)
  );
}

/** `Needs` with the given parts (the rest: nothing needed); `all`/`any` are characters. */
export function needs(parts: { minLength?: number; minDigits?: number; minUpper?: number; all?: string; any?: string }): Needs {
  return {
    minLength: parts.minLength ?? 0,
    minDigits: parts.minDigits ?? 0,
    minUpper: parts.minUpper ?? 0,
    allPunct: punctBits(parts.all ?? ""),
    anyPunct: punctBits(parts.any ?? ""),
  };
}

/** What a literal text needs (a pattern's literal prefix): its digits, capitals, punctuation and length. */
export function literalNeeds(literal: string): Needs {
  let digits = 0, upper = 0;
  for (let i = 0; i < literal.length; i++) {
    const c = literal.charCodeAt(i);
    if (c < 128) {
      digits += CLASS[c]! & 1;
      upper += (CLASS[c]! >> 1) & 1;
    }
  }
  return { minLength: literal.length, minDigits: digits, minUpper: upper, allPunct: punctBits(literal), anyPunct: 0 };
}
