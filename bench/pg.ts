/**
 * `npm run bench pg`: `pgbench -S` (8 clients, 2 threads, `-M simple` and `-M prepared`)
 * against PostgreSQL directly, through Portcullis, and through PgBouncer, in one run.
 * Targets (issue 6): Portcullis ≥ 0.9× PgBouncer's TPS in both modes, and ≥ 0.7× direct.
 *
 * Pipeline, in order: find the tools → prepare the pgbench database → start the targets
 * (Portcullis in this process, PgBouncer as a child) → run pgbench per mode and target →
 * read TPS from its summary and p50/p99 from its per-transaction logs → one table.
 *
 * Portcullis runs in-process (the bench's own event loop only awaits child processes, so
 * it costs the gateway nothing) with the default policy library, a decision log, and a
 * token of a non-agent person on a non-production connection: the configuration a team
 * would run, not a stripped one. It listens in plaintext with `allowPlaintextPassword`
 * (loopback only) because direct and PgBouncer are measured in plaintext too.
 *
 * PgBouncer runs with `pool_mode = session`: Portcullis pins one upstream connection per
 * client session, so session pooling is the like-for-like comparison, and Debian 12's
 * PgBouncer (1.18) cannot carry protocol-level prepared statements (`-M prepared`) in
 * transaction mode (that arrived in 1.21). With 8 clients and a pool of 8, each client
 * keeps its own server connection, as it does through Portcullis.
 *
 * A fourth target, `node-pipe`, is a bare Node TCP relay (`socket.pipe`) in this process:
 * the ceiling for any gateway written on Node's socket layer on this machine, so the table
 * shows how much of Portcullis's gap is the platform and how much is its own work.
 *
 * Environment: `PORTCULLIS_BENCH_SECONDS` (default 30) per pgbench run;
 * `PORTCULLIS_BENCH_TARGETS` (comma-separated, default all three; e.g. `portcullis` alone
 * under `node --cpu-prof`); `PORTCULLIS_BENCH_MODES` (`simple`, `prepared`, default both); `PGHOST`,
 * `PGPORT`, `PGUSER` (default 127.0.0.1, 5432, postgres) locate a trust-auth PostgreSQL.
 */
