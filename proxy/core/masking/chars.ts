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

/**
 * How many ASCII digits `text` holds. Not cached: a cache keyed by the last string costs
 * a full comparison whenever a different value of the same length comes (JavaScript has
 * no identity test for strings), more than counting again; the scanner's pre-filter
 * (prefilter.ts) already keeps most values from getting here.
 */
export function countDigits(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}
