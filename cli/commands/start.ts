/**
 * `portcullis start` (`npm start`): the embedded default — PGlite upstream with sample
 * data, a demo token issuer, the policy library hot-reloaded, the PostgreSQL gateway on
 * 127.0.0.1:6432 — and a ready-to-paste psql command with freshly minted tokens.
 */
import { relative } from "node:path";
import { type Command, UsageError, parseOptions } from "../command.js";
import { startDemo, DEFAULT_POLICY_DIR } from "../../proxy/gateway/demo.js";
import type { RuntimeLogEvent } from "../../proxy/gateway/runtime.js";

const HELP = `Usage: portcullis start [--port <n>] [--policy <dir>]

Runs the embedded demo: PGlite (PostgreSQL in Wasm, in memory) seeded with a small shop
whose tables hold PII, guarded by the policy library (hot-reloaded: edit a .rego file and
the next statement is decided by it), behind the PostgreSQL gateway. Prints psql
commands with freshly minted tokens for a person (group dba) and an AI agent.

Options:
  --port <n>       gateway port (default 6432; 0 picks a free one)
  --policy <dir>   policy directory (default: the package's policies/)

For a real deployment use \`portcullis serve -c portcullis.yaml\`.
Stop with Ctrl-C.`;

export const startCommand: Command = {
  name: "start",
  summary: "run the embedded demo gateway (PGlite upstream, demo tokens)",
  help: HELP,
  async run(args) {
    const { values } = parseOptions(args, { port: { type: "string", default: "6432" }, policy: { type: "string" } });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes 0..65535, got ${values.port}`);
    const log = (e: RuntimeLogEvent) => process.stderr.write(`[${e.source}] ${e.level === "info" ? "" : `${e.level}: `}${e.message}\n`);
    process.stderr.write("starting the embedded demo (PGlite takes a few seconds)…\n");
    const demo = await startDemo({ port, ...(values.policy !== undefined ? { policyDir: values.policy } : {}), log });
    const policyDir = values.policy ?? DEFAULT_POLICY_DIR;
    const conn = (user: string) =>
      `psql "host=${demo.host} port=${demo.port} dbname=postgres user=${user} sslmode=${demo.tls ? "require" : "disable"}"`;
    process.stdout.write(
      [
        "",
        "Portcullis is running (embedded demo).",
        `  gateway       ${demo.host}:${demo.port}${demo.tls ? " (TLS, self-signed certificate)" : " (plaintext: openssl was not found)"}`,
        "  upstream      PGlite, database postgres: customers (emails, phones, card numbers), orders, audit_log",
        `  policy        ${relative(process.cwd(), policyDir) || "."} (revision ${demo.gateway.revision() ?? "none"}; hot-reloaded)`,
        `  decision log  ${demo.workDir}/decisions.jsonl`,
        "",
        "Connect as a person in the dba group:",
        `  PGPASSWORD='${demo.tokens.human}' \\`,
        `  ${conn("dana")}`,
        "",
        "Connect as an AI agent:",
        `  PGPASSWORD='${demo.tokens.agent}' \\`,
        `  ${conn("coding-agent-1")}`,
        "",
        "Then try:",
        "  SELECT id, name, country FROM customers;   -- allowed",
        "  SELECT name, email, card_number FROM customers;  -- as the agent: PII masked",
        "  DROP TABLE orders;                         -- denied by policy (SQLSTATE 42501)",
        "  SELECT pg_read_file('/etc/passwd');        -- dangerous function: denied",
        "  DELETE FROM audit_log;                     -- no WHERE: waits for a DBA's approval;",
        "                                             -- the error or log shows its approval id",
        "",
        "Approve as the DBA (from another terminal):",
        `  PORTCULLIS_TOKEN='${demo.tokens.human}' \\`,
        `  npx portcullis approvals list --url ${demo.adminUrl}`,
        `  (then: npx portcullis approvals approve <id> --url ${demo.adminUrl} with the same token)`,
        "",
        "Verify the tamper-evident session recordings:",
        `  npx portcullis verify ${demo.recordings.dir} --key-file ${demo.recordings.keyFile}`,
        "",
        "Press Ctrl-C to stop.",
        "",
      ].join("\n"),
    );
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    process.stderr.write("stopping…\n");
    await demo.close();
    return 0;
  },
};