import { spawn, execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { basename, join } from "node:path";
import pg from "pg";
import { createDemoIssuer } from "../proxy/core/identity/index.js";
import { formatConfigError, parseConfig } from "../proxy/core/config/index.js";
import { startGateway, type RunningGateway, type RuntimeLogEvent } from "../proxy/gateway/runtime.js";
import { freePort } from "../proxy/gateway/demo.js";
import { formatUs, table, type Row } from "./harness.js";

export const BENCH_DATABASE = "portcullis_bench";
const CLIENTS = 8;
const THREADS = 2;
const MODES = ["simple", "prepared"] as const;
export type Mode = (typeof MODES)[number];
export type TargetName = "direct" | "pgbouncer" | "node-pipe" | "portcullis";

/** Issue 6's targets for Portcullis: fractions of the other two targets' TPS. */
export const TARGETS = { vsPgBouncer: 0.9, vsDirect: 0.7 } as const;

/** Where pgbench connects for one target; `password` goes in `PGPASSWORD`. */
interface Endpoint {
  host: string;
  port: number;
  user: string;
  password?: string;
}

/** One pgbench run's outcome: numbers, or why there are none. */
export type RunResult =
  | { ok: true; tps: number; p50Us: number; p99Us: number; transactions: number }
  | { ok: false; reason: string };

// --- stage 1: tools ---------------------------------------------------------------------

/** The first existing path for a command: PATH, then the sbin folders a non-root PATH lacks. */
export function findExecutable(name: string, path = process.env["PATH"] ?? ""): string | null {
  const dirs = [...path.split(":").filter((d) => d !== ""), "/usr/sbin", "/usr/local/sbin", "/sbin"];
  for (const dir of dirs) if (existsSync(join(dir, name))) return join(dir, name);
  return null;
}

function upstreamFromEnv(): Endpoint {
  return { host: process.env["PGHOST"] || "127.0.0.1", port: Number(process.env["PGPORT"] || 5432), user: process.env["PGUSER"] || "postgres" };
}

const ALL_TARGETS: readonly TargetName[] = ["direct", "pgbouncer", "node-pipe", "portcullis"];

/** The targets to run; unknown names are ignored, and an empty selection means all. */
export function benchTargets(value = process.env["PORTCULLIS_BENCH_TARGETS"]): TargetName[] {
  const wanted = (value ?? "").split(",").map((t) => t.trim());
  const chosen = ALL_TARGETS.filter((t) => wanted.includes(t));
  return chosen.length > 0 ? chosen : [...ALL_TARGETS];
}

/** The query modes to run; an empty or unknown selection means both. */
export function benchModes(value = process.env["PORTCULLIS_BENCH_MODES"]): Mode[] {
  const wanted = (value ?? "").split(",").map((m) => m.trim());
  const chosen = MODES.filter((m) => wanted.includes(m));
  return chosen.length > 0 ? chosen : [...MODES];
}

export function benchSeconds(value = process.env["PORTCULLIS_BENCH_SECONDS"]): number {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(n) && n >= 1 ? Math.floor(n) : 30;
}

// --- stage 2: the pgbench database ------------------------------------------------------

async function ensureDatabase(upstream: Endpoint): Promise<void> {
  const client = new pg.Client({ host: upstream.host, port: upstream.port, user: upstream.user, database: "postgres" });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [BENCH_DATABASE]);
    // CREATE DATABASE takes no parameters; the name is our own constant.
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${BENCH_DATABASE}`);
  } finally {
    await client.end();
  }
}

// --- child processes --------------------------------------------------------------------

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop (the in-process gateway must keep serving). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: stderr + String(e) });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** pgbench's environment: ours minus any PG* variable that could redirect it, plus the password. */
function pgEnv(password?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PG")) env[k] = v;
  if (password !== undefined) env["PGPASSWORD"] = password;
  return env;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => (socket.destroy(), resolve(false)));
  });
}

// --- stage 3a: Portcullis ---------------------------------------------------------------

interface StartedPortcullis {
  endpoint: Endpoint;
  /** Warnings and errors the gateway logged, shown under the table. */
  problems: string[];
  close(): Promise<void>;
}

async function startPortcullis(root: string, upstream: Endpoint, workDir: string): Promise<StartedPortcullis> {
  const issuer = await createDemoIssuer({ issuer: "https://bench-issuer.portcullis.local", audience: "portcullis", jwksFile: join(workDir, "jwks.json") });
  const host = "127.0.0.1";
  const port = await freePort(host);
  writeFileSync(join(workDir, "mask-hash.key"), "bench-only-hash-key-0123456789abcdef", { mode: 0o600 });
  const yaml = [
    "listeners:",
    `  - address: "${host}:${port}"`,
    "    connection: bench",
    "connections:",
    "  - name: bench",
    "    type: postgres",
    "    tags: {env: bench}",
    "    upstream:",
    `      host: ${upstream.host}`,
    `      port: ${upstream.port}`,
    `      database: ${BENCH_DATABASE}`,
    `      user: ${upstream.user}`,
    "      auth: trust",
    "identity:",
    "  providers:",
    `    - issuer: ${JSON.stringify(issuer.issuer)}`,
    `      audience: ${issuer.audience}`,
    `      jwks_file: ${JSON.stringify(issuer.jwksFile)}`,
    `      algorithms: [${issuer.alg}]`,
    "      agent: {claim: azp, values: [portcullis-agent]}",
    "policy:",
    `  dir: ${JSON.stringify(join(root, "policies"))}`,
    "decision_log:",
    `  path: ${JSON.stringify(join(workDir, "decisions.jsonl"))}`,
    "masking:",
    "  hash_key: file:mask-hash.key",
  ].join("\n");
  const parsed = parseConfig(yaml, { baseDir: workDir });
  if ("errors" in parsed) {
    await issuer.close();
    throw new Error(`bench config: ${parsed.errors.map((e) => formatConfigError(e)).join("; ")}`);
  }
  const problems: string[] = [];
  const log = (e: RuntimeLogEvent) => {
    if (e.level !== "info" && problems.length < 5) problems.push(`${e.level} ${e.source}: ${e.message.split("\n")[0]}`);
  };
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(parsed.config, { log, allowPlaintextPassword: true });
  } catch (error) {
    await issuer.close();
    throw error;
  }
  const token = await issuer.mint({ sub: "bench", email: "bench@example.com", groups: ["developers"], ttlSeconds: 24 * 3600 });
  const address = gateway.listeners[0]!.address;
  return {
    endpoint: { host: address.address, port: address.port, user: upstream.user, password: token },
    problems,
    async close() {
      await gateway.close();
      await issuer.close();
    },
  };
}

// --- stage 3b: the bare Node relay -----------------------------------------------------

async function startNodePipe(upstream: Endpoint): Promise<{ endpoint: Endpoint; close(): Promise<void> }> {
  const server = createServer((client) => {
    const db = createConnection({ host: upstream.host, port: upstream.port });
    client.setNoDelay(true);
    db.setNoDelay(true);
    client.pipe(db).on("error", () => client.destroy());
    db.pipe(client).on("error", () => db.destroy());
    client.on("error", () => db.destroy());
    db.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: { host: "127.0.0.1", port, user: upstream.user },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// --- stage 3c: PgBouncer ----------------------------------------------------------------

export function pgbouncerIni(upstream: Endpoint, port: number, dir: string): string {
  return [
    "[databases]",
    `${BENCH_DATABASE} = host=${upstream.host} port=${upstream.port} dbname=${BENCH_DATABASE} user=${upstream.user}`,
    "",
    "[pgbouncer]",
    "listen_addr = 127.0.0.1",
    `listen_port = ${port}`,
    // No Unix socket: its default folder may not exist or be writable here.
    "unix_socket_dir =",
    // `any`: clients are not checked, PgBouncer logs in as the database line's user (trust).
    "auth_type = any",
    "pool_mode = session",
    `default_pool_size = ${CLIENTS}`,
    `max_client_conn = ${CLIENTS * 4}`,
    `logfile = ${join(dir, "pgbouncer.log")}`,
    `pidfile = ${join(dir, "pgbouncer.pid")}`,
    // pgbench sends neither; drivers such as pg/JDBC do, and PgBouncer refuses unknown ones.
    "ignore_startup_parameters = extra_float_digits,options",
    "",
  ].join("\n");
}

interface StartedPgBouncer {
  endpoint: Endpoint;
  close(): Promise<void>;
}

/** A uid/gid to drop to: PgBouncer refuses to run as root. */
function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return undefined;
  for (const name of ["postgres", "nobody"]) {
    try {
      const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
      const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
      if (Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid };
    } catch {
      // try the next name
    }
  }
  return undefined;
}

async function startPgBouncer(binary: string, upstream: Endpoint, workDir: string): Promise<StartedPgBouncer> {
  const dir = join(workDir, "pgbouncer");
  execFileSync("mkdir", ["-p", dir]);
  // PgBouncer runs as an unprivileged user: it must reach the folder and write in it.
  chmodSync(workDir, 0o711);
  chmodSync(dir, 0o777);
  const port = await freePort("127.0.0.1");
  const ini = join(dir, "pgbouncer.ini");
  writeFileSync(ini, pgbouncerIni(upstream, port, dir), { mode: 0o644 });
  const user = unprivilegedUser();
  const child = spawn(binary, [ini], { stdio: ["ignore", "ignore", "pipe"], ...(user ?? {}) });
  let stderr = "";
  let exited: number | null | undefined;
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const closed = new Promise<void>((resolve) => child.on("close", (code) => ((exited = code), resolve())));
  child.on("error", (e) => (stderr += String(e)));
  const deadline = Date.now() + 10_000;
  while (!(await canConnect("127.0.0.1", port))) {
    if (exited !== undefined || Date.now() > deadline) {
      child.kill("SIGKILL");
      const logFile = join(dir, "pgbouncer.log");
      const log = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
      throw new Error(`PgBouncer did not start: ${(stderr + log).trim().split("\n").slice(-3).join(" | ")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint: { host: "127.0.0.1", port, user: upstream.user },
    async close() {
      if (exited === undefined) child.kill("SIGTERM");
      await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
      if (exited === undefined) child.kill("SIGKILL");
    },
  };
}

