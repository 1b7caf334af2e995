// JSON and Rego-syntax serialisation, written straight at the heap top (nothing
// else allocates during a dump), NUL-terminated for the SDK.
//
// In bridge mode (values crossing to host builtins through the SDK, which only
// speaks JSON) sets and numbers JSON.parse cannot hold exactly are tagged:
// {"\u0000set": [...]}, {"\u0000num": "text"}. json.ts undoes the tags.

import { heapGet, bumpTo, ensure } from "./alloc";
import { writeI64 } from "./number";
import { bridge } from "./json";
import {
  T_NULL, T_BOOLEAN, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, N_INT,
  vtype, boolOf, numKind, intOf, strLen, strPtr, len, elemAt, keyAt, valAt,
} from "./value";

let out: usize = 0;
/** Cleared when a dump writes a number JSON.parse would not read exactly. */
export let dumpExact = true;

function room(n: usize): void {
  ensure(out + n);
}

function byte(c: u8): void {
  room(1);
  store<u8>(out++, c);
}

function ascii(s: string): void {
  room(<usize>s.length);
  for (let i = 0; i < s.length; i++) store<u8>(out++, <u8>s.charCodeAt(i));
}

function bytes(p: usize, n: u32): void {
  room(n);
  memory.copy(out, p, n);
  out += n;
}

const HEX = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

function str(p: usize, n: u32): void {
  byte(0x22);
  for (let i: u32 = 0; i < n; i++) {
    const c = load<u8>(p + i);
    if (c == 0x22 || c == 0x5c) {
      byte(0x5c);
      byte(c);
    } else if (c == 0x0a) {
      ascii("\\n");
    } else if (c == 0x09) {
      ascii("\\t");
    } else if (c == 0x0d) {
      ascii("\\r");
    } else if (c < 0x20) {
      ascii("\\u00");
      byte(load<u8>(HEX + (c >> 4)));
      byte(load<u8>(HEX + (c & 15)));
    } else {
      byte(c);
    }
  }
  byte(0x22);
}

const MAX_SAFE: i64 = 9007199254740991;

function value(v: usize, rego: bool): void {
  switch (vtype(v)) {
    case T_NULL:
      ascii("null");
      return;
    case T_BOOLEAN:
      ascii(boolOf(v) ? "true" : "false");
      return;
    case T_NUMBER: {
      let inexact = numKind(v) != N_INT;
      if (!inexact) {
        const n = intOf(v);
        inexact = n > MAX_SAFE || n < -MAX_SAFE;
      }
      if (inexact) dumpExact = false;
      const tagged = bridge && inexact;
      if (tagged) ascii("{\"\\u0000num\":\"");
      if (numKind(v) == N_INT) {
        room(24);
        out += writeI64(out, intOf(v));
      } else {
        bytes(strPtr(v), strLen(v));
      }
      if (tagged) ascii("\"}");
      return;
    }
    case T_STRING:
      str(strPtr(v), strLen(v));
      return;
    case T_ARRAY: {
      byte(0x5b);
      for (let i: u32 = 0; i < len(v); i++) {
        if (i > 0) byte(0x2c);
        value(elemAt(v, i), rego);
      }
      byte(0x5d);
      return;
    }
    case T_OBJECT: {
      byte(0x7b);
      for (let i: u32 = 0; i < len(v); i++) {
        if (i > 0) byte(0x2c);
        const k = keyAt(v, i);
        if (vtype(k) == T_STRING || rego) {
          value(k, rego);
        } else {
          // JSON keys must be strings: dump the key, quote that text after it,
          // then slide the quoted form back over the raw one
          const kp = out;
          value(k, false);
          const kn = out - kp;
          str(kp, <u32>kn);
          memory.copy(kp, kp + kn, out - (kp + kn));
          out -= kn;
        }
        byte(0x3a);
        value(valAt(v, i), rego);
      }
      byte(0x7d);
      return;
    }
    case T_SET: {
      const n = len(v);
      if (rego) {
        if (n == 0) {
          ascii("set()");
          return;
        }
        byte(0x7b);
      } else if (bridge) {
        ascii("{\"\\u0000set\":[");
      } else {
        byte(0x5b);
      }
      for (let i: u32 = 0; i < n; i++) {
        if (i > 0) byte(0x2c);
        value(elemAt(v, i), rego);
      }
      byte(rego ? 0x7d : 0x5d);
      if (!rego && bridge) byte(0x7d);
      return;
    }
  }
}

function run(v: usize, rego: bool): usize {
  out = heapGet();
  dumpExact = true;
  const start = out;
  value(v, rego);
  byte(0);
  bumpTo(out);
  return start;
}

export function dumpJSON(v: usize): usize {
  return run(v, false);
}

export function dumpRego(v: usize): usize {
  return run(v, true);
}
