// Exact numbers. Integers that fit an i64 take the fast path; everything else keeps
// its JSON text and is compared as a decimal, so big integers and decimals survive
// parse -> dump unchanged and 3.5, 3.50 and 35e-1 are one number.

import { alloc } from "./alloc";
import { N_INT, numKind, intOf, strLen, strPtr, mkInt, mkNumRef } from "./value";

/** Writes the decimal text of n at p; returns the byte count (at most 20). */
export function writeI64(p: usize, n: i64): u32 {
  let buf: usize = p;
  let u: u64;
  if (n < 0) {
    store<u8>(buf++, 0x2d);
    u = <u64>(-(n + 1)) + 1; // i64.MIN_VALUE safe
  } else {
    u = <u64>n;
  }
  const start = buf;
  do {
    store<u8>(buf++, <u8>(0x30 + <u32>(u % 10)));
    u /= 10;
  } while (u != 0);
  // reverse the digits in place
  let a = start;
  let b = buf - 1;
  while (a < b) {
    const t = load<u8>(a);
    store<u8>(a, load<u8>(b));
    store<u8>(b, t);
    a++;
    b--;
  }
  return <u32>(buf - p);
}

/**
 * Parses decimal integer text; returns true and sets `parsedInt` when it fits an
 * i64 and has no fraction or exponent.
 */
export let parsedInt: i64 = 0;
export function parseIntText(p: usize, n: u32): bool {
  let i: u32 = 0;
  let neg = false;
  if (n > 0 && load<u8>(p) == 0x2d) {
    neg = true;
    i = 1;
  }
  if (i >= n || n - i > 18) return false;
  let acc: i64 = 0;
  for (; i < n; i++) {
    const c = load<u8>(p + i);
    if (c < 0x30 || c > 0x39) return false;
    acc = acc * 10 + <i64>(c - 0x30);
  }
  if (neg && acc == 0) return false; // keep "-0" textual
  parsedInt = neg ? -acc : acc;
  return true;
}

/** A number value from exact text: i64 when it fits, text otherwise. */
export function numberFromText(p: usize, n: u32): usize {
  if (parseIntText(p, n)) return mkInt(parsedInt);
  return mkNumRef(p, n);
}

// Normalised decimal: value = sign * 0.D1D2..Dn * 10^exp, no leading or trailing
// zeros in D; zero has sign 0. Stored as {i32 sign, ptr digits, u32 n, i32 exp}.
// Two scratch decimals, reused: compare never nests.
const DA = memory.data(16);
const DB = memory.data(16);

function decode(v: usize, d: usize): void {
  let p: usize;
  let n: u32;
  if (numKind(v) == N_INT) {
    p = alloc(24);
    n = writeI64(p, intOf(v));
  } else {
    p = strPtr(v);
    n = strLen(v);
  }
  const buf = alloc(n);
  let i: u32 = 0;
  let sign: i32 = 1;
  if (i < n && load<u8>(p + i) == 0x2d) {
    sign = -1;
    i++;
  } else if (i < n && load<u8>(p + i) == 0x2b) {
    i++;
  }
  let nd: u32 = 0;
  let intDigits: i32 = 0;
  let seenPoint = false;
  for (; i < n; i++) {
    const c = load<u8>(p + i);
    if (c >= 0x30 && c <= 0x39) {
      store<u8>(buf + nd++, c);
      if (!seenPoint) intDigits++;
    } else if (c == 0x2e) {
      seenPoint = true;
    } else {
      break;
    }
  }
  let exp: i32 = 0;
  if (i < n && (load<u8>(p + i) | 0x20) == 0x65) {
    i++;
    let eneg = false;
    if (i < n && load<u8>(p + i) == 0x2d) {
      eneg = true;
      i++;
    } else if (i < n && load<u8>(p + i) == 0x2b) {
      i++;
    }
    for (; i < n; i++) {
      const c = load<u8>(p + i);
      if (c < 0x30 || c > 0x39) break;
      if (exp < 100000000) exp = exp * 10 + <i32>(c - 0x30);
    }
    if (eneg) exp = -exp;
  }
  let s: u32 = 0;
  while (s < nd && load<u8>(buf + s) == 0x30) s++;
  let e = nd;
  while (e > s && load<u8>(buf + e - 1) == 0x30) e--;
  if (s == e) {
    store<i32>(d, 0);
    store<usize>(d, buf, 4);
    store<u32>(d, 0, 8);
    store<i32>(d, 0, 12);
    return;
  }
  store<i32>(d, sign);
  store<usize>(d, buf + s, 4);
  store<u32>(d, e - s, 8);
  store<i32>(d, intDigits - <i32>s + exp, 12);
}

export function compareNumbers(a: usize, b: usize): i32 {
  if (numKind(a) == N_INT && numKind(b) == N_INT) {
    const x = intOf(a);
    const y = intOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  decode(a, DA);
  decode(b, DB);
  const sa = load<i32>(DA);
  const sb = load<i32>(DB);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  let r: i32 = 0;
  const ea = load<i32>(DA, 12);
  const eb = load<i32>(DB, 12);
  if (ea != eb) {
    r = ea < eb ? -1 : 1;
  } else {
    const pa = load<usize>(DA, 4);
    const pb = load<usize>(DB, 4);
    const na = load<u32>(DA, 8);
    const nb = load<u32>(DB, 8);
    const m = na < nb ? na : nb;
    for (let i: u32 = 0; i < m; i++) {
      const ca = load<u8>(pa + i);
      const cb = load<u8>(pb + i);
      if (ca != cb) {
        r = ca < cb ? -1 : 1;
        break;
      }
    }
    if (r == 0 && na != nb) r = na < nb ? -1 : 1;
  }
  return sa < 0 ? -r : r;
}