// --- stage 4: pgbench -------------------------------------------------------------------

async function initialise(pgbench: string, upstream: Endpoint): Promise<void> {
  const done = await run(pgbench, ["-i", "-s", "1", "-q", "-h", upstream.host, "-p", String(upstream.port), "-U", upstream.user, BENCH_DATABASE], pgEnv(), 300_000);
  if (done.code !== 0) throw new Error(`pgbench -i failed: ${lastLines(done.stderr)}`);
}

async function benchmark(pgbench: string, endpoint: Endpoint, mode: Mode, seconds: number, logDir: string, label: string): Promise<RunResult> {
  const prefix = join(logDir, `${label}-${mode}`);
  const args = [
    "-S", "-n", "-c", String(CLIENTS), "-j", String(THREADS), "-T", String(seconds), "-M", mode,
    "-l", `--log-prefix=${prefix}`,
    "-h", endpoint.host, "-p", String(endpoint.port), "-U", endpoint.user, BENCH_DATABASE,
  ];
  const done = await run(pgbench, args, pgEnv(endpoint.password), (seconds + 120) * 1000);
  const tps = parseTps(done.stdout);
  const latencies = readLatencyLogs(logDir, basename(prefix));
  if (done.code !== 0 || tps === null || latencies.length === 0) {
    return { ok: false, reason: `pgbench exited ${done.code}: ${lastLines(done.stderr || done.stdout)}` };
  }
  latencies.sort((a, b) => a - b);
  return { ok: true, tps, p50Us: percentile(latencies, 0.5), p99Us: percentile(latencies, 0.99), transactions: latencies.length };
}

