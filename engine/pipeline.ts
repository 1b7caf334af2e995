/**
 * Rego source → IR policy: parse, compile, plan. The one entry point the conformance
 * runner, the CLI and the Wasm backend call. Every problem (parse, compile, planning)
 * comes back in `errors`; nothing is thrown.
 */
import { getBuiltin } from "./builtins/index.js";
import type { BuiltinLookup } from "./compiler/types.js";
import { compileModules, compileQuery } from "./compiler/index.js";
import { NameGen } from "./compiler/locals.js";
import { regoError, RegoFailure, type RegoError } from "./errors.js";
import type { Policy } from "./ir/types.js";
import { plan } from "./planner/index.js";
import type { CompiledQuery } from "./compiler/types.js";
import type { Module } from "./rego/ast.js";
import { parseModule, parseQuery } from "./rego/index.js";

export interface SourceFile {
  file: string;
  source: string;
}

export interface BuildRequest {
  modules: SourceFile[];
  /** Rule paths such as `portcullis/decision`; each becomes a plan of that name. */
  entrypoints?: string[];
  /** Ad-hoc queries such as `data.test.p = x`; each becomes a plan named `name`. */
  queries?: { name: string; query: string }[];
}

/** Builtins as the compiler sees them: name, arity, and whether they are relations. */
export const builtinLookup: BuiltinLookup = (name) => {
  const b = getBuiltin(name);
  return b ? { name: b.name, arity: b.arity, relation: b.relation } : undefined;
};

export function buildIR(request: BuildRequest): { policy: Policy | null; errors: RegoError[] } {
  try {
    return build(request);
  } catch (e) {
    if (e instanceof RegoFailure) return { policy: null, errors: [e.error] };
    return { policy: null, errors: [regoError("internal_error", e instanceof Error ? e.message : String(e))] };
  }
}

function build(request: BuildRequest): { policy: Policy | null; errors: RegoError[] } {
  const errors: RegoError[] = [];
  const modules: Module[] = [];
  for (const m of request.modules) {
    const r = parseModule(m.source, m.file);
    errors.push(...r.errors);
    if (r.module) modules.push(r.module);
  }
  if (errors.length > 0) return { policy: null, errors };

  const gen = new NameGen();
  const compiled = compileModules(modules, builtinLookup, gen);
  errors.push(...compiled.errors);

  const queries: { name: string; query: CompiledQuery }[] = [];
  for (const q of request.queries ?? []) {
    const parsed = parseQuery(q.query, "query.rego");
    if (parsed.errors.length > 0 || !parsed.body) {
      errors.push(...parsed.errors);
      continue;
    }
    const c = compileQuery(parsed.body, compiled.policy, builtinLookup, gen);
    errors.push(...c.errors);
    queries.push({ name: q.name, query: c.query });
  }
  if (errors.length > 0) return { policy: null, errors };

  return plan({ policy: compiled.policy, entrypoints: request.entrypoints, queries, builtins: builtinLookup });
}
