/**
 * Benchmark: time to compile a policy directory through parse → compile → plan.
 * Target (compiler issue): under 200 ms for the default policy library `policies/`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { buildIR } from "../engine/pipeline.js";
import { parseModule } from "../engine/rego/index.js";
import { measure, formatUs, table, type Row, policySources } from "./harness.js";

export interface PolicyDir {
  label: string;
  dir: string;
  entrypoints: string[];
}


export function compileReport(root: string): string {
  const dirs: PolicyDir[] = [
    { label: "fixtures/policies/guardrail", dir: join(root, "fixtures/policies/guardrail"), entrypoints: ["portcullis/decision"] },
    { label: "policies/ (default library)", dir: join(root, "policies"), entrypoints: ["portcullis/decision"] },
  ];
  const rows: Row[] = [];
  for (const d of dirs) {
    if (!existsSync(d.dir)) continue;
    const modules = policySources(d.dir);
    if (modules.length === 0) {
      rows.push({ policy: d.label, files: "0", lines: "0", parse: "-", "parse+compile+plan": "-", "p90": "-", note: "no .rego files yet" });
      continue;
    }
    const lines = modules.reduce((n, m) => n + m.source.split("\n").length, 0);
    const first = buildIR({ modules, entrypoints: d.entrypoints });
    if (!first.policy) {
      rows.push({ policy: d.label, files: String(modules.length), lines: String(lines), parse: "-", "parse+compile+plan": "-", "p90": "-", note: `does not compile: ${first.errors[0]?.message ?? "?"}` });
      continue;
    }
    const parse = measure(() => modules.map((m) => parseModule(m.source, m.file)), { warmup: 5, samples: 30 });
    const full = measure(() => buildIR({ modules, entrypoints: d.entrypoints }), { warmup: 5, samples: 30 });
    rows.push({
      policy: d.label,
      files: String(modules.length),
      lines: String(lines),
      parse: formatUs(parse.medianUs),
      "parse+compile+plan": formatUs(full.medianUs),
      p90: formatUs(full.p90Us),
      note: d.label.startsWith("policies/") ? `target < 200 ms: ${full.medianUs < 200_000 ? "met" : "MISSED"}` : "",
    });
  }
  return table("compile: parse → compile → plan (median of 30, after 5 warm-up runs)", rows);
}
