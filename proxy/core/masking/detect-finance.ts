/**
 * Stage 2b, detectors for financial numbers: payment card numbers (Luhn-checked) and
 * IBANs (country length and mod-97 checksum). A number that fails its checksum is not
 * masked as one: a 16-digit order number is not a card.
 */
import { at, countDigits, isAlnum, isDigit, isUpper, isWord } from "./chars.js";
import { needs } from "./prefilter.js";
import type { Detector } from "./types.js";

// --- payment cards -------------------------------------------------------------------

/** The Luhn check over the digits of `text` (other characters are skipped). */
export function luhnValid(text: string): boolean {
  let sum = 0;
  let double = false;
  let n = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) continue;
    let d = c - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
    n++;
  }
  return n > 0 && sum % 10 === 0;
}

/**
 * 13–19 digits, bare or in groups joined by one kind of separator (space or `-`), whose
 * first digit is 2–6 (the major networks: Mastercard 2/5, Amex/Diners/JCB 3, Visa 4,
 * Discover/UnionPay/Maestro 6) and which pass Luhn. In a longer run of groups
 * (`4111 1111 1111 1111 2024`) the longest valid window of whole groups is taken.
 */
export const creditCard: Detector = {
  name: "credit_card",
  needs: needs({ minLength: 13, minDigits: 13 }),
  needsSuffice: true,
  mayMatch: (text) => countDigits(text) >= 13,
  find(text, out) {
    const groups: number[] = [];
    let lastEnd = 0;
    let i = 0;
    while (i < text.length) {
      if (!isDigit(text.charCodeAt(i)) || isDigit(at(text, i - 1))) {
        i++;
        continue;
      }
      const runEnd = readCardGroups(text, i, groups);
      const count = groups.length / 2;
      let g = cardLeftOk(text, i) ? 0 : 1;
      while (g < count && groups[g * 2]! < lastEnd) g++;
      while (g < count) {
        const end = longestCard(text, groups, g);
        if (end < 0) {
          g++;
          continue;
        }
        out.push(groups[g * 2]!, end);
        lastEnd = end;
        while (g < count && groups[g * 2]! < end) g++; // later groups may hold another card
      }
      // A run cut at 24 groups goes on from 5 groups back: a card may span the cut.
      const next = count >= MAX_CARD_GROUPS ? groups[(count - 5) * 2]! : runEnd;
      i = next > i ? next : i + 1;
    }
  },
};

/** Groups read in one run at most (bounds the work on a long run of numbers). */
const MAX_CARD_GROUPS = 24;

function cardLeftOk(text: string, i: number): boolean {
  const p = at(text, i - 1);
  return !(isWord(p) || p === 46 || p === 43 || p === 47 || ((p === 45 || p === 32) && isDigit(at(text, i - 2))));
}

/** Digit groups from `i` joined by single spaces or dashes; returns where the run ends. */
function readCardGroups(text: string, i: number, groups: number[]): number {
  groups.length = 0;
  for (;;) {
    const start = i;
    while (isDigit(at(text, i))) i++;
    groups.push(start, i);
    const sep = at(text, i);
    if ((sep !== 32 && sep !== 45) || !isDigit(at(text, i + 1)) || groups.length >= 2 * MAX_CARD_GROUPS) return i;
    i++;
  }
}

/**
 * The end of the longest card starting at group `g`, or -1. One group alone must hold
 * 13–19 digits; several groups are 3–6 digits each (the last may be shorter: 4-4-4-4-3
 * and 4-6-5 both occur) joined by one kind of separator.
 */
function longestCard(text: string, groups: number[], g: number): number {
  const count = groups.length / 2;
  const start = groups[g * 2]!;
  const first = text.charCodeAt(start);
  if (first < 50 || first > 54) return -1;
  const size = (k: number) => groups[k * 2 + 1]! - groups[k * 2]!;
  let last = g;
  let digits = size(g);
  if (digits <= 6) {
    const sep = at(text, groups[g * 2 + 1]!);
    for (let k = g + 1; k < count && digits + size(k) <= 19; k++) {
      if (at(text, groups[k * 2 - 1]!) !== sep || size(k - 1) < 3 || size(k - 1) > 6 || size(k) > 6) break;
      digits += size(k);
      last = k;
    }
  }
  for (let k = last; k >= g; k--) {
    let n = 0;
    for (let j = g; j <= k; j++) n += size(j);
    if (n < 13 || n > 19) continue;
    const end = groups[k * 2 + 1]!;
    if (isWord(at(text, end)) || (at(text, end) === 46 && isDigit(at(text, end + 1)))) continue;
    if (luhnValid(text.slice(start, end))) return end;
  }
  return -1;
}

// --- IBAN ----------------------------------------------------------------------------

/** IBAN length per country (ISO 13616 registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
  IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18,
  NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31,
  SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

/** The mod-97 check of an IBAN without separators (upper case). */
export function ibanChecksumValid(iban: string): boolean {
  if (iban.length < 5) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (isDigit(c)) rem = (rem * 10 + (c - 48)) % 97;
    else if (isUpper(c)) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/**
 * A country code with a known length, two check digits, then the BBAN in upper-case
 * letters and digits, bare or grouped by single spaces (`DE89 3704 0044 0532 0130 00`),
 * exactly as long as the country's IBANs and passing mod-97.
 */
export const iban: Detector = {
  name: "iban",
  needs: needs({ minLength: 15, minDigits: 2, minUpper: 2 }),
  mayMatch: (text) => text.length >= 15 && /[A-Z]{2}\d\d/.test(text),
  find(text, out) {
    const re = /[A-Z]{2}\d\d/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const start = m.index;
      if (isAlnum(at(text, start - 1))) continue;
      const length = IBAN_LENGTHS[m[0].slice(0, 2)];
      if (length === undefined) continue;
      let compact = m[0];
      let i = start + 4;
      while (compact.length < length) {
        let c = at(text, i);
        if (c === 32 && (isDigit(at(text, i + 1)) || isUpper(at(text, i + 1)))) c = at(text, ++i);
        if (!isDigit(c) && !isUpper(c)) break;
        compact += text[i];
        i++;
      }
      if (compact.length !== length || isAlnum(at(text, i))) continue;
      if (!ibanChecksumValid(compact)) continue;
      out.push(start, i);
      re.lastIndex = i;
    }
  },
};
