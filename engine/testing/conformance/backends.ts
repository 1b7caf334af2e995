/**
 * Stage 2 of the conformance runner: run one case through an evaluation backend.
 *
 * - `ir`: parser → compiler → planner (`buildIR`) → IR interpreter.
 * - `wasm`: the same plan compiled to WebAssembly by our codegen, loaded and run by the
 *   official SDK `@open-policy-agent/opa-wasm` (production's path).
 *
 * Modules are named `test-0.rego`, `test-1.rego`, … as in OPA's runner, so error texts
 * such as `test-0.rego:4: eval_type_error: …` match the expected ones.
 */
import type { RegoError } from "../../errors.js";
import { regoError } from "../../errors.js";
import { buildIR } from "../../pipeline.js";
import { evaluate } from "../../ir/interpreter.js";
import { evaluateWasm } from "../../policy/index.js";
import { parseTerm } from "../../rego/index.js";
import type { Term } from "../../rego/ast.js";
import type { Policy } from "../../ir/types.js";
import { fromJSON, RNumber, RObject, RSet, type Value } from "../../values/index.js";
import type { ConformanceCase } from "./cases.js";
import type { Outcome } from "./compare.js";

export type BackendName = "ir" | "wasm";

export interface RunOptions {
  /** Evaluation deadline inside the backend; the runner enforces a hard limit too. */
  timeoutMs: number;
}

export const QUERY_PLAN = "q";

export async function runCase(c: ConformanceCase, backend: BackendName, options: RunOptions): Promise<Outcome> {
  const inputs = caseInputs(c);
  if ("error" in inputs) return { kind: "error", error: inputs.error };
  switch (backend) {
    case "ir":
      return runOnIR(c, inputs, options);
    case "wasm":
      return runOnWasm(c, inputs);
  }
}

/**
 * Loads what a backend needs before the first case (for Wasm: binaryen and the runtime
 * library, a couple of seconds cold), so that cold start is not charged to a case.
 */
export async function warmUp(backend: BackendName): Promise<void> {
  const c: ConformanceCase = { file: "warm-up", topic: "", note: "warm-up", query: "x = 1", modules: [], strictError: false, sortBindings: false };
  await runCase(c, backend, { timeoutMs: 60_000 });
}

interface CaseInputs {
  input: Value | undefined;
  data: Value;
}

function caseInputs(c: ConformanceCase): CaseInputs | { error: RegoError } {
  let input: Value | undefined;
  if (c.inputTerm !== undefined) {
    const parsed = parseTerm(c.inputTerm, "input_term");
    if (!parsed.term) return { error: parsed.errors[0] ?? regoError("rego_parse_error", "input_term does not parse") };
    const value = groundTermToValue(parsed.term);
    if (value === undefined) return { error: regoError("rego_compile_error", "input_term is not a ground term") };
    input = value;
  } else if (c.input !== undefined) {
    input = fromJSON(c.input);
  }
  return { input, data: fromJSON(c.data ?? {}) };
}

/** Parse, compile and plan the case's modules with its query as the plan `q`. */
function planCase(c: ConformanceCase): { policy: Policy } | { error: RegoError } {
  const built = buildIR({
    modules: c.modules.map((source, i) => ({ file: `test-${i}.rego`, source })),
    queries: [{ name: QUERY_PLAN, query: c.query }],
  });
  if (!built.policy || built.errors.length > 0) {
    return { error: built.errors[0] ?? regoError("internal_error", "planner returned no policy") };
  }
  return { policy: built.policy };
}

function runOnIR(c: ConformanceCase, inputs: CaseInputs, options: RunOptions): Outcome {
  const planned = planCase(c);
  if ("error" in planned) return { kind: "error", error: planned.error };
  const result = evaluate(planned.policy, QUERY_PLAN, {
    input: inputs.input,
    data: inputs.data,
    strictBuiltinErrors: c.strictError,
    timeoutMs: options.timeoutMs,
  });
  return "error" in result ? { kind: "error", error: result.error } : { kind: "results", results: result.results };
}

/**
 * The Wasm module has no deadline of its own (the SDK runs it to completion); the
 * runner's hard per-case limit, which terminates the worker, bounds it instead.
 */
async function runOnWasm(c: ConformanceCase, inputs: CaseInputs): Promise<Outcome> {
  const planned = planCase(c);
  if ("error" in planned) return { kind: "error", error: planned.error };
  const result = await evaluateWasm(planned.policy, QUERY_PLAN, {
    ...(inputs.input !== undefined ? { input: inputs.input } : {}),
    data: inputs.data,
    strictBuiltinErrors: c.strictError,
  });
  return "error" in result ? { kind: "error", error: result.error } : { kind: "results", results: result.results };
}

/** A constant term (no vars, refs, calls or comprehensions) as a value; undefined otherwise. */
export function groundTermToValue(term: Term): Value | undefined {
  switch (term.type) {
    case "null":
      return null;
    case "boolean":
    case "string":
      return term.value;
    case "number":
      return RNumber.parse(term.value) ?? undefined;
    case "array": {
      const items = term.items.map(groundTermToValue);
      return items.every((v) => v !== undefined) ? (items as Value[]) : undefined;
    }
    case "set": {
      const items = term.items.map(groundTermToValue);
      return items.every((v) => v !== undefined) ? RSet.from(items as Value[]) : undefined;
    }
    case "object": {
      const out = new RObject();
      for (const [k, v] of term.entries) {
        const key = groundTermToValue(k);
        const value = groundTermToValue(v);
        if (key === undefined || value === undefined) return undefined;
        out.set(key, value);
      }
      return out;
    }
    default:
      return undefined;
  }
}
