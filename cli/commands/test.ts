/** `portcullis test`: run the `test_*` rules of Rego policies, optionally with coverage. */
import { type Command, UsageError, parseOptions, EXIT_OK, EXIT_PROBLEM, requireExistingPaths } from "../command.js";
import { BACKENDS, compileFilter, formatJSON, formatText, runTests, summarize } from "../../engine/testing/rego/index.js";

const HELP = `Usage: portcullis test <path…> [options]

Compiles every .rego file under the given files and directories together (with any
data.json / data.yaml, placed at data.<directory path>) and runs each test_* rule of the
*_test.rego files. A test passes when its rule is true; it fails when the rule is false
or undefined, and errors when evaluation raises (conflicts, builtin errors, timeouts).
Rules named todo_test_* are reported as skipped.

Options:
  -r, --run <regex>    run only tests whose <package>.<name> (data.pkg.test_x) matches
                       the RE2 pattern
  --coverage           report covered and not-covered lines per file, and the total
  --threshold <pct>    with --coverage: fail when total coverage is below pct (0-100)
  --json               print a JSON report: {tests: [{package, name, location, status,
                       duration_ms, message}], summary, coverage?}
  --timeout <ms>       per-test evaluation budget (default: none)
  --backend <name>     wasm (default: tests compiled into one Wasm module) or ir (the
                       IR interpreter); --coverage and --timeout run on ir

Output ends with "N passed, M failed" (plus ", K errors" when any).
Exit codes: 0 all tests passed, 1 a test failed or errored, a file does not parse or
compile, or coverage is below the threshold, 2 bad usage.`;

function number(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`${name} must be a number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

export const testCommand: Command = {
  name: "test",
  summary: "run test_* rules of Rego policies, with coverage",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      run: { type: "string", short: "r" },
      coverage: { type: "boolean", default: false },
      threshold: { type: "string" },
      json: { type: "boolean", default: false },
      timeout: { type: "string" },
      backend: { type: "string" },
    });
    requireExistingPaths(positionals);
    const threshold = number("--threshold", values.threshold, 0, 100);
    if (threshold !== undefined && !values.coverage) throw new UsageError("--threshold needs --coverage");
    const timeoutMs = number("--timeout", values.timeout, 1, 2 ** 31 - 1);
    if (values.backend !== undefined && !(values.backend in BACKENDS)) {
      throw new UsageError(`unknown --backend ${values.backend} (known: ${Object.keys(BACKENDS).join(", ")})`);
    }
    if (values.backend !== undefined && values.backend !== "ir" && (values.coverage || timeoutMs !== undefined)) {
      throw new UsageError("--coverage and --timeout need --backend ir");
    }
    const filter = compileFilter(values.run);
    if (typeof filter !== "function") throw new UsageError(filter.error);

    const run = await runTests({
      paths: positionals,
      coverage: values.coverage,
      ...(values.run === undefined ? {} : { run: values.run }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(values.backend === undefined ? {} : { backend: values.backend }),
    });
    process.stdout.write(values.json ? formatJSON(run) : formatText(run));
    if (run.errors.length > 0) return EXIT_PROBLEM;
    const s = summarize(run.results);
    if (s.failed > 0 || s.errors > 0) return EXIT_PROBLEM;
    if (threshold !== undefined && run.coverage && run.coverage.coverage < threshold) {
      if (!values.json) process.stderr.write(`coverage ${run.coverage.coverage.toFixed(2)}% is below the threshold ${threshold}%\n`);
      return EXIT_PROBLEM;
    }
    return EXIT_OK;
  },
};
