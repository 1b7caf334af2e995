/**
 * `portcullis eval`: evaluate a query against a policy directory or a bundle and print
 * the result set as JSON, in the shape `opa eval` prints it.
 */
import { readFileSync, statSync } from "node:fs";
import { type Command, UsageError, parseOptions, requireExistingPaths, EXIT_OK, EXIT_PROBLEM } from "../command.js";
import { collectPolicyDir, readBundle, mergeData, isBundleError, type ModuleFile, type DataSource } from "../../engine/bundle/index.js";
import { buildIR } from "../../engine/pipeline.js";
import { evaluate } from "../../engine/ir/interpreter.js";
import { compileWasm, loadPolicy, PolicyError } from "../../engine/policy/index.js";
import { parseQuery } from "../../engine/rego/index.js";
import { formatError, regoError, type RegoError } from "../../engine/errors.js";
import { parseJSON, fromJSON, stringifyJSON, RObject, type Value } from "../../engine/values/index.js";
import { rewriteQuery, type RewrittenQuery } from "./eval-query.js";
import { normaliseEntrypoint } from "./build.js";

const HELP = `Usage: portcullis eval -d <dir|bundle.tar.gz> [options] <query>

Evaluates a Rego query, e.g. data.portcullis.decision or x := data.lib.f(1), and
prints the result set as JSON the way \`opa eval\` does:
  {"result": [{"expressions": [{"value": …, "text": …, "location": …}], "bindings": {…}}]}
or {} when the query is undefined.

A query naming an entrypoint compiled into a bundle (data.portcullis.decision for
bundles from \`portcullis build\`) runs that bundle's policy.wasm as-is; any other
query is compiled from the Rego sources (a directory's, or the bundle's).

Options:
  -d, --data-source <path>      policy directory or bundle (.tar.gz); repeatable
  -i, --input <file>            input document (JSON; "-" reads standard input)
  --data <file>                 extra data document (JSON or YAML) merged into data
  --backend <wasm|ir>           evaluate compiled Wasm (default) or the IR interpreter
  --verification-key <file>     verify bundle signatures with this PEM public key
                                (or HMAC secret file); unsigned bundles are refused
  --verification-alg <alg>      expected signing algorithm (default: from the key)
  --skip-verify                 load signed bundles without checking signatures
  --strict-builtin-errors       a failing builtin fails the query (OPA's strict mode)
  --fail                        exit 1 when the result is undefined
  --fail-defined                exit 1 when the result is defined

Exit codes: 0 evaluated (defined or not, unless --fail…), 1 an error (a parse or
compile error, a refused bundle, an evaluation error), 2 bad usage.`;

interface Sources {
  modules: ModuleFile[];
  data: Record<string, unknown>;
  /** Entrypoint → compiled module, from bundles. */
  bundleWasm: Map<string, Uint8Array>;
}

export const evalCommand: Command = {
  name: "eval",
  summary: "evaluate a query against a policy directory or bundle",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      "data-source": { type: "string", short: "d", multiple: true },
      input: { type: "string", short: "i" },
      data: { type: "string" },
      backend: { type: "string", default: "wasm" },
      "verification-key": { type: "string" },
      "verification-alg": { type: "string" },
      "skip-verify": { type: "boolean", default: false },
      "strict-builtin-errors": { type: "boolean", default: false },
      fail: { type: "boolean", default: false },
      "fail-defined": { type: "boolean", default: false },
    });
    if (positionals.length !== 1) throw new UsageError("expected exactly one query");
    const paths = values["data-source"] ?? [];
    if (paths.length === 0) throw new UsageError("expected -d <dir|bundle.tar.gz>");
    requireExistingPaths([...paths, values.input === "-" ? undefined : values.input, values.data, values["verification-key"]]);
    if (values.backend !== "wasm" && values.backend !== "ir") throw new UsageError(`unknown backend '${values.backend}' (wasm or ir)`);

    try {
      const sources = await loadSources(paths, values.data, {
        key: values["verification-key"],
        alg: values["verification-alg"],
        skipVerify: values["skip-verify"],
      });
      const input = values.input === undefined ? undefined : parseJSON(readFileSync(values.input === "-" ? 0 : values.input, "utf8"));
      const parsed = parseQuery(positionals[0]!, "query.rego");
      if (!parsed.body) return fail(parsed.errors);
      const rewritten = rewriteQuery(parsed.body);
      const strict = values["strict-builtin-errors"];

      const entrypoint = bundleEntrypoint(positionals[0]!, sources, values.data === undefined);
      const results = entrypoint
        ? await evalBundleEntrypoint(sources, entrypoint, input, strict)
        : await evalQuery(sources, rewritten, input, values.backend, strict);
      if ("errors" in results) return fail(results.errors);
      const printed = formatResultSet(results.results, rewritten);
      process.stdout.write(stringifyJSON(printed, { indent: "  " }) + "\n");
      const defined = results.results.length > 0;
      if ((values.fail && !defined) || (values["fail-defined"] && defined)) return EXIT_PROBLEM;
      return EXIT_OK;
    } catch (error) {
      if (isBundleError(error)) return fail([regoError("internal_error", `${error.file ? `${error.file}: ` : ""}${error.code}: ${error.message}`)]);
      if (error instanceof PolicyError) return fail([regoError(asCode(error.code), error.message, error.location)]);
      if (error instanceof SyntaxError || (error as { name?: string }).name === "JSONSyntaxError") {
        return fail([regoError("internal_error", `invalid JSON: ${(error as Error).message}`)]);
      }
      throw error;
    }
  },
};

