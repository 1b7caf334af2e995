/**
 * Benchmark: cost of one policy decision on the production path (Rego compiled to Wasm,
 * loaded through `engine/policy`), next to the serialisation floor the OPA SDK's ABI
 * imposes (input and result through JSON.stringify + JSON.parse), the plain SDK
 * `evaluate` on the same module, and the IR interpreter; then compile time and size of
 * each module. Targets (Wasm issue): decision within 3x the floor and under 10 µs.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { buildIR } from "../engine/pipeline.js";
import { evaluate as irEvaluate } from "../engine/ir/interpreter.js";
import { compile, loadPolicy } from "../engine/policy/index.js";
import { equal, fromJSON, stringifyJSON, toJSON, type Value } from "../engine/values/index.js";
import { formatBytes, formatUs, measure, table, type Row, policySources } from "./harness.js";

const ENTRYPOINT = "portcullis/decision";
const TARGET_RATIO = 3;
const TARGET_US = 10;

interface Module {
  label: string;
  dir: string;
  modules: { file: string; source: string }[];
}


/** The SDK's own loadPolicy (a CommonJS module), for the "plain SDK" row. */
interface SdkPolicy {
  evaluate(input: unknown, entrypoint?: string | number): { result: unknown }[];
}
function sdkLoader(): (wasm: Uint8Array) => Promise<SdkPolicy> {
  const req = createRequire(import.meta.url);
  const sdk = req("@open-policy-agent/opa-wasm") as { loadPolicy(w: Uint8Array): Promise<SdkPolicy> };
  return (w) => sdk.loadPolicy(w);
}

/**
 * Compile time in a fresh process: what a cold start (CLI run, first policy load of a
 * gateway) pays, binaryen's and the runtime's loading included.
 */
function coldCompileMs(root: string, dir: string): number | undefined {
  const policyIndex = new URL("../engine/policy/index.js", import.meta.url).href;
  const script = `
    const modules = ${JSON.stringify(policySources(dir))};
    const t = performance.now();
    const { compile } = await import(${JSON.stringify(policyIndex)});
    await compile({ modules, entrypoints: [${JSON.stringify(ENTRYPOINT)}] });
    process.stdout.write(String(performance.now() - t));`;
  try {
    return Number(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" }));
  } catch {
    return undefined;
  }
}

async function decisionRows(root: string): Promise<{ rows: Row[]; note: string }> {
  const dir = join(root, "fixtures/policies/guardrail");
  const modules = policySources(dir);
  const inputText = readFileSync(join(dir, "input.json"), "utf8");
  const input = JSON.parse(inputText) as unknown;
  const wasm = await compile({ modules, entrypoints: [ENTRYPOINT] });
  const policy = await loadPolicy(wasm);
  const sdk = await sdkLoader()(wasm);
  const ir = buildIR({ modules, entrypoints: [ENTRYPOINT] });
  if (!ir.policy) throw new Error(`guardrail does not compile: ${ir.errors[0]?.message ?? "?"}`);
  const irPolicy = ir.policy;

  // every path must agree before any is timed
  const ours = policy.evaluate(input, ENTRYPOINT);
  const viaSdk = sdk.evaluate(input, ENTRYPOINT);
  const irOut = irEvaluate(irPolicy, ENTRYPOINT, { input: fromJSON(input) });
  if (!("results" in irOut)) throw new Error(`IR interpreter failed: ${irOut.error.message}`);
  const same = (a: Value[], b: Value[]) => a.length === b.length && a.every((v, i) => equal(v, b[i]!));
  if (!same(ours, irOut.results) || !same(ours, viaSdk.map((r) => fromJSON(r)))) {
    throw new Error(`backends disagree: wasm ${ours.map((v) => stringifyJSON(v))} ir ${irOut.results.map((v) => stringifyJSON(v))}`);
  }
  const result = toJSON(ours[0]!);

  const opts = { warmup: 2000, samples: 200, batch: 50 };
  const floor = measure(() => {
    JSON.parse(JSON.stringify(input));
    JSON.parse(JSON.stringify(result));
  }, opts);
  const timings: [string, ReturnType<typeof measure>, boolean][] = [
    ["JSON floor (stringify+parse of input and result)", floor, false],
    ["Wasm decision (engine/policy loadPolicy().evaluate)", measure(() => policy.evaluate(input, ENTRYPOINT), opts), true],
    ["Wasm via the plain SDK evaluate", measure(() => sdk.evaluate(input, ENTRYPOINT), opts), false],
    ["IR interpreter (fromJSON + evaluate)", measure(() => irEvaluate(irPolicy, ENTRYPOINT, { input: fromJSON(input) }), { ...opts, batch: 5 }), false],
  ];
  const rows = timings.map(([label, t, target]): Row => {
    const ratio = t.medianUs / floor.medianUs;
    return {
      path: label,
      median: formatUs(t.medianUs),
      p90: formatUs(t.p90Us),
      "× floor": ratio.toFixed(2),
      target: target
        ? `≤ ${TARGET_RATIO}× floor: ${ratio <= TARGET_RATIO ? "met" : "MISSED"}; < ${TARGET_US} µs: ${t.medianUs < TARGET_US ? "met" : "MISSED"}`
        : "",
    };
  });
  return { rows, note: `input ${formatBytes(Buffer.byteLength(inputText))}, result ${formatBytes(JSON.stringify(result).length)}` };
}

async function compileRows(root: string): Promise<Row[]> {
  const dirs: Module[] = [
    { label: "fixtures/policies/guardrail", dir: join(root, "fixtures/policies/guardrail"), modules: [] },
    { label: "policies/ (default library)", dir: join(root, "policies"), modules: [] },
  ];
  const rows: Row[] = [];
  for (const d of dirs) {
    d.modules = policySources(d.dir);
    let wasm: Uint8Array;
    try {
      wasm = await compile({ modules: d.modules, entrypoints: [ENTRYPOINT] });
    } catch (e) {
      rows.push({ module: d.label, cold: "-", warm: "-", p90: "-", size: "-", note: `does not compile: ${e instanceof Error ? e.message : String(e)}` });
      continue;
    }
    const cold = coldCompileMs(root, d.dir);
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      await compile({ modules: d.modules, entrypoints: [ENTRYPOINT] });
      samples.push((performance.now() - t) * 1000);
    }
    samples.sort((a, b) => a - b);
    rows.push({
      module: d.label,
      cold: cold === undefined ? "-" : formatUs(cold * 1000),
      warm: formatUs(samples[5]!),
      p90: formatUs(samples[9]!),
      size: formatBytes(wasm.length),
      note: "",
    });
  }
  return rows;
}

export async function evalReport(root: string): Promise<string> {
  const { rows, note } = await decisionRows(root);
  const out = table(`eval: one decision of fixtures/policies/guardrail (${note}; median of 200 samples × 50 runs)`, rows);
  return (
    out +
    "\n" +
    table("eval: Rego → Wasm compile per module (cold: fresh process, binaryen load included; warm: median of 10)", await compileRows(root))
  );
}
