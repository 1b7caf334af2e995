/**
 * The backends `portcullis test` can run on, by name. The Wasm backend (all test
 * entrypoints compiled into one module through `engine/policy/`) joins this table as
 * one new file when that package lands, and becomes the default.
 */
import type { BackendOptions, TestBackend } from "./backend.js";
import { IRBackend } from "./ir-backend.js";

export const BACKENDS: Record<string, (options: BackendOptions) => TestBackend> = {
  ir: (options) => new IRBackend(options),
};

export const DEFAULT_BACKEND = "ir";
