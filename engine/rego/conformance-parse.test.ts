/**
 * Every module, query and input term in OPA's conformance suite must parse; cases that
 * expect `rego_parse_error` must be rejected (the current copy of the suite has none). Every
 * parsed module must also survive print → parse unchanged. The YAML is read in place.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { formatError } from "../errors.js";
import { stripLocations } from "./equality.js";
import { parseModule, parseQuery, parseTerm } from "./parser.js";
import { printModule } from "./printer.js";

const ROOT = fileURLToPath(new URL("../../../shared/opa-conformance", import.meta.url));

/** Files we knowingly do not parse, with the reason (none today; keep the mechanism honest). */
const KNOWN_EXCEPTIONS: Record<string, string> = {};

interface Case {
  note: string;
  query?: string;
  modules?: string[];
  input_term?: string;
  want_error_code?: string;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const full = join(dir, name);
      return statSync(full).isDirectory() ? yamlFiles(full) : name.endsWith(".yaml") ? [full] : [];
    })
    .sort();
}

const files = yamlFiles(ROOT);

describe("OPA conformance cases parse", () => {
  it("finds the suite", () => {
    expect(files.length).toBeGreaterThan(200);
  });

  for (const full of files) {
    const rel = full.slice(ROOT.length + 1);
    const exception = KNOWN_EXCEPTIONS[rel];
    it(`${rel}${exception ? " (known exception)" : ""}`, () => {
      const doc = parseYaml(readFileSync(full, "utf8")) as { cases: Case[] };
      const failures: string[] = [];
      for (const c of doc.cases) {
        const errors = [
          ...(c.modules ?? []).flatMap((m, i) => {
            const parsed = parseModule(m, `${c.note}#${i}`);
            // The printer must reproduce every real-world module faithfully too.
            if (parsed.module) {
              const printed = printModule(parsed.module);
              const again = parseModule(printed, `${c.note}#${i}(printed)`);
              if (again.errors.length) return again.errors;
              if (JSON.stringify(stripLocations(again.module)) !== JSON.stringify(stripLocations(parsed.module))) {
                failures.push(`${c.note}#${i}: printed module parses to a different tree:\n${printed}`);
              }
            }
            return parsed.errors;
          }),
          ...(c.query !== undefined ? parseQuery(c.query, `${c.note}#query`).errors : []),
          ...(c.input_term !== undefined ? parseTerm(c.input_term, `${c.note}#input_term`).errors : []),
        ];
        if (c.want_error_code === "rego_parse_error") {
          if (errors.length === 0) failures.push(`${c.note}: expected a parse error`);
        } else if (errors.length > 0) {
          failures.push(...errors.map(formatError));
        }
      }
      if (exception) {
        // Keep the exception honest: it must still be failing for the stated reason.
        expect(failures.length).toBeGreaterThan(0);
      } else {
        expect(failures).toEqual([]);
      }
    });
  }
});
