/**
 * The data the masking stages share. The masking core is protocol-free: front ends
 * (PostgreSQL DataRows, MySQL rows, SSH output, Kubernetes Secrets) describe their
 * values with these types and call pure functions; nothing here does I/O.
 */

/**
 * What a column can hold, as far as masking cares: the masked value must stay valid for
 * the column's type, in text and in binary formats (README.md, "Type safety").
 */
export type ColumnKind = "text" | "number" | "boolean" | "date/time" | "json" | "bytes" | "other";

/** One column of a result, as the front end describes it. */
export interface ColumnInfo {
  /** The output name (an alias, `?column?`, …). */
  name: string;
  /** `schema.table.column` when the protocol resolves it to a base column; absent for computed columns. */
  qualifiedName?: string;
  kind: ColumnKind;
}

/**
 * A parsed `method` of a mask rule (`redact`, `partial`, `partial:6`, `last4`, `hash`,
 * `hash:16`, `null`, `zero`).
 *  - `keep`: for `partial`, how many trailing characters stay visible;
 *  - `hexChars`: for `hash`, the length of the hex digest kept (64 = whole).
 */
export type Method =
  | { kind: "redact" }
  | { kind: "partial"; keep: number }
  | { kind: "hash"; hexChars: number }
  | { kind: "null" }
  | { kind: "zero" };

/** A half-open range `[start, end)` of UTF-16 code units inside a string. */
export interface Range {
  start: number;
  end: number;
}

/**
 * Finds one kind of sensitive value in free text.
 *  - `mayMatch` is a cheap pre-check: `false` means `find` would find nothing, so scanning
 *    free text costs little when it holds nothing sensitive;
 *  - `find` appends `start, end` pairs of its matches to `out`, in increasing order and
 *    never overlapping one another;
 *  - `needs`, when present, is what any text holding a match has (prefilter.ts): checked
 *    on one shared profile of the value before `mayMatch`, so a value that can match no
 *    rule costs one pass, and is not even decoded when the front end checks its bytes;
 *    `needsSuffice` says `mayMatch` adds nothing to them (it only counts what they count).
 */
export interface Detector {
  name: string;
  mayMatch(text: string): boolean;
  find(text: string, out: number[]): void;
  needs?: Needs;
  /** `mayMatch` is true whenever `needs` hold, so the scanner need not call it (tested). */
  needsSuffice?: boolean;
}

/**
 * What every text holding a detector's match has, as counts a single pass can take
 * (prefilter.ts): at least `minLength` UTF-16 units, `minDigits` ASCII digits and
 * `minUpper` ASCII capitals, every punctuation character of `allPunct` and, unless it is
 * 0, one of `anyPunct` (bit sets from `punctBits`). Under-stating is safe; over-stating
 * would leave values unmasked, so each detector's needs are property-tested against it.
 */
export interface Needs {
  minLength: number;
  minDigits: number;
  minUpper: number;
  allPunct: number;
  anyPunct: number;
}

/**
 * A problem with a mask rule, as a value (the front end fails closed on it: a decision
 * whose masking cannot be applied must not return unmasked data). `rule` is the index of
 * the offending entry in the decision's `mask` list.
 */
export interface MaskError {
  code: "mask_rule_error";
  message: string;
  rule: number;
}

export function maskError(rule: number, message: string): MaskError {
  return { code: "mask_rule_error", message, rule };
}

/** `mask[3]: message`, the form shown to clients and written to recordings. */
export function formatMaskError(error: MaskError): string {
  return `mask[${error.rule}]: ${error.code}: ${error.message}`;
}
