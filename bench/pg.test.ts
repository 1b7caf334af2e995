import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createConnection } from "node:net";
import { fileURLToPath } from "node:url";
import {
  benchModes,
  benchSeconds,
  benchTargets,
  findExecutable,
  parseLatencyLog,
  parseTps,
  percentile,
  pgbouncerIni,
  pgReport,
  resultRows,
  verdict,
  type Results,
} from "./pg.js";

const PGBENCH_15_SUMMARY = `pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: <builtin: select only>
scaling factor: 1
query mode: prepared
number of clients: 8
number of threads: 2
maximum number of tries: 1
duration: 5 s
number of transactions actually processed: 172790
number of failed transactions: 0 (0.000%)
latency average = 0.231 ms
initial connection time = 9.884 ms
tps = 34558.412345 (without initial connection time)
`;

describe("parseTps", () => {
  it("reads pgbench 15's single tps line", () => {
    expect(parseTps(PGBENCH_15_SUMMARY)).toBeCloseTo(34558.412345, 6);
  });
  it("prefers the figure without connection time when an older pgbench prints two", () => {
    expect(parseTps("tps = 100.5 (including connections establishing)\ntps = 120.25 (excluding connections establishing)\n")).toBe(120.25);
    expect(parseTps("tps = 100.5 (including connections establishing)\ntps = 120.25 (without initial connection time)\n")).toBe(120.25);
  });
  it("is null when pgbench printed no summary (aborted run)", () => {
    expect(parseTps("pgbench: error: client 0 aborted in command 1\n")).toBeNull();
  });
});

describe("parseLatencyLog", () => {
  it("takes the third field (µs) of each line, across a missing final newline", () => {
    const log = "0 0 312 0 1700000000 123456\n1 0 95 0 1700000000 123999\n0 1 1204 0 1700000001 4";
    expect(parseLatencyLog(log)).toEqual([312, 95, 1204]);
  });
  it("ignores malformed, empty and skipped lines", () => {
    expect(parseLatencyLog("\ngarbage\n0 0 skipped 0 1 2\n2 3 77 0 1 2\n")).toEqual([77]);
  });
  it("appends to a given array (one array across per-thread files)", () => {
    const into = [1];
    parseLatencyLog("0 0 5 0 1 2\n", into);
    expect(into).toEqual([1, 5]);
  });
  it("round-trips any list of latencies written in pgbench's format", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 10_000_000 }), { maxLength: 200 }), (lat) => {
        const text = lat.map((us, i) => `${i % 8} ${i} ${us} 0 1700000000 ${i}`).join("\n") + "\n";
        expect(parseLatencyLog(text)).toEqual(lat);
      }),
    );
  });
});

describe("percentile", () => {
  it("is the nearest rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 0.5)).toBe(50);
    expect(percentile(xs, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });
  it("is an element, non-decreasing in q, and has at least q of the values at or below it", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, a, b) => {
        const sorted = [...xs].sort((x, y) => x - y);
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const p = percentile(sorted, lo);
        expect(sorted).toContain(p);
        expect(p).toBeLessThanOrEqual(percentile(sorted, hi));
        expect(sorted.filter((x) => x <= p).length).toBeGreaterThanOrEqual(Math.ceil(lo * sorted.length));
      }),
    );
  });
});

describe("resultRows", () => {
  const ok = (tps: number) => ({ ok: true as const, tps, p50Us: 200, p99Us: 1500, transactions: 100 });
  it("computes ratios against PgBouncer and direct, and marks Portcullis's targets", () => {
    const results: Results = {
      simple: { direct: ok(20000), pgbouncer: ok(10000), portcullis: ok(9500) },
      prepared: { direct: ok(30000), pgbouncer: ok(20000), portcullis: ok(17000) },
    };
    const rows = resultRows(results);
    expect(rows.map((r) => `${r["target"]}/${r["mode"]}`)).toEqual([
      "direct/simple", "pgbouncer/simple", "portcullis/simple", "direct/prepared", "pgbouncer/prepared", "portcullis/prepared",
    ]);
    const simple = rows[2]!;
    expect(simple["vs pgbouncer"]).toBe("0.95×");
    expect(simple["vs direct"]).toBe("0.47×");
    expect(simple["targets"]).toBe("≥0.9× pgbouncer met, ≥0.7× direct MISSED");
    const prepared = rows[5]!;
    expect(prepared["targets"]).toBe("≥0.9× pgbouncer MISSED, ≥0.7× direct MISSED");
    expect(rows[0]!["targets"]).toBe("");
    expect(rows[0]!["p99"]).toBe("1.50 ms");
  });
  it("shows a failed run and n/a targets instead of inventing ratios", () => {
    const rows = resultRows({ simple: { portcullis: { ok: false, reason: "boom" }, direct: ok(100) }, prepared: {} });
    const portcullis = rows.find((r) => r["target"] === "portcullis")!;
    expect(portcullis["TPS"]).toBe("failed");
    expect(portcullis["vs direct"]).toBe("");
    expect(portcullis["targets"]).toBe("≥0.9× pgbouncer n/a, ≥0.7× direct n/a");
  });
  it("verdict is met exactly at the target", () => {
    expect(verdict(0.9, 0.9)).toBe("met");
    expect(verdict(0.8999, 0.9)).toBe("MISSED");
    expect(verdict(null, 0.9)).toBe("n/a");
  });
});

