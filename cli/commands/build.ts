/** `portcullis build`: compile a policy directory into an OPA bundle (or the IR plan). */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { type Command, UsageError, parseOptions, EXIT_OK, EXIT_PROBLEM } from "../command.js";
import { collectPolicyDir, gitRevision, writeBundle, isBundleError, type SigningAlg } from "../../engine/bundle/index.js";
import { buildIR } from "../../engine/pipeline.js";
import { compileWasm, PolicyError } from "../../engine/policy/index.js";
import { prettyPolicy } from "../../engine/ir/pretty.js";
import { formatError } from "../../engine/errors.js";

export const DEFAULT_ENTRYPOINT = "portcullis/decision";

const SIGNING_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512"];

const HELP = `Usage: portcullis build <dir> [options]

Compiles every .rego file under <dir> (Rego v1) with the data.json/data.yaml files
merged by folder, and writes an OPA bundle: /policy.wasm, /data.json, the .rego
sources and /.manifest (revision, roots, wasm entrypoints). OPA's SDKs and Portcullis
load it alike.

Options:
  -o, --output <file>        where to write (default bundle.tar.gz; plan.json with -t plan)
  -e, --entrypoint <path>    rule to compile, e.g. portcullis/decision (repeatable;
                             default portcullis/decision); data.a.b is accepted too
  -t, --target <wasm|plan>   wasm: a bundle (default); plan: the IR as JSON
  --pretty                   with -t plan: the IR as readable text instead of JSON
  --revision <rev>           manifest revision (default: the git commit of <dir>,
                             "<sha>-dirty" when the work tree differs; read without git)
  --signing-key <file>       sign the bundle (/.signatures.json, as OPA does) with
                             this PEM private key (or HMAC secret file for HS*)
  --signing-alg <alg>        RS256 (default), RS384, RS512, PS256…, ES256, ES384,
                             ES512, EdDSA, HS256…
  --signing-key-id <id>      key id written in the signature (kid / keyid)
  --scope <scope>            scope claim written in the signature

Exit codes: 0 written, 1 the policies do not compile (errors printed as
file:row:col: code: message), 2 bad usage.`;

export const buildCommand: Command = {
  name: "build",
  summary: "compile a policy directory into a (signed) OPA bundle",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      output: { type: "string", short: "o" },
      entrypoint: { type: "string", short: "e", multiple: true },
      target: { type: "string", short: "t", default: "wasm" },
      pretty: { type: "boolean", default: false },
      revision: { type: "string" },
      "signing-key": { type: "string" },
      "signing-alg": { type: "string", default: "RS256" },
      "signing-key-id": { type: "string" },
      scope: { type: "string" },
    });
    if (positionals.length !== 1) throw new UsageError("expected exactly one policy directory");
    const dir = positionals[0]!;
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`not a directory: ${dir}`);
    if (values.target !== "wasm" && values.target !== "plan") throw new UsageError(`unknown target '${values.target}' (wasm or plan)`);
    if (values.pretty && values.target !== "plan") throw new UsageError("--pretty goes with -t plan");
    const alg = values["signing-alg"]!;
    if (!SIGNING_ALGS.includes(alg)) throw new UsageError(`unknown signing algorithm '${alg}' (${SIGNING_ALGS.join(", ")})`);
    const keyPath = values["signing-key"];
    if (keyPath !== undefined && !existsSync(keyPath)) throw new UsageError(`no such signing key file: ${keyPath}`);
    if (values.target === "plan" && keyPath !== undefined) throw new UsageError("--signing-key goes with bundles (-t wasm)");
    const entrypoints = (values.entrypoint ?? [DEFAULT_ENTRYPOINT]).map(normaliseEntrypoint);

    const collected = collectPolicyDir(dir);
    if (collected.errors.length > 0) {
      for (const e of collected.errors) process.stderr.write(`${e.file ? `${e.file}: ` : ""}${e.code}: ${e.message}\n`);
      return EXIT_PROBLEM;
    }
    const modules = collected.modules.map((m) => ({ file: m.path, source: m.source }));
    const built = buildIR({ modules, entrypoints });
    if (!built.policy || built.errors.length > 0) {
      for (const e of built.errors) process.stderr.write(formatError(e) + "\n");
      process.stderr.write(`${built.errors.length} error${built.errors.length === 1 ? "" : "s"}; nothing written\n`);
      return EXIT_PROBLEM;
    }

    if (values.target === "plan") {
      const output = values.output ?? "plan.json";
      writeFileSync(output, values.pretty ? prettyPolicy(built.policy) : JSON.stringify(built.policy, null, 2) + "\n");
      process.stderr.write(`wrote ${output} (${entrypoints.join(", ")})\n`);
      return EXIT_OK;
    }

    const output = values.output ?? "bundle.tar.gz";
    try {
      const wasm = await compileWasm(built.policy);
      const revision = values.revision ?? gitRevision(dir) ?? "";
      const bytes = await writeBundle({
        modules: collected.modules,
        data: collected.data,
        wasm,
        entrypoints,
        revision,
        ...(keyPath !== undefined
          ? {
              signing: {
                key: readFileSync(keyPath, "utf8"),
                alg: alg as SigningAlg,
                ...(values["signing-key-id"] !== undefined ? { keyId: values["signing-key-id"] } : {}),
                ...(values.scope !== undefined ? { scope: values.scope } : {}),
              },
            }
          : {}),
      });
      writeFileSync(output, bytes);
      process.stderr.write(
        `wrote ${output}: ${collected.modules.length} modules, entrypoints ${entrypoints.join(", ")}, ` +
          `revision ${revision || "(none)"}${keyPath ? `, signed ${alg}` : ""}, ${bytes.length} bytes\n`,
      );
      return EXIT_OK;
    } catch (error) {
      if (isBundleError(error)) {
        process.stderr.write(`${error.file ? `${error.file}: ` : ""}${error.code}: ${error.message}\n`);
        return EXIT_PROBLEM;
      }
      if (error instanceof PolicyError) {
        process.stderr.write(`${error.code}: ${error.message}\n`);
        return EXIT_PROBLEM;
      }
      throw error;
    }
  },
};

/** `data.a.b` and `a.b` and `a/b` all name the rule `a/b`. */
export function normaliseEntrypoint(entrypoint: string): string {
  return entrypoint.replace(/^data\./, "").replace(/\./g, "/");
}
