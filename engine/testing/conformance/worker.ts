/** The worker thread that runs conformance cases one at a time for `runner.ts`. */
import { parentPort } from "node:worker_threads";
import { verdictFor } from "./runner.js";
import type { ConformanceCase } from "./cases.js";
import type { BackendName } from "./backends.js";

parentPort?.on("message", (message: { c: ConformanceCase; backend: BackendName; timeoutMs: number }) => {
  void verdictFor(message.c, message.backend, message.timeoutMs).then((verdict) => parentPort?.postMessage(verdict));
});
