/**
 * Stage 3 of the conformance runner: judge a backend's outcome against what a case wants,
 * the way OPA's own case runner does:
 * - `want_error_code` must equal the error's code; `want_error` must be a substring of the
 *   error as OPA prints it (`file:row: code: message`);
 * - `want_result` is a list of bindings compared as a set of results, values compared by
 *   Rego equality after sets become arrays (as OPA's JSON does); `sort_bindings` sorts
 *   array values of each binding first;
 * - `want_defined` only asks whether there was at least one result.
 */
import type { RegoError } from "../../errors.js";
import { compare, equal, fromJSON, toJSON, RObject, type Value } from "../../values/index.js";
import type { ConformanceCase } from "./cases.js";

/** What running a case produced: a result set (each an object of bindings) or an error. */
export type Outcome = { kind: "results"; results: Value[] } | { kind: "error"; error: RegoError };

export type Verdict = { pass: true } | { pass: false; reason: string };

/** OPA's `Error()` text for a run-time error: `file:row: code: message`. */
export function opaErrorText(error: RegoError): string {
  const where = error.location ? `${error.location.file}:${error.location.row}: ` : "";
  return `${where}${error.code}: ${error.message}`;
}

export function judge(c: ConformanceCase, outcome: Outcome): Verdict {
  const wantsError = c.wantError !== undefined || c.wantErrorCode !== undefined;
  if (wantsError) {
    if (outcome.kind !== "error") {
      return fail(`expected error ${c.wantErrorCode ?? ""} "${c.wantError ?? ""}", got ${describeResults(outcome.results)}`);
    }
    const text = opaErrorText(outcome.error);
    if (c.wantErrorCode !== undefined && outcome.error.code !== c.wantErrorCode) {
      return fail(`expected error code ${c.wantErrorCode}, got ${text}`);
    }
    if (c.wantError !== undefined && !text.includes(c.wantError)) {
      return fail(`expected error containing "${c.wantError}", got ${text}`);
    }
    return { pass: true };
  }
  if (outcome.kind === "error") return fail(`unexpected error: ${opaErrorText(outcome.error)}`);
  if (c.wantDefined !== undefined) {
    const defined = outcome.results.length > 0;
    return defined === c.wantDefined ? { pass: true } : fail(`expected defined=${c.wantDefined}, got ${describeResults(outcome.results)}`);
  }
  if (c.wantResult === undefined) return { pass: true };
  const got = outcome.results.map((r) => normaliseBindings(r, c.sortBindings));
  const want = c.wantResult.map((r) => normaliseBindings(fromJSON(r), c.sortBindings));
  if (sameResultSets(got, want)) return { pass: true };
  return fail(`expected ${describeResults(want)}, got ${describeResults(got)}`);
}

function fail(reason: string): Verdict {
  return { pass: false, reason };
}

/** Sets become sorted arrays (OPA's JSON form); with `sortBindings`, array values are sorted too. */
function normaliseBindings(result: Value, sortBindings: boolean): Value {
  const asJson = fromJSON(toJSON(result));
  if (!sortBindings || !(asJson instanceof RObject)) return asJson;
  const out = new RObject();
  for (const [k, v] of asJson.entries()) out.set(k, Array.isArray(v) ? [...v].sort(compare) : v);
  return out;
}

/** Result sets are sets: every wanted result must match a distinct actual one, and no extras. */
function sameResultSets(got: Value[], want: Value[]): boolean {
  if (got.length !== want.length) return false;
  const used = new Set<number>();
  for (const w of want) {
    const i = got.findIndex((g, j) => !used.has(j) && equal(g, w));
    if (i < 0) return false;
    used.add(i);
  }
  return true;
}

function describeResults(results: Value[]): string {
  if (results.length === 0) return "undefined (no results)";
  const text = JSON.stringify(results.map((r) => toJSON(r)), (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  return text.length > 400 ? text.slice(0, 400) + "…" : text;
}
