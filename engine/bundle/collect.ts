/**
 * Stage 2: collection. Walks a policy directory (a security team's git checkout) and
 * gathers what goes into a bundle: every `.rego` file, tests included (`opa build` keeps
 * `*_test.rego` files too; the compiler skips `test_` rules for entrypoints), and the
 * `data.json` / `data.yaml` / `data.yml` files merged into one data document by their
 * directory path. Dot-folders (`.git`, `.github`, …) and `node_modules` are skipped.
 * Symbolic links are not followed (a link cannot smuggle files from outside the tree).
 *
 * Problems are returned as `BundleError` values, one per offending file, so that a CI run
 * reports all of them at once.
 */

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { BundleError } from "./errors.js";
import { byteOrder, dataKeyForFile, mergeData, type DataSource, type JsonObject } from "./data.js";

/** A Rego source file; `path` is relative to the collected directory, `/`-separated. */
export interface ModuleFile {
  path: string;
  source: string;
}

export interface Collected {
  /** Sorted by path (byte order) so that bundles are reproducible. */
  modules: ModuleFile[];
  data: JsonObject;
  errors: BundleError[];
}

const DATA_FILES = new Set(["data.json", "data.yaml", "data.yml"]);

export function collectPolicyDir(dir: string): Collected {
  const modules: ModuleFile[] = [];
  const sources: DataSource[] = [];
  const errors: BundleError[] = [];
  const files: string[] = [];
  walk(dir, "", files, errors);
  files.sort(byteOrder);
  for (const rel of files) {
    const base = rel.slice(rel.lastIndexOf("/") + 1);
    let text: string;
    try {
      text = readFileSync(join(dir, rel), "utf8");
    } catch (e) {
      errors.push(new BundleError("bundle_io_error", (e as Error).message, rel));
      continue;
    }
    if (base.endsWith(".rego")) {
      modules.push({ path: rel, source: text });
    } else if (DATA_FILES.has(base)) {
      const parsed = parseDataFile(rel, text);
      if (parsed instanceof BundleError) errors.push(parsed);
      else sources.push({ file: rel, key: dataKeyForFile(rel), value: parsed });
    }
  }
  const merged = mergeData(sources);
  return { modules, data: merged.data, errors: [...errors, ...merged.errors] };
}

/** Parses a data file's text by its extension; a value or the error. */
export function parseDataFile(path: string, text: string): unknown {
  try {
    if (path.endsWith(".json")) return JSON.parse(text) as unknown;
    const doc = parseYaml(text, { uniqueKeys: true }) as unknown;
    return doc === undefined ? null : doc;
  } catch (e) {
    return new BundleError("bundle_data_invalid", `cannot parse: ${(e as Error).message.split("\n")[0]}`, path);
  }
}

function walk(root: string, rel: string, out: string[], errors: BundleError[]): void {
  let entries;
  try {
    entries = readdirSync(rel ? join(root, rel) : root, { withFileTypes: true });
  } catch (e) {
    errors.push(new BundleError("bundle_io_error", (e as Error).message, rel || "."));
    return;
  }
  for (const entry of entries) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      walk(root, path, out, errors);
    } else if (entry.isFile()) {
      if (entry.name.endsWith(".rego") || DATA_FILES.has(entry.name)) out.push(path);
    }
  }
}
