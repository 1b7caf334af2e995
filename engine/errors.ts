/**
 * Errors in the Rego toolchain are values, never thrown stack traces at the user.
 *
 * Every stage (parser, compiler, planner, evaluators) reports problems as `RegoError`
 * values carrying one of OPA's error codes, so that conformance cases expecting a code
 * (`want_error_code`) can be matched exactly, and so that the CLI can print them as
 * `file:row:col: code: message`.
 */

/** A position in a source file. Rows and columns are 1-based; columns count code points. */
export interface Location {
  file: string;
  row: number;
  col: number;
}

/** OPA's error codes, plus the ones Portcullis adds for its own stages. */
export type ErrorCode =
  | "rego_parse_error"
  | "rego_compile_error"
  | "rego_unsafe_var_error"
  | "rego_recursion_error"
  | "rego_type_error"
  | "eval_conflict_error"
  | "eval_builtin_error"
  | "eval_type_error"
  | "eval_cancel_error"
  | "internal_error";

export interface RegoError {
  code: ErrorCode;
  message: string;
  /** Absent only when no source position applies (e.g. an error about a whole bundle). */
  location?: Location;
}

export function regoError(code: ErrorCode, message: string, location?: Location): RegoError {
  return location ? { code, message, location } : { code, message };
}

/** `file:row:col: code: message`, the format the CLI prints and tests assert on. */
export function formatError(error: RegoError): string {
  const where = error.location ? `${error.location.file}:${error.location.row}:${error.location.col}: ` : "";
  return `${where}${error.code}: ${error.message}`;
}

/**
 * Thrown only inside a stage to unwind quickly (e.g. out of deep recursion); every public
 * entry point catches it and returns the `RegoError` as a value.
 */
export class RegoFailure extends Error {
  constructor(readonly error: RegoError) {
    super(formatError(error));
  }
}
