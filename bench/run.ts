/**
 * `npm run bench [name…]`: runs the benchmarks and prints a report. Names: compile.
 * Reports only; nothing here asserts a speed (compare ratios within one run).
 */
import { fileURLToPath } from "node:url";
import { cpus } from "node:os";
import { compileReport } from "./compile.js";
import { evalReport } from "./eval.js";

const root = fileURLToPath(new URL("..", import.meta.url).href.replace("/dist/", "/"));

const BENCHMARKS: Record<string, () => Promise<string> | string> = {
  compile: () => compileReport(root),
  eval: () => evalReport(root),
  mask: async () => (await import("./mask.js")).maskReport(),
  pg: async () => (await import("./pg.js")).pgReport(root),
};

async function main(names: string[]): Promise<number> {
  const selected = names.length > 0 ? names : Object.keys(BENCHMARKS);
  const unknown = selected.filter((n) => !(n in BENCHMARKS));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown benchmark(s) ${unknown.join(", ")}; known: ${Object.keys(BENCHMARKS).join(", ")}\n`);
    return 2;
  }
  process.stdout.write(`Portcullis benchmarks — node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"})\n\n`);
  for (const name of selected) process.stdout.write((await BENCHMARKS[name]!()) + "\n");
  return 0;
}

main(process.argv.slice(2)).then((code) => (process.exitCode = code));
