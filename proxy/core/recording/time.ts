/**
 * Timestamps of recording lines: RFC 3339 in UTC with exactly nine fraction digits, so
 * they sort as text and keep the nanoseconds `replay` subtracts.
 */

// Date.now() has millisecond resolution; hrtime adds the nanoseconds, anchored once.
const anchorNs = BigInt(Date.now()) * 1_000_000n;
const anchorHr = process.hrtime.bigint();

/** Wall-clock nanoseconds since the Unix epoch, monotonic within the process. */
export function nowNs(): bigint {
  return anchorNs + (process.hrtime.bigint() - anchorHr);
}

/** `2025-01-02T03:04:05.123456789Z`. */
export function formatNs(ns: bigint): string {
  let secs = ns / 1_000_000_000n;
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    secs -= 1n;
  }
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  return `${base}.${frac.toString().padStart(9, "0")}Z`;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Nanoseconds since the epoch of an RFC 3339 time (any offset, 0–9 fraction digits), or
 * undefined when the text is not one.
 */
export function parseNs(text: string): bigint | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/** The UTC day (`yyyy-mm-dd`) a time falls on: the folder its recording goes in. */
export function dayOf(ns: bigint): string {
  return formatNs(ns).slice(0, 10);
}
