/** Character tests the hand-written detectors share (UTF-16 code units). */

export const isDigit = (c: number): boolean => c >= 48 && c <= 57;
export const isUpper = (c: number): boolean => c >= 65 && c <= 90;
export const isLower = (c: number): boolean => c >= 97 && c <= 122;
export const isAlnum = (c: number): boolean => isDigit(c) || isUpper(c) || isLower(c);
/** Letters, digits and `_`: what continues a "word" for boundary checks. */
export const isWord = (c: number): boolean => isAlnum(c) || c === 95;

/** The code unit at `i`, or -1 outside the string (so boundary checks need no length test). */
export function at(text: string, i: number): number {
  return i >= 0 && i < text.length ? text.charCodeAt(i) : -1;
}

let lastText = "";
let lastDigits = 0;

/**
 * How many ASCII digits `text` holds. Several detectors pre-check the same value for
 * enough digits, so the last answer is remembered (the same string is compared by
 * reference first, which is what the scanner passes).
 */
export function countDigits(text: string): number {
  if (text === lastText) return lastDigits;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  lastText = text;
  lastDigits = n;
  return n;
}
