/**
 * The worker thread that runs conformance cases one at a time for `runner.ts`.
 * Protocol: `{warmUp: backend}` → `{ready: true}` once the backend is loaded (so a cold
 * start never counts against a case's time limit); then `{c, backend, timeoutMs}` →
 * the case's `Verdict`.
 */
import { parentPort } from "node:worker_threads";
import { verdictFor } from "./runner.js";
import { warmUp, type BackendName } from "./backends.js";
import type { ConformanceCase } from "./cases.js";

type Message = { warmUp: BackendName } | { c: ConformanceCase; backend: BackendName; timeoutMs: number };

parentPort?.on("message", (message: Message) => {
  if ("warmUp" in message) {
    void warmUp(message.warmUp).then(() => parentPort?.postMessage({ ready: true }));
    return;
  }
  void verdictFor(message.c, message.backend, message.timeoutMs).then((verdict) => parentPort?.postMessage(verdict));
});
