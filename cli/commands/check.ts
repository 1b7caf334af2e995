/** `portcullis check`: parse every `.rego` file under the given paths and report errors. */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { type Command, UsageError, parseOptions, EXIT_OK, EXIT_PROBLEM, requireExistingPaths } from "../command.js";
import { parseModule } from "../../engine/rego/index.js";
import { formatError, type RegoError } from "../../engine/errors.js";

const HELP = `Usage: portcullis check <path…>

Parses every .rego file under the given files and directories and prints each error as
  file:row:col: rego_parse_error: message

Options:
  --json   print {"files": n, "errors": [{file, row, col, code, message}]} instead

Exit codes: 0 no errors, 1 errors found, 2 bad usage (e.g. a path that does not exist).`;

/** Every `.rego` file under `path`, sorted, skipping dot-folders and node_modules. */
export function regoFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const out: string[] = [];
  for (const name of readdirSync(path).sort()) {
    if (name.startsWith(".") || name === "node_modules") continue;
    const child = join(path, name);
    if (statSync(child).isDirectory()) out.push(...regoFiles(child));
    else if (name.endsWith(".rego")) out.push(child);
  }
  return out;
}

export const checkCommand: Command = {
  name: "check",
  summary: "parse .rego files and report syntax errors",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseOptions(args, { json: { type: "boolean", default: false } });
    requireExistingPaths(positionals);
    const files = positionals.flatMap(regoFiles);
    const errors: RegoError[] = [];
    for (const file of files) {
      const name = relative(process.cwd(), file) || file;
      errors.push(...parseModule(readFileSync(file, "utf8"), name).errors);
    }
    if (values.json) {
      const list = errors.map((e) => ({ file: e.location?.file, row: e.location?.row, col: e.location?.col, code: e.code, message: e.message }));
      process.stdout.write(JSON.stringify({ files: files.length, errors: list }, null, 2) + "\n");
    } else {
      for (const e of errors) process.stdout.write(formatError(e) + "\n");
      process.stderr.write(`${files.length} file${files.length === 1 ? "" : "s"} checked, ${errors.length} error${errors.length === 1 ? "" : "s"}\n`);
    }
    return errors.length === 0 ? EXIT_OK : EXIT_PROBLEM;
  },
};
