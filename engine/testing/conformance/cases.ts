/**
 * Stage 1 of the conformance runner: find OPA's YAML case files and read them into
 * `ConformanceCase` values. The files stay where they are (in `../shared/opa-conformance`);
 * we never copy them.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { parse as parseYaml } from "yaml";

/** One case of an OPA conformance file, as its schema (NOTICE.md there) defines it. */
export interface ConformanceCase {
  /** Path of the YAML file relative to the suite folder, e.g. `helloworld/test-helloworld-1.yaml`. */
  file: string;
  /** The folder the file sits in: OPA's topic, e.g. `withkeyword`. */
  topic: string;
  note: string;
  query: string;
  modules: string[];
  data?: unknown;
  input?: unknown;
  /** Input given as Rego term text (may contain sets). */
  inputTerm?: string;
  wantResult?: Record<string, unknown>[];
  wantDefined?: boolean;
  wantError?: string;
  wantErrorCode?: string;
  strictError: boolean;
  sortBindings: boolean;
}

/** A file that could not be read as a case file; reported, never silently dropped. */
export interface CaseFileError {
  file: string;
  message: string;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (name.endsWith(".yaml") || name.endsWith(".yml")) out.push(path);
  }
  return out;
}

/**
 * Reads every case under `dir`. Integers are read as exact bigints when they do not fit
 * a double, so expected values beyond 2^53 are not rounded by the loader.
 */
export function loadCases(dir: string): { cases: ConformanceCase[]; errors: CaseFileError[] } {
  const cases: ConformanceCase[] = [];
  const errors: CaseFileError[] = [];
  for (const path of yamlFiles(dir)) {
    const file = relative(dir, path).split(sep).join("/");
    const topic = file.includes("/") ? file.slice(0, file.indexOf("/")) : "";
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(path, "utf8"), { intAsBigInt: true });
    } catch (error) {
      errors.push({ file, message: `invalid YAML: ${(error as Error).message}` });
      continue;
    }
    const list = (doc as { cases?: unknown } | null)?.cases;
    if (!Array.isArray(list)) {
      errors.push({ file, message: "no `cases:` list" });
      continue;
    }
    for (const raw of list as Record<string, unknown>[]) {
      cases.push(toCase(file, topic, raw));
    }
  }
  return { cases, errors };
}

function toCase(file: string, topic: string, raw: Record<string, unknown>): ConformanceCase {
  const text = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));
  const c: ConformanceCase = {
    file,
    topic,
    note: text(raw.note) ?? "(no note)",
    query: text(raw.query) ?? "",
    modules: Array.isArray(raw.modules) ? raw.modules.map(String) : [],
    strictError: raw.strict_error === true,
    sortBindings: raw.sort_bindings === true,
  };
  if ("data" in raw) c.data = normaliseNumbers(raw.data);
  if ("input" in raw) c.input = normaliseNumbers(raw.input);
  if (raw.input_term !== undefined) c.inputTerm = String(raw.input_term);
  if (Array.isArray(raw.want_result)) c.wantResult = normaliseNumbers(raw.want_result) as Record<string, unknown>[];
  if (typeof raw.want_defined === "boolean") c.wantDefined = raw.want_defined;
  if (raw.want_error !== undefined) c.wantError = String(raw.want_error);
  if (raw.want_error_code !== undefined) c.wantErrorCode = String(raw.want_error_code);
  return c;
}

/** `intAsBigInt` makes every integer a bigint; keep small ones as plain numbers. */
function normaliseNumbers(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  if (Array.isArray(value)) return value.map(normaliseNumbers);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normaliseNumbers(v);
    return out;
  }
  return value;
}

/** The topics the issues call "core language" (prefix patterns end in `*`). */
export const CORE_TOPICS = [
  "helloworld", "assignments", "baseandvirtualdocs", "comparisonexpr", "completedoc", "composite*",
  "comprehensions", "containskeyword", "dataderef", "defaultkeyword", "disjunction", "elsekeyword",
  "embeddedvirtualdoc", "eqexpr", "evaltermexpr", "every", "functions", "functionerrors", "indexing",
  "indirectreferences", "inputvalues", "negation", "nestedreferences", "partial*", "refheads", "set*",
  "topdowndynamicdispatch", "undos", "varreferences", "virtualdocs", "withkeyword", "arithmetic", "aggregates",
];

export function isCoreTopic(topic: string): boolean {
  return CORE_TOPICS.some((t) => (t.endsWith("*") ? topic.startsWith(t.slice(0, -1)) : topic === t));
}
