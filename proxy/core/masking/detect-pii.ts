/**
 * Stage 2a, detectors for personal data: email addresses, phone numbers, US social
 * security numbers. Hand-written scanners rather than one big regex: they are linear,
 * allocate only on a match, and make the near-miss rules explicit.
 */
import { at, countDigits, isAlnum, isDigit, isLower, isUpper, isWord } from "./chars.js";
import { needs } from "./prefilter.js";
import type { Detector } from "./types.js";

// --- email -------------------------------------------------------------------------

const isLocalChar = (c: number): boolean => isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45; // . _ % + -
const isDomainChar = (c: number): boolean => isAlnum(c) || c === 46 || c === 45; // . -

/** `local@domain.tld`: a dot-separated domain whose labels do not start or end with `-`, and an alphabetic TLD of 2+ letters. */
export const email: Detector = {
  name: "email",
  needs: needs({ minLength: 6, all: "@." }), // a@b.cd
  needsSuffice: true,
  mayMatch: (text) => text.indexOf("@") >= 0,
  find(text, out) {
    let from = 0;
    for (let atSign = text.indexOf("@"); atSign >= 0; atSign = text.indexOf("@", from)) {
      from = atSign + 1;
      let start = atSign;
      while (start > 0 && atSign - start < 64 && isLocalChar(text.charCodeAt(start - 1))) start--;
      while (start < atSign && text.charCodeAt(start) === 46) start++; // a local part does not start with "."
      if (start === atSign || text.charCodeAt(atSign - 1) === 46) continue;
      if (start > 0 && isLocalChar(text.charCodeAt(start - 1))) continue; // longer than 64: not an address
      let end = atSign + 1;
      while (end < text.length && end - atSign <= 253 && isDomainChar(text.charCodeAt(end))) end++;
      while (end > atSign + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--; // "mail a@b.com."
      if (!validDomain(text, atSign + 1, end)) continue;
      if (text.slice(start, atSign).includes("..")) continue;
      out.push(start, end);
      from = end;
    }
  },
};

function validDomain(text: string, start: number, end: number): boolean {
  let labels = 0;
  let labelStart = start;
  for (let i = start; i <= end; i++) {
    if (i < end && text.charCodeAt(i) !== 46) continue;
    const len = i - labelStart;
    if (len < 1 || len > 63) return false;
    if (text.charCodeAt(labelStart) === 45 || text.charCodeAt(i - 1) === 45) return false;
    labels++;
    if (i === end) {
      if (labels < 2 || len < 2) return false;
      for (let j = labelStart; j < end; j++) {
        const c = text.charCodeAt(j);
        if (!isUpper(c) && !isLower(c)) return false;
      }
    }
    labelStart = i + 1;
  }
  return true;
}

// --- phone -------------------------------------------------------------------------

/**
 * A phone number is a run of digit groups joined by single separators (space, `-`, `.`),
 * the first group possibly in parentheses. Accepted shapes (anything else is not a phone,
 * which keeps dates, times, versions, IPs, SSNs and card numbers out):
 *  - international: `+` then 8–15 digits (E.164), in any grouping;
 *  - North American: 3-3-4 (or 1-3-3-4) with area code and exchange starting 2–9, e.g.
 *    `(555) 234-5678`, `555.234.5678`, `+1 555 234 5678`;
 *  - national with a trunk `0`: 10–11 digits in 2+ groups, e.g. `020 7946 0958`,
 *    `07700 900123`, `01 23 45 67 89`.
 * A bare run of 10 digits is not taken for a phone (order numbers, ids).
 */
export const phone: Detector = {
  name: "phone",
  needs: needs({ minDigits: 8 }),
  needsSuffice: true,
  mayMatch: (text) => countDigits(text) >= 8,
  find(text, out) {
    const groups: number[] = []; // start, end of each group's digits (parentheses outside)
    let i = 0;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (!(isDigit(c) || c === 43 || c === 40) || !phoneStartOk(text, i)) {
        i++;
        continue;
      }
      const runStart = i;
      const runEnd = readGroups(text, i, groups);
      if (groups.length === 0) {
        i = runEnd > i ? runEnd : i + 1;
        continue;
      }
      // Try each group as the start (a number may follow other digits), longest first.
      let matched = -1;
      for (let g = 0; g < groups.length && matched < 0; g++) {
        const start = g === 0 ? runStart : groupOuterStart(text, groups[g * 2]!);
        if (g > 0 && !phoneStartOk(text, start)) continue;
        for (let last = groups.length - 1; last >= g; last--) {
          const end = groupOuterEnd(text, groups[last * 2 + 1]!);
          if (last < groups.length - 1 && continuesNumber(text, end)) continue;
          if (validPhone(text, start, groups, g, last)) {
            out.push(start, end);
            matched = end;
            break;
          }
        }
      }
      // Without a match, go on from the second group: a run cut at 8 groups may hold a
      // number starting in its last groups and ending past the cut.
      i = matched >= 0 ? matched : groups.length >= 4 ? groupOuterStart(text, groups[2]!) : runEnd > i ? runEnd : i + 1;
    }
  },
};

