// JSON (and Rego value syntax) parsing. Strings without escapes and number texts
// point into the source buffer rather than being copied: the buffer lives in the
// same heap and, like every value, is never mutated afterwards.

import { alloc } from "./alloc";
import { setAdd, objectPut } from "./compare";
import { numberFromText } from "./number";
import {
  mkNull, mkBool, mkString, mkArray, mkSet, mkObject, arrayPush,
  vtype, T_STRING, strLen, strPtr, len, keyAt, valAt, T_ARRAY, elemAt,
} from "./value";

let pos: usize = 0;
let end: usize = 0;
let regoSyntax = false;
/** Set while values cross to and from host builtins: see dump.ts. */
export let bridge = false;
export function setBridge(on: bool): void {
  bridge = on;
}

function ws(): void {
  while (pos < end) {
    const c = load<u8>(pos);
    if (c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d) pos++;
    else break;
  }
}

function lit(s: string): bool {
  // ASCII literals only; compares the UTF-16 code units of the literal.
  const n = <usize>s.length;
  if (end - pos < n) return false;
  for (let i: usize = 0; i < n; i++) {
    if (<u32>load<u8>(pos + i) != <u32>s.charCodeAt(<i32>i)) return false;
  }
  pos += n;
  return true;
}

function hex4(): i32 {
  if (end - pos < 4) return -1;
  let r: i32 = 0;
  for (let i = 0; i < 4; i++) {
    const c = <i32>load<u8>(pos++);
    let d: i32;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
    else return -1;
    r = (r << 4) | d;
  }
  return r;
}

function putUtf8(out: usize, cp: u32): usize {
  if (cp < 0x80) {
    store<u8>(out, <u8>cp);
    return out + 1;
  }
  if (cp < 0x800) {
    store<u8>(out, <u8>(0xc0 | (cp >> 6)));
    store<u8>(out + 1, <u8>(0x80 | (cp & 0x3f)));
    return out + 2;
  }
  if (cp < 0x10000) {
    store<u8>(out, <u8>(0xe0 | (cp >> 12)));
    store<u8>(out + 1, <u8>(0x80 | ((cp >> 6) & 0x3f)));
    store<u8>(out + 2, <u8>(0x80 | (cp & 0x3f)));
    return out + 3;
  }
  store<u8>(out, <u8>(0xf0 | (cp >> 18)));
  store<u8>(out + 1, <u8>(0x80 | ((cp >> 12) & 0x3f)));
  store<u8>(out + 2, <u8>(0x80 | ((cp >> 6) & 0x3f)));
  store<u8>(out + 3, <u8>(0x80 | (cp & 0x3f)));
  return out + 4;
}

function parseString(): usize {
  pos++; // opening quote
  const start = pos;
  let escaped = false;
  // eight bytes at a time while none is a quote, a backslash or a control character
  // (SWAR zero-byte tests; exact as booleans)
  while (pos + 8 <= end) {
    const x = load<u64>(pos);
    const q = x ^ 0x2222222222222222;
    const b = x ^ 0x5c5c5c5c5c5c5c5c;
    const hit = ((q - 0x0101010101010101) & ~q) | ((b - 0x0101010101010101) & ~b) | ((x - 0x2020202020202020) & ~x);
    if ((hit & 0x8080808080808080) != 0) break;
    pos += 8;
  }
  while (pos < end) {
    const c = load<u8>(pos);
    if (c == 0x22) break;
    if (c == 0x5c) {
      escaped = true;
      pos += 2;
    } else {
      if (c < 0x20) return 0;
      pos++;
    }
  }
  if (pos >= end) return 0;
  const stop = pos;
  pos++;
  if (!escaped) return mkString(start, <u32>(stop - start));
  // Escapes never expand (\uXXXX is 6 bytes for at most 3, a pair 12 for 4).
  const buf = alloc(stop - start);
  let out = buf;
  let p = start;
  while (p < stop) {
    const c = load<u8>(p++);
    if (c != 0x5c) {
      store<u8>(out++, c);
      continue;
    }
    const e = load<u8>(p++);
    switch (e) {
      case 0x22: store<u8>(out++, 0x22); break;
      case 0x5c: store<u8>(out++, 0x5c); break;
      case 0x2f: store<u8>(out++, 0x2f); break;
      case 0x62: store<u8>(out++, 0x08); break;
      case 0x66: store<u8>(out++, 0x0c); break;
      case 0x6e: store<u8>(out++, 0x0a); break;
      case 0x72: store<u8>(out++, 0x0d); break;
      case 0x74: store<u8>(out++, 0x09); break;
      case 0x75: {
        const save = pos;
        pos = p;
        let cp = hex4();
        if (cp < 0) return 0;
        if (cp >= 0xd800 && cp < 0xdc00) {
          // a high surrogate combines with a following low one; alone it is U+FFFD
          if (end - pos >= 6 && load<u8>(pos) == 0x5c && load<u8>(pos + 1) == 0x75) {
            const back = pos;
            pos += 2;
            const lo = hex4();
            if (lo >= 0xdc00 && lo < 0xe000) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else {
              pos = back;
              cp = 0xfffd;
            }
          } else {
            cp = 0xfffd;
          }
        } else if (cp >= 0xdc00 && cp < 0xe000) {
          cp = 0xfffd;
        }
        out = putUtf8(out, <u32>cp);
        p = pos;
        pos = save;
        break;
      }
      default:
        return 0;
    }
  }
  return mkString(buf, <u32>(out - buf));
}

