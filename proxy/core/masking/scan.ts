/**
 * Stage 5: scanning free text with the detector and pattern rules, and replacing what
 * they find.
 *
 * Overlaps between rules are resolved left to right: the match that starts first wins,
 * then the longer one, then the earlier rule; a match overlapping a winner is dropped.
 * (Each detector's own matches never overlap.) A match's fate therefore depends only on
 * matches that start before it, which is what lets stream.ts cut a stream anywhere that
 * is not inside a chosen match.
 *
 * The hot path allocates nothing when no rule matches: module-level scratch arrays hold
 * the candidates, and the text comes back as is.
 */
import { maskString, REDACTED, type Hasher } from "./methods.js";
import { profileText, satisfies, type TextProfile } from "./prefilter.js";
import type { ScanRule } from "./rules.js";

const rawRanges: number[] = [];
const rawRules: number[] = [];
const order: number[] = [];

/**
 * Appends the chosen matches of `rules` in `text` to `out` as `start, end, rule` triples
 * (rule = index into `rules`), in text order. Matches starting before `from` are left
 * out (text the caller has already decided); one that starts before it but reaches past
 * it is cut to start at `from`, so nothing past `from` escapes masking.
 */
export function findMatches(text: string, rules: readonly ScanRule[], out: number[], from = 0): void {
  // Setting an array's length is a runtime call; most values leave these empty.
  if (rawRanges.length !== 0) {
    rawRanges.length = 0;
    rawRules.length = 0;
  }
  let producers = 0;
  // One pass over the text answers every rule's `needs` (prefilter.ts) before any
  // detector looks at it; taken lazily, after the first rule that declares needs.
  let profile: TextProfile | undefined;
  for (let r = 0; r < rules.length; r++) {
    const detector = rules[r]!.detector;
    if (detector.needs !== undefined) {
      if (!satisfies((profile ??= profileText(text)), detector.needs)) continue;
      if (detector.needsSuffice !== true && !detector.mayMatch(text)) continue;
    } else if (!detector.mayMatch(text)) continue;
    const before = rawRanges.length;
    detector.find(text, rawRanges);
    if (rawRanges.length === before) continue;
    producers++;
    for (let k = before; k < rawRanges.length; k += 2) rawRules.push(r);
  }
  const n = rawRules.length;
  if (n === 0) return;
  order.length = 0;
  for (let k = 0; k < n; k++) order.push(k);
  if (producers > 1) order.sort((a, b) => rawRanges[a * 2]! - rawRanges[b * 2]! || rawRanges[b * 2 + 1]! - rawRanges[a * 2 + 1]! || rawRules[a]! - rawRules[b]!);
  let last = 0;
  for (const k of order) {
    let start = rawRanges[k * 2]!;
    const end = rawRanges[k * 2 + 1]!;
    if (start < last) continue;
    if (end <= from) {
      last = end; // decided earlier, but still blocks what overlaps it, as it did then
      continue;
    }
    if (start < from) start = from;
    out.push(start, end, rawRules[k]!);
    last = end;
  }
}

/**
 * `text` with each match replaced by its rule's method. A match whose method is `null`
 * makes the whole result `null` when `nullValue` is true (a free-text column becomes
 * NULL), else is redacted (a stream has no NULL).
 */
export function applyMatches(
  text: string,
  matches: readonly number[],
  rules: readonly ScanRule[],
  hash: Hasher,
  nullValue: boolean,
  from = 0,
  to = text.length,
): string | null {
  let out = "";
  let pos = from;
  for (let k = 0; k < matches.length; k += 3) {
    const start = matches[k]!;
    const end = matches[k + 1]!;
    if (start < from || end > to) continue;
    const method = rules[matches[k + 2]!]!.method;
    const replaced = maskString(text.slice(start, end), method, hash);
    if (replaced === null && nullValue) return null;
    out += text.slice(pos, start) + (replaced ?? REDACTED);
    pos = end;
  }
  return out + text.slice(pos, to);
}

const scratch: number[] = [];

/** Masks every match of `rules` in `text`; the same string when nothing matched, `null` when a `null` rule matched. */
export function maskText(text: string, rules: readonly ScanRule[], hash: Hasher): string | null {
  if (scratch.length !== 0) scratch.length = 0;
  findMatches(text, rules, scratch);
  if (scratch.length === 0) return text;
  return applyMatches(text, scratch, rules, hash, true);
}

/** Whether any rule matches in `text` (for values that can only be nulled as a whole). */
export function anyMatch(text: string, rules: readonly ScanRule[]): boolean {
  if (scratch.length !== 0) scratch.length = 0;
  findMatches(text, rules, scratch);
  return scratch.length > 0;
}
