#!/usr/bin/env node
/**
 * The `portcullis` command line. Each subcommand lives in `cli/commands/<name>.ts` and
 * exports a `Command`; this file only dispatches.
 *
 * Exit codes, for every command: 0 ok, 1 the work found a problem (a parse error, a
 * failing test or case), 2 bad usage.
 */
import { COMMANDS } from "./commands/index.js";
import { UsageError, EXIT_USAGE, type Command } from "./command.js";

const GLOBAL_HELP = (commands: Command[]) =>
  [
    "portcullis: a policy-as-code gateway for PostgreSQL, MySQL, SSH and Kubernetes",
    "",
    "Usage: portcullis <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(14)}${c.summary}`),
    "",
    "Run `portcullis <command> --help` for a command's options.",
  ].join("\n");

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const out = GLOBAL_HELP(COMMANDS);
    if (name === undefined) {
      process.stderr.write(out + "\n");
      return EXIT_USAGE;
    }
    process.stdout.write(out + "\n");
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`portcullis: unknown command '${name}'\n\n${GLOBAL_HELP(COMMANDS)}\n`);
    return EXIT_USAGE;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(command.help + "\n");
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`portcullis ${command.name}: ${error.message}\n\n${command.help}\n`);
      return EXIT_USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`portcullis ${command.name}: internal error: ${message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`portcullis: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
