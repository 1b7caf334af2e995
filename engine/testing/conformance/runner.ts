/**
 * Stage 4 of the conformance runner: run every selected case with a hard per-case time
 * limit and collect one `CaseReport` per case.
 *
 * Isolation: by default each case runs in a worker thread, so a case that loops forever
 * in any stage (not just evaluation, which has its own deadline) is cut off: the worker
 * is terminated, the case fails with "timed out", and a fresh worker takes the next case.
 * `inline` runs in this thread and relies on the backend's deadline alone; it exists for
 * tests that run from TypeScript sources, where the worker file is not compiled.
 */
import { Worker } from "node:worker_threads";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadCases, isCoreTopic, type ConformanceCase, type CaseFileError } from "./cases.js";
import { runCase, type BackendName } from "./backends.js";
import { judge, type Verdict } from "./compare.js";

export interface CaseReport {
  file: string;
  topic: string;
  note: string;
  core: boolean;
  status: "passed" | "failed" | "skipped";
  reason?: string;
  ms: number;
}

export interface SuiteOptions {
  dir: string;
  backend: BackendName;
  /** Keep cases whose file path or note contains this substring. */
  filter?: string;
  /** Hard limit per case. */
  timeoutMs: number;
  isolation: "worker" | "inline";
  /** Called after each case, e.g. to print progress. */
  onCase?: (report: CaseReport) => void;
}

export interface SuiteReport {
  cases: CaseReport[];
  fileErrors: CaseFileError[];
}

export async function runSuite(options: SuiteOptions): Promise<SuiteReport> {
  const { cases, errors } = loadCases(options.dir);
  const selected = options.filter ? cases.filter((c) => `${c.file} ${c.note}`.includes(options.filter!)) : cases;
  const executor = options.isolation === "worker" && workerFile() ? new WorkerExecutor(workerFile()!) : new InlineExecutor();
  const reports: CaseReport[] = [];
  try {
    for (const c of selected) {
      const started = performance.now();
      const verdict = await executor.run(c, options.backend, options.timeoutMs);
      const report: CaseReport = {
        file: c.file,
        topic: c.topic,
        note: c.note,
        core: isCoreTopic(c.topic),
        status: verdict.pass ? "passed" : "failed",
        ms: Math.round(performance.now() - started),
      };
      if (!verdict.pass) report.reason = verdict.reason;
      reports.push(report);
      options.onCase?.(report);
    }
  } finally {
    await executor.close();
  }
  return { cases: reports, fileErrors: errors };
}

/** Runs one case to a verdict; any exception a stage throws is a failure with its message. */
export async function verdictFor(c: ConformanceCase, backend: BackendName, timeoutMs: number): Promise<Verdict> {
  try {
    return judge(c, await runCase(c, backend, { timeoutMs }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { pass: false, reason: `crashed: ${message}` };
  }
}

interface Executor {
  run(c: ConformanceCase, backend: BackendName, timeoutMs: number): Promise<Verdict>;
  close(): Promise<void>;
}

class InlineExecutor implements Executor {
  run(c: ConformanceCase, backend: BackendName, timeoutMs: number): Promise<Verdict> {
    return verdictFor(c, backend, timeoutMs);
  }
  async close(): Promise<void> {}
}

/** The compiled worker beside this file, when running from `dist/`. */
function workerFile(): string | undefined {
  const path = fileURLToPath(new URL("./worker.js", import.meta.url));
  return existsSync(path) ? path : undefined;
}

/** How long a fresh worker may take to load its backend before the run gives up. */
const WARM_UP_LIMIT_MS = 120_000;

class WorkerExecutor implements Executor {
  private worker: Promise<Worker> | undefined;
  constructor(private readonly file: string) {}

  /** A worker whose backend is loaded: started and warmed up on first use and after a kill. */
  private ready(backend: BackendName): Promise<Worker> {
    this.worker ??= new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(this.file);
      worker.unref();
      const timer = setTimeout(() => reject(new Error(`the worker did not load the ${backend} backend within ${WARM_UP_LIMIT_MS} ms`)), WARM_UP_LIMIT_MS);
      worker.once("message", () => {
        clearTimeout(timer);
        resolve(worker);
      });
      worker.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      worker.postMessage({ warmUp: backend });
    });
    return this.worker;
  }

  async run(c: ConformanceCase, backend: BackendName, timeoutMs: number): Promise<Verdict> {
    let worker: Worker;
    try {
      worker = await this.ready(backend);
    } catch (error) {
      this.worker = undefined;
      return { pass: false, reason: `crashed: ${error instanceof Error ? error.message : String(error)}` };
    }
    return new Promise<Verdict>((resolve) => {
      const cleanup = () => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
      };
      const onMessage = (verdict: Verdict) => {
        cleanup();
        resolve(verdict);
      };
      const onError = (error: Error) => {
        cleanup();
        this.worker = undefined;
        resolve({ pass: false, reason: `crashed: ${error.message}` });
      };
      // The backend gets the deadline first; the hard limit adds a grace period for
      // compilation and for the backend to report its own timeout cleanly.
      const hardLimit = timeoutMs * 2 + 1000;
      const timer = setTimeout(() => {
        cleanup();
        void worker.terminate();
        this.worker = undefined;
        resolve({ pass: false, reason: `timed out after ${hardLimit} ms` });
      }, hardLimit);
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.postMessage({ c, backend, timeoutMs });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await (await worker.catch(() => undefined))?.terminate();
  }
}
