/**
 * Failures of the policy API. Everything the Wasm path can go wrong with arrives as a
 * `PolicyError` with a code: OPA's evaluation codes for run-time errors raised by the
 * module (conflicts, strict builtin errors), and our own for the stages around it.
 */
import type { Location, RegoError } from "../errors.js";

export type PolicyErrorCode =
  /** Rego/IR did not compile (parse, compile or planner errors); see `errors`. */
  | "compile_error"
  /** The IR could not be turned into Wasm. */
  | "codegen_error"
  /** The module failed to instantiate or is not an OPA-ABI module. */
  | "load_error"
  | "unknown_entrypoint"
  /** input or data could not be serialised or parsed by the module. */
  | "invalid_json"
  | "eval_conflict_error"
  | "eval_builtin_error"
  | "eval_type_error"
  /** Any other failure during evaluation (a trap, a missing host builtin). */
  | "eval_error";

export class PolicyError extends Error {
  override readonly name = "PolicyError";
  constructor(
    readonly code: PolicyErrorCode,
    message: string,
    readonly location?: Location,
    /** The underlying compiler errors, for `compile_error`. */
    readonly errors: RegoError[] = [],
  ) {
    super(message);
  }
}

const CODES = new Set<PolicyErrorCode>(["eval_conflict_error", "eval_builtin_error", "eval_type_error"]);

/**
 * An `opa_abort` message as the generated code writes it, `file:row:col: code: msg`
 * (the position is optional), back into a PolicyError.
 */
export function fromAbortMessage(text: string): PolicyError {
  const m = /^(?:(.*):(\d+):(\d+): )?([a-z_]+): ([\s\S]*)$/.exec(text);
  if (m && CODES.has(m[4] as PolicyErrorCode)) {
    const location = m[1] !== undefined ? { file: m[1], row: Number(m[2]), col: Number(m[3]) } : undefined;
    return new PolicyError(m[4] as PolicyErrorCode, m[5]!, location);
  }
  return new PolicyError("eval_error", text);
}
