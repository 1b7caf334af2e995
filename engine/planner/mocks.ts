/**
 * What `with` replaces while a literal runs, as the planner sees it.
 *
 * `with input…` and `with data…` on base documents only change the `input`/`data` locals
 * (a WithStmt) and every function called sees that through its parameters. Replacing a
 * rule (`with data.a.p as 1`) or a function (`with f as g`, `with count as 1`) changes
 * what calls mean, so the planner plans separate copies of the rule functions reached
 * under such a `with`, keyed by this environment.
 */
import type { Term } from "../rego/ast.js";
import { stripLocations } from "../rego/equality.js";

export interface MockEnv {
  /** Virtual-document paths replaced through `data` (the value sits in the data local). */
  readonly data: readonly string[][];
  /** Functions replaced: dotted name (`data.a.f`, `count`) → replacement term. */
  readonly funcs: ReadonlyMap<string, Term>;
}

export const EMPTY_ENV: MockEnv = { data: [], funcs: new Map() };

export function envKey(env: MockEnv): string {
  if (env.data.length === 0 && env.funcs.size === 0) return "";
  const funcs = [...env.funcs].map(([k, t]) => [k, stripLocations(t)]).sort();
  return JSON.stringify({ d: [...env.data].map((p) => p.join("\u0000")).sort(), f: funcs });
}

export function withData(env: MockEnv, path: string[]): MockEnv {
  return { data: [...env.data, path], funcs: env.funcs };
}

export function withFunc(env: MockEnv, name: string, value: Term): MockEnv {
  const funcs = new Map(env.funcs);
  funcs.set(name, value);
  return { data: env.data, funcs };
}

export function withoutFunc(env: MockEnv, name: string): MockEnv {
  if (!env.funcs.has(name)) return env;
  const funcs = new Map(env.funcs);
  funcs.delete(name);
  return { data: env.data, funcs };
}

/** Whether `path` lies at or under a replaced virtual document. */
export function mockedData(env: MockEnv, path: readonly string[]): boolean {
  return env.data.some((p) => p.length <= path.length && p.every((s, i) => s === path[i]));
}
