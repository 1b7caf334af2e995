/**
 * `portcullis serve -c portcullis.yaml`: the gateway from a config file. SIGHUP reloads
 * the config (an invalid one is refused and the running gateway keeps serving); SIGTERM
 * and SIGINT drain connections and exit.
 */
import { resolve } from "node:path";
import { type Command, UsageError, parseOptions, requireExistingPaths, EXIT_OK, EXIT_PROBLEM } from "../command.js";
import { loadConfig, formatConfigError, redact, type Config } from "../../proxy/core/config/index.js";
import { startGateway, type RunningGateway, type RuntimeLogEvent } from "../../proxy/gateway/runtime.js";

const HELP = `Usage: portcullis serve -c <portcullis.yaml> [--check]

Runs the gateway as configured: listeners, connections (upstreams and their tags),
identity providers, the policy directory or bundle (hot-reloaded), the decision log.
proxy/core/config/README.md documents every field, with an example.

Options:
  -c, --config <file>   the YAML config (required)
  --check               validate the config, print it with secrets redacted, and exit

Signals: SIGHUP reloads the config (an invalid config is reported and the running
gateway keeps serving); SIGTERM or SIGINT drain the sessions and exit.
Exit codes: 0 stopped cleanly (or --check passed), 1 invalid config or start-up failure,
2 bad usage.`;

function logLine(e: RuntimeLogEvent): void {
  process.stderr.write(`${new Date().toISOString()} ${e.level.toUpperCase().padEnd(5)} [${e.source}] ${e.message}\n`);
}

function load(path: string): Config | undefined {
  const loaded = loadConfig(path);
  if ("errors" in loaded) {
    for (const e of loaded.errors) process.stderr.write(formatConfigError(e, path) + "\n");
    return undefined;
  }
  return loaded.config;
}

export const serveCommand: Command = {
  name: "serve",
  summary: "run the gateway from a YAML config file",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseOptions(args, { config: { type: "string", short: "c" }, check: { type: "boolean", default: false } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (values.config === undefined) throw new UsageError("expected -c <portcullis.yaml>");
    requireExistingPaths([values.config]);
    const path = resolve(values.config);
    const config = load(path);
    if (!config) return EXIT_PROBLEM;
    if (values.check) {
      process.stdout.write(JSON.stringify(redact(config), null, 2) + "\n");
      return EXIT_OK;
    }

    let gateway: RunningGateway;
    try {
      gateway = await startGateway(config, { log: logLine });
    } catch (error) {
      process.stderr.write(`portcullis serve: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
      return EXIT_PROBLEM;
    }
    logLine({ level: "info", source: "serve", message: `ready (${gateway.listeners.length} listener${gateway.listeners.length === 1 ? "" : "s"})` });

    let running = config;
    let reloading = Promise.resolve();
    const reload = () => {
      reloading = reloading.then(async () => {
        logLine({ level: "info", source: "serve", message: `SIGHUP: reloading ${path}` });
        const next = load(path);
        if (!next) {
          logLine({ level: "error", source: "serve", message: "the new config is invalid; still serving the previous one" });
          return;
        }
        // Listeners bind the same addresses, so the old gateway drains before the new one starts.
        await gateway.close();
        try {
          gateway = await startGateway(next, { log: logLine });
          running = next;
          logLine({ level: "info", source: "serve", message: "config reloaded" });
        } catch (error) {
          logLine({ level: "error", source: "serve", message: `the new config does not start (${error instanceof Error ? error.message : String(error)}); restarting the previous one` });
          gateway = await startGateway(running, { log: logLine });
        }
      });
    };
    process.on("SIGHUP", reload);
    await new Promise<void>((done) => {
      process.once("SIGINT", done);
      process.once("SIGTERM", done);
    });
    process.off("SIGHUP", reload);
    logLine({ level: "info", source: "serve", message: "draining sessions and stopping" });
    await reloading;
    await gateway.close();
    return EXIT_OK;
  },
};
