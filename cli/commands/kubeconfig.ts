/**
 * `portcullis kubeconfig`: a kubeconfig that points kubectl at the gateway's Kubernetes
 * listener for one connection, authenticating with the user's OIDC token. The gateway
 * never forwards that token upstream; it holds the cluster's own credentials.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { stringify } from "yaml";
import { type Command, UsageError, parseOptions, requireExistingPaths, EXIT_OK } from "../command.js";

const HELP = `Usage: portcullis kubeconfig --connection <name> --server https://host:port [options]

Writes a kubeconfig whose cluster is the gateway's Kubernetes listener for <name> and
whose user presents an OIDC bearer token, taken from a file or printed by a command.

Options:
  --connection <name>             the gateway connection (names the cluster, user, context)
  --server <url>                  the gateway listener, https://host:port
  --ca-file <file>                CA that signed the listener's certificate (embedded);
                                  default: the system's CAs
  --token-file <file>             file holding the OIDC token; kubectl rereads it, so a
                                  refreshed token is picked up
  --exec-token-command <command>  shell command printing a fresh OIDC token on stdout
                                  (run by kubectl through sh as a credential plugin)
  --namespace <ns>                the context's default namespace
  -o, --output <file>             write here (mode 0600) instead of standard output

Exactly one of --token-file and --exec-token-command is required.

Exit codes: 0 written, 2 bad usage (e.g. a missing file or a non-https server).`;

export interface KubeconfigOptions {
  connection: string;
  server: string;
  /** PEM text of the CA, embedded as certificate-authority-data. */
  ca?: string;
  /** Absolute path of a token file, or a shell command printing the token. */
  token: { file: string } | { command: string };
  namespace?: string;
}

/** The kubeconfig document (YAML text). */
export function buildKubeconfig(o: KubeconfigOptions): string {
  const name = `portcullis-${o.connection}`;
  const user: Record<string, unknown> = "file" in o.token
    ? { tokenFile: o.token.file }
    : {
        exec: {
          apiVersion: "client.authentication.k8s.io/v1",
          // kubectl wants an ExecCredential; the command only has to print the token.
          command: "sh",
          args: ["-c", `token=$(${o.token.command}) || exit 1; printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$(printf %s "$token" | tr -d '\\r\\n')"`],
          interactiveMode: "Never",
          provideClusterInfo: false,
        },
      };
  const doc = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: o.server, ...(o.ca !== undefined ? { "certificate-authority-data": Buffer.from(o.ca).toString("base64") } : {}) } }],
    users: [{ name, user }],
    contexts: [{ name, context: { cluster: name, user: name, ...(o.namespace ? { namespace: o.namespace } : {}) } }],
    "current-context": name,
    preferences: {},
  };
  return stringify(doc, { lineWidth: 0 });
}

export const kubeconfigCommand: Command = {
  name: "kubeconfig",
  summary: "write a kubeconfig that sends kubectl through the gateway",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      connection: { type: "string" },
      server: { type: "string" },
      "ca-file": { type: "string" },
      "token-file": { type: "string" },
      "exec-token-command": { type: "string" },
      namespace: { type: "string" },
      output: { type: "string", short: "o" },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const connection = values.connection;
    if (!connection) throw new UsageError("--connection is required");
    if (!/^[A-Za-z0-9_-]{1,63}$/.test(connection)) throw new UsageError(`--connection: expected letters, digits, "_" and "-", got ${JSON.stringify(connection)}`);
    const server = values.server;
    if (!server) throw new UsageError("--server is required (the gateway's Kubernetes listener, https://host:port)");
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new UsageError(`--server: not a URL: ${JSON.stringify(server)}`);
    }
    // kubectl would send the bearer token in the clear otherwise.
    if (url.protocol !== "https:") throw new UsageError(`--server: expected an https:// URL, got ${JSON.stringify(server)}`);
    const tokenFile = values["token-file"];
    const command = values["exec-token-command"];
    if ((tokenFile === undefined) === (command === undefined)) throw new UsageError("exactly one of --token-file and --exec-token-command is required");
    if (command !== undefined && command.trim() === "") throw new UsageError("--exec-token-command is empty");
    requireExistingPaths([values["ca-file"], tokenFile], false);
    const ca = values["ca-file"] === undefined ? undefined : readFileSync(values["ca-file"], "utf8");
    if (ca !== undefined && !ca.includes("-----BEGIN CERTIFICATE-----")) throw new UsageError(`--ca-file: ${values["ca-file"]} holds no PEM certificate`);
    const text = buildKubeconfig({
      connection,
      server: server.replace(/\/+$/, ""),
      ca,
      token: tokenFile !== undefined ? { file: resolve(tokenFile) } : { command: command! },
      namespace: values.namespace,
    });
    if (values.output) {
      writeFileSync(values.output, text, { mode: 0o600 });
      process.stderr.write(`wrote ${values.output} (context portcullis-${connection})\n`);
    } else process.stdout.write(text);
    return EXIT_OK;
  },
};