function parseNumber(): usize {
  const start = pos;
  while (pos < end) {
    const c = load<u8>(pos);
    if ((c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x2b || c == 0x2e || c == 0x65 || c == 0x45) pos++;
    else break;
  }
  if (pos == start) return 0;
  return numberFromText(start, <u32>(pos - start));
}

function isTag(k: usize, tag: string): bool {
  if (vtype(k) != T_STRING || strLen(k) != <u32>tag.length + 1) return false;
  const p = strPtr(k);
  if (load<u8>(p) != 0) return false;
  for (let i = 0; i < tag.length; i++) {
    if (<u32>load<u8>(p + 1 + i) != <u32>tag.charCodeAt(i)) return false;
  }
  return true;
}

/** Bridge mode: {"\u0000set": [...]} and {"\u0000num": "text"} carry exact values. */
function untag(o: usize): usize {
  if (len(o) != 1) return o;
  const k = keyAt(o, 0);
  const v = valAt(o, 0);
  if (isTag(k, "set") && vtype(v) == T_ARRAY) {
    const s = mkSet();
    for (let i: u32 = 0; i < len(v); i++) setAdd(s, elemAt(v, i));
    return s;
  }
  if (isTag(k, "num") && vtype(v) == T_STRING) return numberFromText(strPtr(v), strLen(v));
  return o;
}

function parseValue(depth: i32): usize {
  if (depth > 10000) return 0;
  ws();
  if (pos >= end) return 0;
  const c = load<u8>(pos);
  if (c == 0x22) return parseString();
  if (c == 0x5b) {
    pos++;
    const a = mkArray(0);
    ws();
    if (pos < end && load<u8>(pos) == 0x5d) {
      pos++;
      return a;
    }
    while (true) {
      const x = parseValue(depth + 1);
      if (x == 0) return 0;
      arrayPush(a, x);
      ws();
      if (pos >= end) return 0;
      const d = load<u8>(pos++);
      if (d == 0x5d) return a;
      if (d != 0x2c) return 0;
    }
  }
  if (c == 0x7b) {
    pos++;
    ws();
    if (pos < end && load<u8>(pos) == 0x7d) {
      pos++;
      return mkObject();
    }
    const first = parseValue(depth + 1);
    if (first == 0) return 0;
    ws();
    if (pos >= end) return 0;
    if (regoSyntax && load<u8>(pos) != 0x3a) {
      // Rego set literal {a, b}
      const s = mkSet();
      setAdd(s, first);
      while (true) {
        ws();
        if (pos >= end) return 0;
        const d = load<u8>(pos++);
        if (d == 0x7d) return s;
        if (d != 0x2c) return 0;
        const x = parseValue(depth + 1);
        if (x == 0) return 0;
        setAdd(s, x);
      }
    }
    const o = mkObject();
    let k = first;
    while (true) {
      if (!regoSyntax && vtype(k) != T_STRING) return 0;
      ws();
      if (pos >= end || load<u8>(pos++) != 0x3a) return 0;
      const v = parseValue(depth + 1);
      if (v == 0) return 0;
      objectPut(o, k, v, true);
      ws();
      if (pos >= end) return 0;
      const d = load<u8>(pos++);
      if (d == 0x7d) return bridge ? untag(o) : o;
      if (d != 0x2c) return 0;
      k = parseValue(depth + 1);
      if (k == 0) return 0;
    }
  }
  if (lit("null")) return mkNull();
  if (lit("true")) return mkBool(true);
  if (lit("false")) return mkBool(false);
  if (regoSyntax && lit("set()")) return mkSet();
  return parseNumber();
}

export function parse(p: usize, n: usize, rego: bool): usize {
  pos = p;
  end = p + n;
  regoSyntax = rego;
  const v = parseValue(0);
  if (v == 0) return 0;
  ws();
  return pos == end ? v : 0;
}
