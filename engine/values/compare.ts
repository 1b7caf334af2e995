/**
 * OPA's total order on values and structural equality.
 *
 * Order: null < boolean < number < string < array < object < set. Strings compare by
 * their UTF-8 bytes (Go's order), which is code point order — not JS's UTF-16 order,
 * where U+FFxx sorts after astral characters' surrogates.
 */

import { RNumber } from "./number.js";
import { RObject, RSet, type Value } from "./value.js";

function rank(v: Value): number {
  if (v === null) return 0;
  if (typeof v === "boolean") return 1;
  if (typeof v === "string") return 3;
  if (v instanceof RNumber) return 2;
  if (Array.isArray(v)) return 4;
  if (v instanceof RObject) return 5;
  return 6;
}

/** Maps a UTF-16 code unit so that unit order becomes code point (UTF-8 byte) order. */
function fixUnit(u: number): number {
  if (u >= 0xd800 && u <= 0xdfff) return u + 0x2000;
  if (u >= 0xe000) return u - 0x800;
  return u;
}

export function compareStrings(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return fixUnit(x) < fixUnit(y) ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

function compareSeq(a: readonly Value[], b: readonly Value[]): -1 | 0 | 1 {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compare(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

export function compare(a: Value, b: Value): -1 | 0 | 1 {
  if (a === b) return 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a === b ? 0 : a === false ? -1 : 1;
    case 2:
      return (a as RNumber).compare(b as RNumber);
    case 3:
      return compareStrings(a as string, b as string);
    case 4:
      return compareSeq(a as Value[], b as Value[]);
    case 5: {
      // OPA walks both sorted key lists, comparing each key and then its value, and
      // only then the lengths.
      const ea = (a as RObject).entries();
      const eb = (b as RObject).entries();
      const n = Math.min(ea.length, eb.length);
      for (let i = 0; i < n; i++) {
        const kc = compare(ea[i]![0], eb[i]![0]);
        if (kc !== 0) return kc;
        const vc = compare(ea[i]![1], eb[i]![1]);
        if (vc !== 0) return vc;
      }
      return ea.length < eb.length ? -1 : ea.length > eb.length ? 1 : 0;
    }
    default:
      return compareSeq((a as RSet).values(), (b as RSet).values());
  }
}

export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (a instanceof RNumber) return b instanceof RNumber && a.equals(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(a[i]!, b[i]!)) return false;
    return true;
  }
  if (a instanceof RObject) {
    if (!(b instanceof RObject) || a.size !== b.size) return false;
    for (const [k, v] of a.entries()) {
      const w = b.get(k);
      if (w === undefined || !equal(v, w)) return false;
    }
    return true;
  }
  if (!(b instanceof RSet) || a.size !== b.size) return false;
  for (const v of a.values()) if (!b.has(v)) return false;
  return true;
}
