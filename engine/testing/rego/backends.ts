/**
 * The backends `portcullis test` can run on, by name. Tests run compiled to Wasm by
 * default (all test entrypoints in one module, as the gateway runs policies); the IR
 * interpreter is the oracle, and the only backend that can measure coverage.
 */
import type { BackendOptions, TestBackend } from "./backend.js";
import { IRBackend } from "./ir-backend.js";
import { WasmBackend } from "./wasm-backend.js";

export const BACKENDS: Record<string, (options: BackendOptions) => TestBackend> = {
  ir: (options) => new IRBackend(options),
  wasm: (options) => new WasmBackend(options),
};

export const DEFAULT_BACKEND = "wasm";
