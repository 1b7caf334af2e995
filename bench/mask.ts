/**
 * `npm run bench mask`: masking throughput on a generated 100,000-row result with 3
 * masked columns (column rules: hash, partial, redact) and the default library's
 * detectors and patterns on 2 free-text columns, against the same rows passed through
 * unmasked, in one run. Targets (issue 7): masked ≥ 0.5× the unmasked throughput, and
 * 1,000 rows masked in under 5 ms.
 *
 * Two pass-through baselines: copying the values (the brief's floor: no front end can be
 * faster), and copying them into UTF-8 bytes (what a front end does anyway to send a
 * DataRow), so the ratio is shown against both.
 */
import { compileMaskRules, createMasker, type ColumnInfo } from "../proxy/core/masking/index.js";
import { formatUs, measure, table } from "./harness.js";

const ROWS = 100_000;

const COLUMNS: ColumnInfo[] = [
  { name: "id", qualifiedName: "public.customers.id", kind: "number" },
  { name: "email", qualifiedName: "public.customers.email", kind: "text" },
  { name: "phone", qualifiedName: "public.customers.phone", kind: "text" },
  { name: "ssn", qualifiedName: "public.customers.ssn", kind: "text" },
  { name: "note", qualifiedName: "public.customers.note", kind: "text" },
  { name: "last_message", qualifiedName: "public.tickets.body", kind: "text" },
  { name: "created_at", qualifiedName: "public.customers.created_at", kind: "date/time" },
];

/** The default library's rules (policies/data.json) for these columns. */
const RULES = [
  { column: "public.customers.email", method: "hash" },
  { column: "public.customers.phone", method: "partial" },
  { column: "public.customers.ssn", method: "redact" },
  { detector: "email", method: "hash" },
  { detector: "credit_card", method: "last4" },
  { detector: "us_ssn", method: "redact" },
  { detector: "iban", method: "last4" },
  { pattern: "AKIA[0-9A-Z]{16}", method: "redact" },
  { pattern: "-----BEGIN [A-Z ]*PRIVATE KEY-----", method: "redact" },
];

const PROSE = [
  "Customer asked about the delivery window for order",
  "Refund approved after review by the support team on",
  "Called twice, no answer; will retry tomorrow morning",
  "Prefers contact by email, not before 9am local time",
  "VIP since 2019, handle with care, see ticket history",
  "Package arrived damaged, photo attached to the ticket",
];
const PII = [
  "please use alt address jane.doe@example.org instead",
  "paid with card 4111 1111 1111 1111 exp 12/27",
  "IBAN DE89 3704 0044 0532 0130 00 for the refund",
  "ssn on file 123-45-6789 verified",
  "leaked key AKIAIOSFODNN7EXAMPLE in the logs",
];

/** Deterministic rows: 1 in 10 free-text values holds something a detector finds. */
function generate(): string[][] {
  const rows: string[][] = [];
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < ROWS; i++) {
    const text = () => (rnd(10) === 0 ? `${PROSE[rnd(PROSE.length)]} ${PII[rnd(PII.length)]}` : `${PROSE[rnd(PROSE.length)]} #${100000 + rnd(900000)}`);
    rows.push([
      String(i + 1),
      `customer${rnd(20_000)}@example.com`,
      `+1 555 ${200 + rnd(800)} ${1000 + rnd(9000)}`,
      `${100 + rnd(500)}-${10 + rnd(89)}-${1000 + rnd(8999)}`,
      text(),
      text(),
      `2024-0${1 + rnd(9)}-1${rnd(10)} 10:${10 + rnd(49)}:00+00`,
    ]);
  }
  return rows;
}

export function maskReport(): string {
  const rows = generate();
  let bytes = 0;
  for (const row of rows) for (const v of row) bytes += Buffer.byteLength(v);
  const compiled = compileMaskRules(RULES, { hashKey: "bench-gateway-key" });
  if (!compiled.ok) throw new Error("bench rules do not compile");

  let sink = 0;
  const copy = (list: string[][]) => {
    for (const row of list) sink += row.slice().length;
  };
  const encode = (list: string[][]) => {
    for (const row of list) for (const v of row) sink += Buffer.from(v, "utf8").length;
  };
  // Rules are compiled per run, as a front end does per decision, so the hash cache
  // starts cold on every run (20,000 distinct emails over 100,000 rows).
  const fresh = () => {
    const c = compileMaskRules(RULES, { hashKey: "bench-gateway-key" });
    if (!c.ok) throw new Error("bench rules do not compile");
    return c.rules;
  };
  const mask = (list: string[][]) => {
    const masker = createMasker(fresh(), COLUMNS);
    for (const row of list) sink += masker.maskRow(row).length;
  };
  const maskEncode = (list: string[][]) => {
    const masker = createMasker(fresh(), COLUMNS);
    for (const row of list) for (const v of masker.maskRow(row)) sink += v === null ? 0 : Buffer.from(v, "utf8").length;
  };

  const big = { warmup: 2, samples: 7 };
  const copyAll = measure(() => copy(rows), big);
  const encodeAll = measure(() => encode(rows), big);
  const maskAll = measure(() => mask(rows), big);
  const maskEncodeAll = measure(() => maskEncode(rows), big);
  const thousand = rows.slice(0, 1000);
  const mask1k = measure(() => mask(thousand), { warmup: 20, samples: 200 });

  const counts = createMasker(compiled.rules, COLUMNS);
  for (const row of rows) counts.maskRow(row);
  const masked = counts.maskedByColumn();

  const line = (name: string, us: number, baseUs: number | undefined, target: string) => ({
    case: name,
    "100k rows": formatUs(us),
    "rows/s": `${Math.round(ROWS / (us / 1e6)).toLocaleString("en-US")}`,
    "MB/s": (bytes / 1e6 / (us / 1e6)).toFixed(1),
    "× pass-through": baseUs === undefined ? "1.00" : (baseUs / us).toFixed(2),
    target,
  });
  const report = table(`Masking: ${ROWS.toLocaleString("en-US")} rows × ${COLUMNS.length} columns (${(bytes / 1e6).toFixed(1)} MB), 3 column rules, detectors on 2 text columns`, [
    line("pass-through (copy values)", copyAll.medianUs, undefined, ""),
    line("masked", maskAll.medianUs, copyAll.medianUs, "≥ 0.50"),
    line("pass-through + UTF-8 encode", encodeAll.medianUs, undefined, ""),
    line("masked + UTF-8 encode", maskEncodeAll.medianUs, encodeAll.medianUs, "≥ 0.50"),
  ]);
  const latency = table("Latency", [
    { case: "mask 1,000 rows", median: formatUs(mask1k.medianUs), p90: formatUs(mask1k.p90Us), target: "< 5 ms", met: mask1k.medianUs < 5000 ? "yes" : "no" },
  ]);
  const countLine = `Values masked per column in one pass: ${Object.entries(masked).map(([k, v]) => `${k} ${v}`).join(", ")}${sink < 0 ? "" : ""}\n`;
  return report + "\n" + latency + countLine;
}