function fail(errors: RegoError[]): number {
  for (const e of errors) process.stderr.write(formatError(e) + "\n");
  return EXIT_PROBLEM;
}

function asCode(code: string): RegoError["code"] {
  return code === "eval_conflict_error" || code === "eval_builtin_error" || code === "eval_type_error" ? code : "internal_error";
}

async function loadSources(
  paths: string[],
  extraData: string | undefined,
  verify: { key?: string; alg?: string; skipVerify: boolean },
): Promise<Sources> {
  const modules: ModuleFile[] = [];
  const data: DataSource[] = [];
  const bundleWasm = new Map<string, Uint8Array>();
  for (const path of paths) {
    if (statSync(path).isDirectory()) {
      const collected = collectPolicyDir(path);
      if (collected.errors.length > 0) throw collected.errors[0];
      modules.push(...collected.modules);
      data.push({ file: path, key: [], value: collected.data });
    } else {
      const bundle = await readBundle(new Uint8Array(readFileSync(path)), {
        ...(verify.key !== undefined
          ? { verification: { key: readFileSync(verify.key, "utf8"), ...(verify.alg ? { alg: verify.alg as never } : {}) } }
          : {}),
        skipVerification: verify.skipVerify,
      });
      modules.push(...bundle.modules);
      data.push({ file: path, key: [], value: bundle.data });
      for (const w of bundle.wasm) bundleWasm.set(w.entrypoint, w.module);
    }
  }
  if (extraData !== undefined) {
    const text = readFileSync(extraData, "utf8");
    const { parse } = await import("yaml");
    data.push({ file: extraData, key: [], value: extraData.endsWith(".json") ? JSON.parse(text) : parse(text) });
  }
  const merged = mergeData(data);
  if (merged.errors.length > 0) throw merged.errors[0];
  return { modules, data: merged.data, bundleWasm };
}

/** The bundle entrypoint a query names exactly (`data.portcullis.decision`), when its Wasm can serve it as-is. */
function bundleEntrypoint(query: string, sources: Sources, noExtraData: boolean): string | undefined {
  const m = /^\s*data((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*$/.exec(query);
  if (!m || !noExtraData) return undefined;
  const ep = normaliseEntrypoint(m[1]!.slice(1));
  return sources.bundleWasm.has(ep) ? ep : undefined;
}

type EvalOutcome = { results: Value[] } | { errors: RegoError[] };

/** Runs the bundle's own module; results become `{__expr0__: value}` to share the printer. */
async function evalBundleEntrypoint(sources: Sources, entrypoint: string, input: Value | undefined, strict: boolean): Promise<EvalOutcome> {
  const policy = await loadPolicy(sources.bundleWasm.get(entrypoint)!, { data: sources.data, strictBuiltinErrors: strict });
  const results = policy.evaluate(input, entrypoint).map((r) => {
    const o = new RObject();
    const value = r instanceof RObject ? r.get("result") : undefined;
    if (value !== undefined) o.set("__expr0__", value);
    return o;
  });
  return { results };
}

async function evalQuery(sources: Sources, rewritten: RewrittenQuery, input: Value | undefined, backend: string, strict: boolean): Promise<EvalOutcome> {
  const built = buildIR({
    modules: sources.modules.map((m) => ({ file: m.path, source: m.source })),
    queries: [{ name: "eval", query: rewritten.query }],
  });
  if (!built.policy || built.errors.length > 0) return { errors: built.errors };
  const data = fromJSON(sources.data);
  if (backend === "ir") {
    const r = evaluate(built.policy, "eval", { ...(input !== undefined ? { input } : {}), data, strictBuiltinErrors: strict });
    return "error" in r ? { errors: [r.error] } : { results: r.results };
  }
  const wasm = await compileWasm(built.policy);
  const policy = await loadPolicy(wasm, { data: sources.data, strictBuiltinErrors: strict });
  return { results: policy.evaluate(input, "eval") };
}

/** OPA's result-set JSON: `{"result": [{expressions, bindings?}]}`, or `{}` when undefined. */
export function formatResultSet(results: Value[], rewritten: RewrittenQuery): Value {
  if (results.length === 0) return new RObject();
  const rows = results.map((r) => {
    const row = new RObject();
    const expressions = rewritten.expressions.map((slot) => {
      const e = new RObject();
      const value = slot.variable !== null && r instanceof RObject ? r.get(slot.variable) : true;
      e.set("value", value ?? true);
      e.set("text", slot.text);
      e.set("location", RObject.from([["row", fromJSON(slot.row)], ["col", fromJSON(slot.col)]]));
      return e as Value;
    });
    row.set("expressions", expressions);
    const bindings = new RObject();
    if (r instanceof RObject) for (const [k, v] of r.entries()) if (typeof k === "string" && !rewritten.generated.has(k)) bindings.set(k, v);
    if (bindings.size > 0) row.set("bindings", bindings);
    return row as Value;
  });
  return RObject.from([["result", rows]]);
}
