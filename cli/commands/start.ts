/**
 * `portcullis start`: runs the gateway. The gateway's protocol front ends are later
 * issues (PostgreSQL first, issue 6); until the first lands this command says so plainly
 * and exits 1 rather than pretending to serve.
 */
import { type Command, parseOptions, EXIT_PROBLEM } from "../command.js";

const HELP = `Usage: portcullis start [--config <file>]

Runs the gateway. With no configuration it uses the embedded default: a PGlite
PostgreSQL upstream with sample data, guarded by the default policy library.

Status: the gateway is not built yet (the PostgreSQL gateway is issue 6). Today
Portcullis ships the Rego toolchain: see \`portcullis check\` and
\`portcullis conformance\`.`;

export const startCommand: Command = {
  name: "start",
  summary: "run the gateway (not built yet: the PostgreSQL gateway is issue 6)",
  help: HELP,
  async run(args) {
    parseOptions(args, { config: { type: "string" } });
    process.stderr.write(
      "portcullis start: the gateway is not built yet (the PostgreSQL front end is issue 6).\n" +
        "What works today is the Rego toolchain: `npx portcullis check <dir>` and\n" +
        "`npx portcullis conformance ../shared/opa-conformance`. See README.md, section Status.\n",
    );
    return EXIT_PROBLEM;
  },
};
