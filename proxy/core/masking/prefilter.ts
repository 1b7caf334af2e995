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
 * The bit of each ASCII punctuation character and the space: 33 characters for 32 bits,
 * so `~` has none (no detector needs it) and tab shares the space's bit.
 */
const PUNCT_BIT = new Int32Array(128);
const DIGIT = new Uint8Array(128);
const UPPER = new Uint8Array(128);
{
  const chars = " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}";
  for (let i = 0; i < chars.length; i++) PUNCT_BIT[chars.charCodeAt(i)] = 1 << i;
  PUNCT_BIT[9] = PUNCT_BIT[32]!;
  for (let c = 48; c <= 57; c++) DIGIT[c] = 1;
  for (let c = 65; c <= 90; c++) UPPER[c] = 1;
}

/** The bits of the punctuation characters in `chars` (others are ignored). */
export function punctBits(chars: string): number {
  let bits = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars.charCodeAt(i);
    if (c < 128) bits |= PUNCT_BIT[c]!;
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
    digits += DIGIT[c]!;
    upper += UPPER[c]!;
    punct |= PUNCT_BIT[c]!;
  }
  profile.length = text.length;
  profile.digits = digits;
  profile.upper = upper;
  profile.punct = punct;
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
    digits += DIGIT[c]!;
    upper += UPPER[c]!;
    punct |= PUNCT_BIT[c]!;
  }
  profile.length = end - start;
  profile.digits = digits;
  profile.upper = upper;
  profile.punct = punct;
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
      digits += DIGIT[c]!;
      upper += UPPER[c]!;
    }
  }
  return { minLength: literal.length, minDigits: digits, minUpper: upper, allPunct: punctBits(literal), anyPunct: 0 };
}
