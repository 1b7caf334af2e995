/** `portcullis conformance`: run OPA's YAML conformance cases through the pipeline. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type Command, parseOptions, UsageError, EXIT_OK, EXIT_PROBLEM } from "../command.js";
import {
  runSuite, summarise, renderText, summaryLine, caseJson,
  readKnownFailures, writeKnownFailures, defaultKnownFailuresPath, type BackendName,
} from "../../engine/testing/conformance/index.js";

const HELP = `Usage: portcullis conformance <dir> [options]

Runs OPA-style YAML conformance cases (e.g. ../shared/opa-conformance) through
parser → compiler → planner → evaluator, and compares results exactly.

Options:
  --backend <wasm|ir>        wasm (default): each case compiled to WebAssembly and run by
                             @open-policy-agent/opa-wasm; ir: the IR interpreter
  --filter <substring>       only cases whose file path or note contains it
  --json                     one JSON object per case on stdout (file, note, status,
                             reason); the summary line goes to stderr
  --verbose                  also list passing cases
  --timeout-ms <n>           per-case evaluation deadline (default 5000); a hard limit
                             of twice that plus 1 s cuts off any stage that hangs
  --known-failures <file>    list of known failures with reasons (default: the checked-in
                             engine/testing/conformance/known-failures.<backend>.json)
  --no-known-failures        judge every failure as a failure
  --update-known-failures    rewrite the known-failures file from this run

Exit codes: 0 when every failure is a listed known failure and no listed case passes,
1 otherwise, 2 on bad usage. The last line is exactly "N passed, M failed, K skipped".`;

export const conformanceCommand: Command = {
  name: "conformance",
  summary: "run OPA's YAML conformance cases through the pipeline",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      backend: { type: "string", default: "wasm" },
      filter: { type: "string" },
      json: { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      "timeout-ms": { type: "string", default: "5000" },
      "known-failures": { type: "string" },
      "no-known-failures": { type: "boolean", default: false },
      "update-known-failures": { type: "boolean", default: false },
    });
    if (positionals.length !== 1) throw new UsageError("expected exactly one directory of YAML cases");
    const dir = resolve(positionals[0]!);
    if (!existsSync(dir)) throw new UsageError(`no such directory: ${positionals[0]}`);
    const backend = values.backend as BackendName;
    if (backend !== "ir" && backend !== "wasm") throw new UsageError(`unknown backend '${values.backend}' (ir or wasm)`);
    const timeoutMs = Number(values["timeout-ms"]);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError("--timeout-ms takes a positive integer");

    const knownPath = values["known-failures"] ?? defaultKnownFailuresPath(backend);
    const known = values["no-known-failures"] ? new Map() : readKnownFailures(knownPath);

    const report = await runSuite({
      dir,
      backend,
      filter: values.filter,
      timeoutMs,
      isolation: "worker",
      onCase: values.json ? (c) => process.stdout.write(caseJson(c) + "\n") : undefined,
    });
    const summary = summarise(report, known);
    if (values.json) {
      process.stderr.write(summaryLine(summary) + "\n");
    } else {
      process.stdout.write(renderText(report, summary, known, values.verbose) + "\n");
    }
    if (values["update-known-failures"]) {
      const failures = report.cases
        .filter((c) => c.status === "failed")
        .map((c) => ({ file: c.file, note: c.note, reason: known.get(`${c.file} :: ${c.note}`)?.reason ?? c.reason ?? "" }));
      writeKnownFailures(knownPath, backend, failures);
      process.stderr.write(`wrote ${failures.length} known failures to ${knownPath}\n`);
      return EXIT_OK;
    }
    const judgedAgainstList = !values["no-known-failures"];
    const problems = judgedAgainstList
      ? summary.unexpectedFailures.length + summary.unexpectedPasses.length + report.fileErrors.length
      : summary.failed + report.fileErrors.length;
    return problems === 0 ? EXIT_OK : EXIT_PROBLEM;
  },
};
