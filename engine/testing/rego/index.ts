/** `portcullis test` as a library: run `test_*` rules of Rego files, with coverage. */
export { loadPaths, type Loaded, type SourceFile } from "./load.js";
export { discoverTests, isTestFile, type Discovered, type TestCase } from "./discover.js";
export type { BackendOptions, LineObservations, TestBackend, TestOutcome } from "./backend.js";
export { BACKENDS, DEFAULT_BACKEND } from "./backends.js";
export { IRBackend } from "./ir-backend.js";
export { coverableLines, coverageReport, coveredRows, ruleHeads, percentage, toRanges, type CoverageReport, type FileCoverage, type LineRange } from "./coverage.js";
export { compileFilter, runTests, summarize, type RunTestsOptions, type Summary, type TestResult, type TestRun, type TestStatus } from "./runner.js";
export { formatCoverage, formatDuration, formatJSON, formatText, summaryLine } from "./report.js";
