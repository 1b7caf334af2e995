/** `units.parse` (SI and binary suffixes, `m` is milli) and `units.parse_bytes`. */

import { RNumber } from "../values/index.js";
import { builtinError, def, str, type Builtin } from "./builtin.js";

const SI: Record<string, RNumber> = {};
const p10 = (n: number) => RNumber.of(1n, n);
const p2 = (n: number) => RNumber.fromInt(1n << BigInt(n));
for (const [k, v] of [["k", 3], ["m", 6], ["g", 9], ["t", 12], ["p", 15], ["e", 18]] as const) {
  SI[k] = p10(v);
}
const BIN: Record<string, RNumber> = { ki: p2(10), mi: p2(20), gi: p2(30), ti: p2(40), pi: p2(50), ei: p2(60) };

function split(name: string, s: string): { num: RNumber; unit: string } {
  if (s.includes(" ")) throw builtinError(name, "spaces not allowed in resource strings");
  const m = /^([0-9]*(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)(.*)$/.exec(s.startsWith("-") || s.startsWith("+") ? s.slice(1) : s)!;
  if (m[1] === "" || m[1] === ".") throw builtinError(name, name === "units.parse_bytes" ? "no byte amount provided" : "no amount provided");
  let t = m[1]!.replace(/^\./, "0.").replace(/\.(?=[eE]|$)/, "").replace(/^0+(?=[0-9])/, "");
  const num = RNumber.parse(t);
  if (!num) throw builtinError(name, name === "units.parse_bytes" ? "could not parse byte amount to a number" : "could not parse amount to a number");
  return { num: s.startsWith("-") ? num.neg() : num, unit: m[2]! };
}

export const unitBuiltins: Builtin[] = [
  def("units.parse_bytes", ["string"], "number", (args) => {
    const s = str("units.parse_bytes", args, 1).replace(/"/g, "");
    const { num, unit } = split("units.parse_bytes", s);
    const u = unit.toLowerCase().replace(/b$/, "");
    const mult = u === "" ? RNumber.ONE : (BIN[u] ?? SI[u]);
    if (!mult) throw builtinError("units.parse_bytes", `byte unit ${unit} not recognized`);
    // Byte counts are whole numbers; OPA truncates.
    const r = num.mul(mult);
    return r.sign() < 0 ? r.neg().floor().neg() : r.floor();
  }),
  def("units.parse", ["string"], "number", (args) => {
    const s = str("units.parse", args, 1).replace(/"/g, "");
    const { num, unit } = split("units.parse", s);
    let mult: RNumber | undefined;
    if (unit === "") mult = RNumber.ONE;
    else if (unit === "m") mult = p10(-3);
    else if (unit === "K" || unit === "k") mult = SI.k;
    else if (unit === "M") mult = SI.m;
    else if (unit.length === 1) mult = SI[unit.toLowerCase()];
    else mult = BIN[unit.toLowerCase()];
    if (!mult) throw builtinError("units.parse", `unit ${unit} not recognized`);
    return num.mul(mult);
  }),
];
