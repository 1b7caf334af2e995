/**
 * Time builtins over nanoseconds since the Unix epoch (bigint-exact). Time zones other
 * than UTC are resolved with Intl (IANA names); "" and "UTC" mean UTC, "Local" means UTC
 * here because the gateway runs with a UTC clock.
 */

import { RNumber, type Value } from "../values/index.js";
import { builtinError, def, int, numberOf, operandTypeError, str, typeError, type Builtin } from "./builtin.js";

const NS_PER_MS = 1_000_000n;
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export function parseRFC3339(name: string, s: string): bigint {
  const m = RFC3339.exec(s);
  if (!m) throw builtinError(name, `parsing time ${JSON.stringify(s)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(s)} as "2006"`);
  const [y, mo, d, h, mi, se] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || se! > 59)
    throw builtinError(name, `parsing time ${JSON.stringify(s)}: value out of range`);
  let ms = Date.UTC(y!, mo! - 1, d!, h!, mi!, se!);
  if (y! < 100) ms = new Date(ms).setUTCFullYear(y!);
  if (m[9]) ms -= (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) * 60_000;
  const frac = BigInt((m[7] ?? "").padEnd(9, "0") || "0");
  return BigInt(ms) * NS_PER_MS + frac;
}

/** Broken-down wall-clock time of `ns` in `tz`. */
interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

function civil(name: string, ns: bigint, tz: string): Civil {
  const ms = Number(ns / NS_PER_MS - (ns % NS_PER_MS < 0n ? 1n : 0n));
  if (tz === "" || tz === "UTC" || tz === "Local") {
    const d = new Date(ms);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      weekday: d.getUTCDay(),
    };
  }
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      weekday: "short",
    });
  } catch {
    throw builtinError(name, `unknown time zone ${tz}`);
  }
  const parts = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(parts.weekday!),
  };
}

/** `ns` or `[ns, tz]`, the operand shape of time.date/clock/weekday. */
function nsAndZone(name: string, args: Value[]): [bigint, string] {
  const v = args[0]!;
  if (v instanceof RNumber) {
    if (!v.isInteger()) throw typeError(name, "operand 1 must be integer number but got floating-point number");
    return [v.toBigInt(), "UTC"];
  }
  if (Array.isArray(v) && v.length === 2 && v[0] instanceof RNumber && typeof v[1] === "string") {
    if (!v[0].isInteger()) throw typeError(name, "operand 1 must be integer number but got floating-point number");
    return [v[0].toBigInt(), v[1]];
  }
  throw operandTypeError(name, 1, v, "number", "array");
}

export const timeBuiltins: Builtin[] = [
  def("time.now_ns", [], "number", (_args, ctx) => RNumber.fromInt(ctx.nowNs)),
  def("time.parse_rfc3339_ns", ["string"], "number", (args) => RNumber.fromInt(parseRFC3339("time.parse_rfc3339_ns", str("time.parse_rfc3339_ns", args, 1)))),
  def("time.date", ["any<number, array[any]>"], "array[number]", (args) => {
    const c = civil("time.date", ...nsAndZone("time.date", args));
    return [numberOf(c.year), numberOf(c.month), numberOf(c.day)];
  }),
  def("time.clock", ["any<number, array[any]>"], "array[number]", (args) => {
    const c = civil("time.clock", ...nsAndZone("time.clock", args));
    return [numberOf(c.hour), numberOf(c.minute), numberOf(c.second)];
  }),
  def("time.weekday", ["any<number, array[any]>"], "string", (args) => DAYS[civil("time.weekday", ...nsAndZone("time.weekday", args)).weekday]!),
  def("time.add_date", ["number", "number", "number", "number"], "number", (args) => {
    const n = args[0]!;
    if (!(n instanceof RNumber)) throw operandTypeError("time.add_date", 1, n, "number");
    if (!n.isInteger()) throw typeError("time.add_date", "operand 1 must be integer number but got floating-point number");
    const ns = n.toBigInt();
    const [y, mo, d] = [int("time.add_date", args, 2), int("time.add_date", args, 3), int("time.add_date", args, 4)];
    const msPart = ns / NS_PER_MS - (ns % NS_PER_MS < 0n ? 1n : 0n);
    const sub = ns - msPart * NS_PER_MS;
    const t = new Date(Number(msPart));
    // Date.UTC normalises overflowing months and days the way Go's time.Date does.
    const shifted = new Date(0);
    shifted.setUTCFullYear(t.getUTCFullYear() + y, t.getUTCMonth() + mo, t.getUTCDate() + d);
    shifted.setUTCHours(t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds(), t.getUTCMilliseconds());
    const out = BigInt(shifted.getTime()) * NS_PER_MS + sub;
    if (out > (1n << 63n) - 1n || out < -(1n << 63n)) throw builtinError("time.add_date", "time outside of valid range");
    return RNumber.fromInt(out);
  }),
];
