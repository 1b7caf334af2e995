/** The OPA conformance runner, in pipeline order: cases → backends → compare → runner → report. */
export { loadCases, isCoreTopic, CORE_TOPICS, type ConformanceCase } from "./cases.js";
export { runCase, groundTermToValue, type BackendName } from "./backends.js";
export { judge, opaErrorText, type Outcome, type Verdict } from "./compare.js";
export { runSuite, type CaseReport, type SuiteReport } from "./runner.js";
export { summarise, renderText, summaryLine, caseJson, type Summary } from "./report.js";
export { readKnownFailures, writeKnownFailures, defaultKnownFailuresPath, caseKey, type KnownFailure } from "./known-failures.js";
