/** `portcullis fmt`: print Rego files in canonical form (the AST printer's output). */
import { readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { type Command, UsageError, parseOptions, EXIT_OK, EXIT_PROBLEM, requireExistingPaths } from "../command.js";
import { parseModule, printModule } from "../../engine/rego/index.js";
import { formatError } from "../../engine/errors.js";
import { regoFiles } from "./check.js";

const HELP = `Usage: portcullis fmt [options] <path…>

Formats .rego files in canonical Rego v1, as the AST printer writes it.
With one file and no option, prints the formatted file to stdout.

Options:
  -w, --write   rewrite files in place
  -l, --list    list files whose formatting differs
  --check       like --list, and exit 1 if any file differs (for CI)

Comments are kept; a comment inside a rule body moves before the statement that
follows it. Files that do not parse are reported and left untouched.

Exit codes: 0 ok, 1 a parse error (or, with --check, a file that differs), 2 bad usage.`;

export const fmtCommand: Command = {
  name: "fmt",
  summary: "format .rego files in canonical Rego v1",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      write: { type: "boolean", short: "w", default: false },
      list: { type: "boolean", short: "l", default: false },
      check: { type: "boolean", default: false },
    });
    requireExistingPaths(positionals);
    const files = positionals.flatMap(regoFiles);
    const printToStdout = !values.write && !values.list && !values.check;
    if (printToStdout && files.length !== 1) throw new UsageError("printing to stdout takes exactly one file; use --write, --list or --check for several");
    let parseErrors = 0;
    let differing = 0;
    for (const file of files) {
      const name = relative(process.cwd(), file) || file;
      const source = readFileSync(file, "utf8");
      const parsed = parseModule(source, name);
      if (!parsed.module) {
        parseErrors++;
        for (const e of parsed.errors) process.stderr.write(formatError(e) + "\n");
        continue;
      }
      const formatted = printModule(parsed.module);
      if (printToStdout) {
        process.stdout.write(formatted);
        continue;
      }
      if (formatted === source) continue;
      differing++;
      if (values.list || values.check) process.stdout.write(name + "\n");
      if (values.write) writeFileSync(file, formatted);
    }
    if (parseErrors > 0) return EXIT_PROBLEM;
    return values.check && differing > 0 ? EXIT_PROBLEM : EXIT_OK;
  },
};
