#!/usr/bin/env node
// The installed `portcullis` command. The CLI is TypeScript compiled to dist/ by
// `npm run build` (run automatically by `npm ci` through the `prepare` script);
// this wrapper exists so the bin link never points at a file that is not built yet.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write("portcullis: not built yet: run `npm run build` (or `npm ci`) in the project folder\n");
  process.exit(2);
}
await import(entry.href);