function lastLines(text: string, n = 2): string {
  return text.trim().split("\n").slice(-n).join(" | ") || "(no output)";
}

// --- stage 5: reading pgbench's output --------------------------------------------------

/** TPS from pgbench's summary (15+: "tps = 123.4 (without initial connection time)"). */
export function parseTps(stdout: string): number | null {
  const lines = stdout.split("\n").filter((l) => l.startsWith("tps = "));
  // Older pgbench prints two tps lines; the one excluding connection time is the fair one.
  const line = lines.find((l) => l.includes("without") || l.includes("excluding")) ?? lines[0];
  const m = line !== undefined ? /^tps = ([0-9.]+)/.exec(line) : null;
  return m ? Number(m[1]) : null;
}

/**
 * Latencies in µs from a pgbench `-l` log: per line `client_id transaction_no time
 * script_no time_epoch time_us`, where `time` is the transaction's latency in µs
 * (or `skipped`/`failed` under options we do not use, which are ignored).
 */
export function parseLatencyLog(text: string, into: number[] = []): number[] {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const first = text.indexOf(" ", start);
    const second = first === -1 ? -1 : text.indexOf(" ", first + 1);
    const third = second === -1 ? -1 : text.indexOf(" ", second + 1);
    if (third !== -1 && third < end) {
      const us = Number(text.slice(second + 1, third));
      if (Number.isFinite(us) && us >= 0) into.push(us);
    }
    start = end + 1;
  }
  return into;
}

/** pgbench writes `<prefix>.<pid>` for thread 0 and `<prefix>.<pid>.<n>` for the others. */
function readLatencyLogs(dir: string, prefix: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync(dir)) if (name.startsWith(prefix + ".")) parseLatencyLog(readFileSync(join(dir, name), "utf8"), out);
  return out;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

// --- stage 6: the table -----------------------------------------------------------------

export type Results = Record<Mode, Partial<Record<TargetName, RunResult>>>;

function ratio(a: RunResult | undefined, b: RunResult | undefined): number | null {
  return a?.ok && b?.ok && b.tps > 0 ? a.tps / b.tps : null;
}

/** "met"/"MISSED" per Portcullis target, or "n/a" when a side has no number. */
export function verdict(value: number | null, target: number): string {
  return value === null ? "n/a" : value >= target ? "met" : "MISSED";
}

