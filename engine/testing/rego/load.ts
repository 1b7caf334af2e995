/**
 * Stage 1 of `portcullis test`: read what a test run compiles, from the paths given.
 *
 * Every `.rego` file under the paths is compiled together (tests and the policies they
 * test live side by side, as in OPA). `data.json` / `data.yaml` files are merged into one
 * data document by their directory path relative to the path given: `lib/a/data.json`
 * given `lib` lands at `data.a`, the layout OPA's loader and bundles use.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import { parse as parseYaml } from "yaml";
import { parse as parseLossless, isLosslessNumber } from "lossless-json";
import { regoError, type RegoError } from "../../errors.js";

/** One Rego source file, named as it will appear in locations (relative to the cwd). */
export interface SourceFile {
  file: string;
  source: string;
}

/** Plain JSON data (numbers may be `LosslessNumber`s, so big integers stay exact). */
export type JSONData = unknown;

export interface Loaded {
  modules: SourceFile[];
  data: Record<string, JSONData>;
  errors: RegoError[];
}

const DATA_FILES = new Set(["data.json", "data.yaml", "data.yml"]);

/** Every file under `path` (or `path` itself), sorted, skipping dot-folders and node_modules. */
function walk(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const out: string[] = [];
  for (const name of readdirSync(path).sort()) {
    if (name.startsWith(".") || name === "node_modules") continue;
    out.push(...walk(join(path, name)));
  }
  return out;
}

/** Reads the `.rego` and data files under `paths`. Paths must exist (the CLI checks). */
export function loadPaths(paths: string[], cwd = process.cwd()): Loaded {
  const modules: SourceFile[] = [];
  const data: Record<string, JSONData> = {};
  const errors: RegoError[] = [];
  const seen = new Set<string>();
  for (const root of paths) {
    if (!existsSync(root)) {
      errors.push(regoError("internal_error", `no such file or directory: ${root}`));
      continue;
    }
    const rootDir = statSync(root).isDirectory() ? root : dirname(root);
    for (const path of walk(root)) {
      const name = relative(cwd, path) || path;
      if (seen.has(name)) continue;
      seen.add(name);
      if (path.endsWith(".rego")) {
        modules.push({ file: name, source: readFileSync(path, "utf8") });
      } else if (DATA_FILES.has(basename(path))) {
        const parsed = parseDataFile(path, name, errors);
        if (parsed === undefined) continue;
        const rel = relative(rootDir, dirname(path));
        const segments = rel === "" ? [] : rel.split(sep);
        mergeAt(data, segments, parsed, name, errors);
      }
    }
  }
  return { modules, data, errors };
}

function parseDataFile(path: string, name: string, errors: RegoError[]): JSONData | undefined {
  const text = readFileSync(path, "utf8");
  try {
    if (path.endsWith(".json")) return parseLossless(text);
    return parseYaml(text, { intAsBigInt: true });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    errors.push(regoError("internal_error", `${name}: cannot parse data file: ${message}`, { file: name, row: 1, col: 1 }));
    return undefined;
  }
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !isLosslessNumber(x);
}

/**
 * Places `value` at `segments` under `target`, merging objects key by key. Two files that
 * both define the same non-object value are an error, as OPA's loader reports.
 */
function mergeAt(target: Record<string, unknown>, segments: string[], value: unknown, file: string, errors: RegoError[]): void {
  let node = target;
  for (const s of segments) {
    const next = node[s];
    if (next === undefined) node[s] = {};
    else if (!isPlainObject(next)) {
      errors.push(regoError("internal_error", `${file}: data conflicts at ${segments.join(".")}`));
      return;
    }
    node = node[s] as Record<string, unknown>;
  }
  if (!isPlainObject(value)) {
    if (segments.length === 0) errors.push(regoError("internal_error", `${file}: a root data file must hold an object`));
    else errors.push(regoError("internal_error", `${file}: data at ${segments.join(".")} must be an object`));
    return;
  }
  mergeObjects(node, value, [...segments], file, errors);
}

function mergeObjects(into: Record<string, unknown>, from: Record<string, unknown>, path: string[], file: string, errors: RegoError[]): void {
  for (const [k, v] of Object.entries(from)) {
    const existing = into[k];
    if (existing === undefined) into[k] = v;
    else if (isPlainObject(existing) && isPlainObject(v)) mergeObjects(existing, v, [...path, k], file, errors);
    else errors.push(regoError("internal_error", `${file}: data conflicts at ${[...path, k].join(".")}`));
  }
}
