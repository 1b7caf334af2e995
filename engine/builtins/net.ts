/** IPv4/IPv6 CIDR builtins over 32/128-bit bigints. */

import { RSet, typeName, type Value } from "../values/index.js";
import { builtinError, def, iterable, str, typeError, type Builtin } from "./builtin.js";

/** An address range: family bit width, first and last address. */
interface Net {
  bits: 32 | 128;
  first: bigint;
  last: bigint;
  prefix: number;
}

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function parseIPv6(s: string): bigint | undefined {
  let tail4: bigint | undefined;
  let str6 = s;
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    tail4 = parseIPv4(s.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    str6 = s.slice(0, lastColon + 1) + "0:0";
  }
  const halves = str6.split("::");
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail4 !== undefined) v = (v & ~0xffffffffn) | tail4;
  return v;
}

function parseIP(s: string): { bits: 32 | 128; v: bigint } | undefined {
  const v4 = parseIPv4(s);
  if (v4 !== undefined) return { bits: 32, v: v4 };
  if (!s.includes(":")) return undefined;
  const v6 = parseIPv6(s);
  return v6 === undefined ? undefined : { bits: 128, v: v6 };
}

function netOf(bits: 32 | 128, addr: bigint, prefix: number): Net {
  const host = (1n << BigInt(bits - prefix)) - 1n;
  const first = addr & ~host & ((1n << BigInt(bits)) - 1n);
  return { bits, first, last: first | host, prefix };
}

function parseCIDR(s: string): Net | undefined {
  const slash = s.indexOf("/");
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const p = s.slice(slash + 1);
  if (!ip || !/^[0-9]{1,3}$/.test(p) || Number(p) > ip.bits) return undefined;
  return netOf(ip.bits, ip.v, Number(p));
}

function cidrOrIP(name: string, s: string): Net {
  const ip = parseIP(s);
  if (ip) return { bits: ip.bits, first: ip.v, last: ip.v, prefix: ip.bits };
  const n = parseCIDR(s);
  if (!n) throw builtinError(name, `invalid CIDR address: ${s}`);
  return n;
}

function cidr(name: string, s: string): Net {
  const n = parseCIDR(s);
  if (!n) throw builtinError(name, `invalid CIDR address: ${s}`);
  return n;
}

function formatIP(bits: 32 | 128, v: bigint): string {
  if (bits === 32) return [24n, 16n, 8n, 0n].map((sh) => String((v >> sh) & 255n)).join(".");
  const groups = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn));
  // Longest run of zero groups (length >= 2) becomes "::", as Go prints.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

/** Minimal CIDR blocks covering [first, last]. */
function rangeToCIDRs(bits: 32 | 128, first: bigint, last: bigint): string[] {
  const out: string[] = [];
  while (first <= last) {
    let size = 0;
    while (size < bits) {
      const block = 1n << BigInt(size + 1);
      if (first % block !== 0n || first + block - 1n > last) break;
      size++;
    }
    out.push(`${formatIP(bits, first)}/${bits - size}`);
    first += 1n << BigInt(size);
  }
  return out;
}

export const netBuiltins: Builtin[] = [
  def("net.cidr_contains", ["string", "string"], "boolean", (args) => {
    const a = cidr("net.cidr_contains", str("net.cidr_contains", args, 1));
    const b = cidrOrIP("net.cidr_contains", str("net.cidr_contains", args, 2));
    return a.bits === b.bits && a.first <= b.first && b.last <= a.last;
  }),
  def("net.cidr_intersects", ["string", "string"], "boolean", (args) => {
    const a = cidr("net.cidr_intersects", str("net.cidr_intersects", args, 1));
    const b = cidr("net.cidr_intersects", str("net.cidr_intersects", args, 2));
    return a.bits === b.bits && a.first <= b.last && b.first <= a.last;
  }),
  def("net.cidr_merge", ["any<array[string], set[string]>"], "set[string]", (args) => {
    const items = iterable("net.cidr_merge", args, 1, "array", "set");
    const nets = items.map((x: Value) => {
      if (typeof x !== "string") throw typeError("net.cidr_merge", `operand 1 must be array of strings but got array containing ${typeName(x)}`);
      return cidrOrIP("net.cidr_merge", x);
    });
    const out = new RSet();
    for (const bits of [32, 128] as const) {
      const fam = nets.filter((n) => n.bits === bits).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
      let cur: Net | undefined;
      for (const n of fam) {
        if (cur && n.first <= cur.last + 1n) {
          if (n.last > cur.last) cur = { ...cur, last: n.last };
        } else {
          if (cur) for (const c of rangeToCIDRs(bits, cur.first, cur.last)) out.add(c);
          cur = n;
        }
      }
      if (cur) for (const c of rangeToCIDRs(bits, cur.first, cur.last)) out.add(c);
    }
    return out;
  }),
];
