/** Hot reload of policies: a watched directory or bundle file → the active policy. */
export { PolicyWatcher, DEFAULT_ENTRYPOINT, type WatchOptions } from "./watcher.js";
export { makeActivePolicy, contentDigest, entrypointPath, type ActiveSpec } from "./active.js";
export { buildFromDirectory, type DirectoryBuildOptions } from "./from-directory.js";
export { buildFromBundle, type BundleBuildOptions } from "./from-bundle.js";
export { runTestGate, type GateResult } from "./gate.js";
export { ReloadScheduler } from "./schedule.js";
export { watchDirectory, watchBundleFile, isIgnoredPath, isPolicyFile, type ChangeSource, type SourceOptions } from "./sources.js";
export { formatProblem, type StageTimings, type ActivePolicy, type Candidate, type Decision, type LogRecord, type Logger, type Problem, type Rejected, type Reloaded, type WatchErrorCode } from "./types.js";