describe("settings", () => {
  it("seconds default to 30 and accept positive numbers only", () => {
    expect(benchSeconds(undefined)).toBe(30);
    expect(benchSeconds("")).toBe(30);
    expect(benchSeconds("abc")).toBe(30);
    expect(benchSeconds("0")).toBe(30);
    expect(benchSeconds("5")).toBe(5);
  });
  it("modes default to both and ignore unknown names", () => {
    expect(benchModes(undefined)).toEqual(["simple", "prepared"]);
    expect(benchModes("prepared")).toEqual(["prepared"]);
    expect(benchModes("extended")).toEqual(["simple", "prepared"]);
  });
  it("targets default to all four and keep the table's order", () => {
    expect(benchTargets(undefined)).toEqual(["direct", "pgbouncer", "node-pipe", "portcullis"]);
    expect(benchTargets("portcullis, direct,bogus")).toEqual(["direct", "portcullis"]);
    expect(benchTargets("bogus")).toEqual(["direct", "pgbouncer", "node-pipe", "portcullis"]);
  });
  it("PgBouncer's ini pools per session on loopback with trust-like auth to the upstream", () => {
    const ini = pgbouncerIni({ host: "127.0.0.1", port: 5432, user: "postgres" }, 6999, "/tmp/x");
    expect(ini).toContain("portcullis_bench = host=127.0.0.1 port=5432 dbname=portcullis_bench user=postgres");
    expect(ini).toMatch(/^pool_mode = session$/m);
    expect(ini).toMatch(/^auth_type = any$/m);
    expect(ini).toMatch(/^listen_addr = 127\.0\.0\.1$/m);
    expect(ini).toMatch(/^listen_port = 6999$/m);
    expect(ini).toMatch(/^default_pool_size = 8$/m);
  });
  it("finds executables on PATH and in sbin folders, and reports missing ones as null", () => {
    expect(findExecutable("sh", "/usr/bin:/bin")).toMatch(/\/sh$/);
    expect(findExecutable("no-such-tool-portcullis", "/usr/bin")).toBeNull();
  });
});

// End to end: needs pgbench and a trust-auth PostgreSQL on 127.0.0.1:5432 (this machine
// type has both). Skipped, with the reason printed, where they are missing.
const reachable = await new Promise<boolean>((resolve) => {
  const s = createConnection({ host: "127.0.0.1", port: 5432 });
  s.once("connect", () => (s.destroy(), resolve(true)));
  s.once("error", () => resolve(false));
});
const haveTools = reachable && findExecutable("pgbench") !== null;
if (!haveTools) console.warn("bench/pg end-to-end test skipped: needs pgbench and PostgreSQL (trust) on 127.0.0.1:5432");

describe.skipIf(!haveTools)("pgReport against the local PostgreSQL", () => {
  it("runs pgbench directly and through Portcullis (default policy) and prints numbers for both", async () => {
    const saved = { s: process.env["PORTCULLIS_BENCH_SECONDS"], t: process.env["PORTCULLIS_BENCH_TARGETS"] };
    process.env["PORTCULLIS_BENCH_SECONDS"] = "1";
    process.env["PORTCULLIS_BENCH_TARGETS"] = "direct,portcullis";
    try {
      const root = fileURLToPath(new URL("..", import.meta.url));
      const report = await pgReport(root);
      expect(report.split("\n").filter((l) => l.includes("note:") && !l.includes("load average"))).toEqual([]);
      const rows = report.split("\n").filter((l) => /^\s+(direct|portcullis)\s/.test(l));
      expect(rows).toHaveLength(4);
      for (const row of rows) expect(row).toMatch(/\s\d+\s+[0-9.]+ (µs|ms)\s+[0-9.]+ (µs|ms)/);
      expect(report).toMatch(/portcullis\s+prepared.*≥0\.9× pgbouncer n\/a, ≥0\.7× direct (met|MISSED)/);
    } finally {
      for (const [k, v] of [["PORTCULLIS_BENCH_SECONDS", saved.s], ["PORTCULLIS_BENCH_TARGETS", saved.t]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }, 120_000);
});