function phoneStartOk(text: string, i: number): boolean {
  const p = at(text, i - 1);
  if (isWord(p) || p === 43 || p === 47 || p === 64) return false; // word, "+", "/", "@"
  if ((p === 45 || p === 46) && isDigit(at(text, i - 2))) return false; // inside "12-…" or "1.…"
  return true;
}

const isPhoneSep = (c: number): boolean => c === 32 || c === 45 || c === 46;

/** Reads `[+](ddd) ddd-dddd`-like groups from `i`; fills `groups`, returns where the run ends (`i` when empty). */
function readGroups(text: string, i: number, groups: number[]): number {
  groups.length = 0;
  let runEnd = i;
  let j = at(text, i) === 43 ? i + 1 : i;
  for (;;) {
    const paren = at(text, j) === 40;
    if (paren) j++;
    const start = j;
    while (isDigit(at(text, j)) && j - start < 15) j++;
    if (j === start || isDigit(at(text, j))) return runEnd;
    if (paren) {
      if (at(text, j) !== 41) return runEnd;
      groups.push(start, j);
      j++;
    } else groups.push(start, j);
    runEnd = j;
    if (groups.length >= 16) return runEnd;
    if (isPhoneSep(at(text, j))) j++;
    else if (!paren) return runEnd; // "(555)234-5678" needs no separator after ")"
    const next = at(text, j);
    if (!isDigit(next) && next !== 40) return runEnd;
  }
}

const groupOuterStart = (text: string, digitsStart: number): number => (at(text, digitsStart - 1) === 40 ? digitsStart - 1 : digitsStart);
const groupOuterEnd = (text: string, digitsEnd: number): number => (at(text, digitsEnd) === 41 ? digitsEnd + 1 : digitsEnd);

/** After `end` the same number goes on (a separator then a digit), so ending here would cut it. */
function continuesNumber(text: string, end: number): boolean {
  return isPhoneSep(at(text, end)) && isDigit(at(text, end + 1)) && at(text, end) !== 32;
}

function validPhone(text: string, start: number, groups: number[], first: number, last: number): boolean {
  let digits = 0;
  const sizes: number[] = [];
  for (let g = first; g <= last; g++) {
    const n = groups[g * 2 + 1]! - groups[g * 2]!;
    sizes.push(n);
    digits += n;
  }
  const plus = text.charCodeAt(start) === 43;
  if (plus) return digits >= 8 && digits <= 15 && text.charCodeAt(start + 1) !== 48 && (sizes.length > 1 || digits >= 10);
  const d0 = text.charCodeAt(groups[first * 2]!);
  const nanp = (s: number[], off: number) =>
    s.length === off + 3 && s[off] === 3 && s[off + 1] === 3 && s[off + 2] === 4 &&
    text.charCodeAt(groups[(first + off) * 2]!) >= 50 && text.charCodeAt(groups[(first + off + 1) * 2]!) >= 50;
  if (nanp(sizes, 0)) return true;
  if (sizes[0] === 1 && d0 === 49 && nanp(sizes, 1)) return true;
  if (d0 === 48 && sizes.length >= 2 && digits >= 10 && digits <= 11) return sizes.every((n) => n >= 2) && sizes[0]! <= 5;
  return false;
}

// --- US SSN --------------------------------------------------------------------------

/**
 * `AAA-GG-SSSS` (or with spaces), excluding numbers never issued: area 000, 666 and
 * 900–999, group 00, serial 0000. Nine bare digits are not taken for an SSN: too many ids
 * look like that.
 */
export const usSsn: Detector = {
  name: "us_ssn",
  needs: needs({ minLength: 11, minDigits: 9, any: "- " }),
  needsSuffice: true,
  mayMatch: (text) => countDigits(text) >= 9,
  find(text, out) {
    const re = /(\d{3})([- ])(\d{2})\2(\d{4})/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      const p = at(text, start - 1);
      if (isWord(p) || ((p === 45 || p === 32 || p === 46) && isDigit(at(text, start - 2)))) {
        re.lastIndex = start + 1;
        continue;
      }
      const n = at(text, end);
      if (isWord(n) || ((n === 45 || n === 46 || (n === 32 && m[2] === " ")) && isDigit(at(text, end + 1)))) {
        re.lastIndex = start + 1;
        continue;
      }
      const area = m[1]!;
      if (area === "000" || area === "666" || area[0] === "9" || m[3] === "00" || m[4] === "0000") continue;
      out.push(start, end);
    }
  },
};
