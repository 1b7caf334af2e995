/**
 * The checked-in list of conformance cases a backend is known to fail, each with the
 * reason. The runner compares a run against it both ways: a failure not listed is a
 * regression, a listed case that now passes must be removed from the list, so the file
 * never drifts from the truth.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export interface KnownFailure {
  file: string;
  note: string;
  reason: string;
}

export interface KnownFailureFile {
  backend: string;
  failures: KnownFailure[];
}

export const caseKey = (file: string, note: string): string => `${file} :: ${note}`;

export function readKnownFailures(path: string): Map<string, KnownFailure> {
  const map = new Map<string, KnownFailure>();
  if (!existsSync(path)) return map;
  const parsed = JSON.parse(readFileSync(path, "utf8")) as KnownFailureFile;
  for (const f of parsed.failures) map.set(caseKey(f.file, f.note), f);
  return map;
}

export function writeKnownFailures(path: string, backend: string, failures: KnownFailure[]): void {
  const sorted = [...failures].sort((a, b) => caseKey(a.file, a.note).localeCompare(caseKey(b.file, b.note)));
  const body: KnownFailureFile = { backend, failures: sorted };
  writeFileSync(path, JSON.stringify(body, null, 2) + "\n");
}

/** Where the project keeps each backend's list: beside this file in the source tree. */
export function defaultKnownFailuresPath(backend: string): string {
  // Compiled code runs from dist/engine/testing/conformance; the list lives in the source tree.
  const here = new URL(".", import.meta.url);
  const source = here.pathname.includes("/dist/") ? new URL(here.href.replace("/dist/", "/")) : here;
  return new URL(`known-failures.${backend}.json`, source).pathname;
}