export function resultRows(results: Results): Row[] {
  const rows: Row[] = [];
  for (const mode of MODES) {
    const byTarget = results[mode];
    for (const target of ALL_TARGETS) {
      const r = byTarget[target];
      if (r === undefined) continue;
      const vsBouncer = ratio(r, byTarget.pgbouncer);
      const vsDirect = ratio(r, byTarget.direct);
      rows.push({
        target,
        mode,
        TPS: r.ok ? r.tps.toFixed(0) : "failed",
        p50: r.ok ? formatUs(r.p50Us) : "",
        p99: r.ok ? formatUs(r.p99Us) : "",
        "vs pgbouncer": vsBouncer === null ? "" : `${vsBouncer.toFixed(2)}×`,
        "vs direct": vsDirect === null ? "" : `${vsDirect.toFixed(2)}×`,
        targets:
          target === "portcullis"
            ? `≥${TARGETS.vsPgBouncer}× pgbouncer ${verdict(vsBouncer, TARGETS.vsPgBouncer)}, ≥${TARGETS.vsDirect}× direct ${verdict(vsDirect, TARGETS.vsDirect)}`
            : "",
      });
    }
  }
  return rows;
}

// --- the report -------------------------------------------------------------------------

const TITLE = "pgbench -S";

export async function pgReport(root: string): Promise<string> {
  const pgbench = findExecutable("pgbench");
  if (!pgbench) return `${TITLE}: skipped — pgbench is not installed (Debian: apt-get install postgresql-client).\n`;
  const bouncer = findExecutable("pgbouncer");
  const upstream = upstreamFromEnv();
  const seconds = benchSeconds();
  const targets = benchTargets();
  const modes = benchModes();
  try {
    await ensureDatabase(upstream);
  } catch (error) {
    return `${TITLE}: skipped — no PostgreSQL with trust auth at ${upstream.user}@${upstream.host}:${upstream.port} (${(error as Error).message}).\n`;
  }
  const notes: string[] = [];
  const loadBefore = loadavg()[0]!;
  const workDir = mkdtempSync(join(tmpdir(), "portcullis-bench-pg-"));
  const logDir = join(workDir, "logs");
  execFileSync("mkdir", ["-p", logDir]);
  const results: Results = { simple: {}, prepared: {} };
  const stops: (() => Promise<void>)[] = [];
  try {
    await initialise(pgbench, upstream);
    const endpoints: Partial<Record<TargetName, Endpoint>> = {};
    let portcullis: StartedPortcullis | undefined;
    const start: Record<TargetName, () => Promise<Endpoint>> = {
      direct: async () => upstream,
      portcullis: async () => {
        portcullis = await startPortcullis(root, upstream, workDir);
        stops.push(() => portcullis!.close());
        return portcullis.endpoint;
      },
      "node-pipe": async () => {
        const started = await startNodePipe(upstream);
        stops.push(() => started.close());
        return started.endpoint;
      },
      pgbouncer: async () => {
        if (!bouncer) throw new Error("PgBouncer is not installed, so its rows and ratios are missing: install it with `apt-get install pgbouncer` (Debian) and run again.");
        const started = await startPgBouncer(bouncer, upstream, workDir);
        stops.push(() => started.close());
        return started.endpoint;
      },
    };
    for (const target of targets) {
      try {
        endpoints[target] = await start[target]();
      } catch (error) {
        notes.push(`${target} did not start: ${(error as Error).message}`);
      }
    }
    for (const mode of modes) {
      for (const target of targets) {
        const endpoint = endpoints[target];
        if (!endpoint) continue;
        const result = await benchmark(pgbench, endpoint, mode, seconds, logDir, target);
        results[mode][target] = result;
        if (!result.ok) notes.push(`${target} ${mode}: ${result.reason}`);
      }
    }
    if (portcullis && portcullis.problems.length > 0) notes.push(...portcullis.problems.map((p) => `gateway: ${p}`));
  } catch (error) {
    notes.push((error as Error).message);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(workDir, { recursive: true, force: true });
  }
  // The machine is shared: a high load average means the ratios, not the absolute TPS, are what to compare.
  notes.push(`1-minute load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end`);
  const title = `${TITLE} — ${CLIENTS} clients, ${THREADS} threads, ${seconds} s per run, scale 1 (database ${BENCH_DATABASE}); p50/p99 from per-transaction logs`;
  return table(title, resultRows(results)) + notes.map((n) => `  note: ${n}\n`).join("");
}
