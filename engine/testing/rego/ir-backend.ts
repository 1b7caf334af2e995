/**
 * The IR backend: compiles the modules to one IR policy (every test an entrypoint) and
 * runs each test's plan in the IR interpreter. It is the only backend that can observe
 * evaluated lines, so `--coverage` always runs on it.
 */
import { regoError, type RegoError } from "../../errors.js";
import { evaluate } from "../../ir/interpreter.js";
import { buildIR } from "../../pipeline.js";
import type { Policy } from "../../ir/types.js";
import { RObject, type Value } from "../../values/index.js";
import type { BackendOptions, LineObservations, TestBackend, TestOutcome } from "./backend.js";
import type { SourceFile } from "./load.js";
import { LineCollector, tracePolicy } from "./trace.js";

export class IRBackend implements TestBackend {
  readonly name = "ir";
  private policy: Policy | undefined;
  private data: Value = new RObject();
  private collector: LineCollector | undefined;

  constructor(private readonly options: BackendOptions = {}) {}

  async prepare(modules: SourceFile[], data: Value, entrypoints: string[]): Promise<{ errors: RegoError[] }> {
    let built: ReturnType<typeof buildIR>;
    try {
      built = buildIR({ modules, entrypoints });
    } catch (e) {
      return { errors: [regoError("internal_error", `compiler: ${e instanceof Error ? e.message : String(e)}`)] };
    }
    if (built.errors.length > 0 || !built.policy) {
      return { errors: built.errors.length > 0 ? built.errors : [regoError("internal_error", "compiler produced no policy")] };
    }
    this.data = data;
    this.policy = built.policy;
    if (this.options.coverage) {
      this.collector = new LineCollector(built.policy);
      this.policy = tracePolicy(built.policy, this.collector.observe);
    }
    return { errors: [] };
  }

  async run(entrypoint: string): Promise<TestOutcome> {
    if (!this.policy) return { error: regoError("internal_error", "IR backend: run before a successful prepare") };
    // OPA's test runner reports builtin errors as test errors; strict mode surfaces them.
    const options = { data: this.data, strictBuiltinErrors: true, ...(this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs }) };
    const result = evaluate(this.policy, entrypoint, options);
    if ("error" in result) return { error: result.error };
    return outcomeOf(result.results);
  }

  observedLines(): LineObservations {
    return this.collector ?? { evaluated: new Map(), produced: new Map() };
  }
}

/** An entrypoint's result set is `[]` (undefined) or `[{"result": v}]`. */
export function outcomeOf(results: Value[]): TestOutcome {
  const first = results[0];
  if (first === undefined) return { undefined: true };
  if (first instanceof RObject) {
    const v = first.get("result");
    if (v !== undefined) return { value: v };
  }
  return { error: regoError("internal_error", "entrypoint result set has no \"result\"") };
}
