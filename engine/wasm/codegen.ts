/**
 * IR -> an OPA-ABI Wasm module: the runtime library (runtime/runtime.wasm) with
 * generated functions linked in. Stages: static data (data.ts), body lowering
 * (lower.ts), then here: linking, exports, optimisation.
 *
 * Linking works by name: the runtime imports `env.portcullis_eval/_builtins/
 * _entrypoints`; we replace those imports with generated functions, call runtime
 * helpers through their `rt_*`/`b_*` exports, then drop those exports so
 * `remove-unused-module-elements` strips whatever the policy does not use.
 */
import { readFile } from "node:fs/promises";
import type binaryen from "binaryen";
import type { Policy } from "../ir/types.js";
import { StaticData, align } from "./data.js";
import { CodegenError, FunctionLowering, SITE_GLOBAL, ownerOf, type LowerEnv } from "./lower.js";

export { CodegenError } from "./lower.js";

type Binaryen = typeof binaryen;

export interface CodegenOptions {
  /** ABI minor version to declare: 3 (default) or 2 use `opa_eval`; 1 forces the SDK's ctx path. */
  abiMinor?: number;
  /** Memoise rules per evaluation (default true; off only to measure or compare). */
  memoize?: boolean;
  /** Run binaryen's optimiser on the generated functions (default false: see link()). */
  optimize?: boolean;
}

let binaryenLoading: Promise<Binaryen> | undefined;
function loadBinaryen(): Promise<Binaryen> {
  binaryenLoading ??= import("binaryen").then((mod) => mod.default);
  return binaryenLoading;
}

let runtimeLoading: Promise<Uint8Array> | undefined;
/** The committed runtime, found next to this file in the source tree or from dist/. */
export function loadRuntime(): Promise<Uint8Array> {
  runtimeLoading ??= (async () => {
    const candidates = [
      new URL("./runtime/runtime.wasm", import.meta.url),
      new URL("../../../engine/wasm/runtime/runtime.wasm", import.meta.url),
    ];
    for (const url of candidates) {
      try {
        return new Uint8Array(await readFile(url));
      } catch {
        // try the next location
      }
    }
    throw new CodegenError("runtime.wasm not found; run engine/wasm/runtime/build.sh");
  })();
  return runtimeLoading;
}

/** Names of the ABI exports that stay; runtime helper exports are removed. */
const HELPER_EXPORT = /^(rt_|b_)/;

export async function generate(policy: Policy, options: CodegenOptions = {}): Promise<Uint8Array> {
  const b = await loadBinaryen();
  const m = b.readBinary(await loadRuntime());
  try {
    m.setFeatures(m.getFeatures() | b.Features.BulkMemory | b.Features.BulkMemoryOpt | b.Features.MutableGlobals | b.Features.SignExt);
    return link(b, m, policy, options);
  } finally {
    m.dispose();
  }
}

function link(b: Binaryen, m: binaryen.Module, policy: Policy, options: CodegenOptions): Uint8Array {
  const exportsByName = new Map<string, string>();
  for (let i = 0; i < m.getNumExports(); i++) {
    const info = b.getExportInfo(m.getExportByIndex(i));
    if (info.kind === b.ExternalFunction) exportsByName.set(info.name, info.value);
  }
  const importsByBase = new Map<string, string>();
  for (let i = 0; i < m.getNumFunctions(); i++) {
    const info = b.getFunctionInfo(m.getFunctionByIndex(i));
    if (info.module) importsByBase.set(info.base ?? "", info.name);
  }
  const rt = (name: string): string => {
    const internal = exportsByName.get(name);
    if (!internal) throw new CodegenError(`runtime lacks ${name}`);
    return internal;
  };

  // the runtime's data segments are kept; ours go after them
  const segments: binaryen.MemorySegment[] = [];
  let runtimeEnd = 0;
  // binaryen.js has these two at run time but not in its typings
  const seg = m as unknown as {
    getNumDataSegments(): number;
    getDataSegmentInfo(ref: number): { offset: number | null; data: ArrayBuffer; passive: boolean };
  };
  for (let i = 0; i < seg.getNumDataSegments(); i++) {
    const info = seg.getDataSegmentInfo(m.getDataSegmentByIndex(i));
    const data = new Uint8Array(info.data);
    const offset = info.offset ?? 0;
    segments.push({ offset: m.i32.const(offset), data, passive: info.passive });
    if (!info.passive) runtimeEnd = Math.max(runtimeEnd, offset + data.length);
  }
  const data = new StaticData(align(Math.max(runtimeEnd, 1024), 16));

  const hostIds = new Map<string, number>();
  const declaredImports = new Set<string>();
  const env: LowerEnv = {
    b, m, data, policy, rt,
    funcName: (name) => `ir:${name}`,
    hostBuiltin(name, arity) {
      let id = hostIds.get(name);
      if (id === undefined) {
        id = hostIds.size;
        hostIds.set(name, id);
      }
      const imp = `opa_builtin${arity}`;
      if (!declaredImports.has(imp)) {
        declaredImports.add(imp);
        m.addFunctionImport(imp, "env", imp, b.createType(Array(arity + 2).fill(b.i32)), b.i32);
      }
      return { id, import: imp };
    },
  };

  m.addGlobal(SITE_GLOBAL, b.i32, true, m.i32.const(0));
  m.addGlobalExport(SITE_GLOBAL, SITE_GLOBAL);

  const i32s = (n: number) => b.createType(Array(n).fill(b.i32));
  const generated: string[] = [];
  for (const f of policy.funcs.funcs) {
    const low = new FunctionLowering(env, f.params, ownerOf(f));
    const body = low.blocks(f.blocks);
    // the return local may never have been mentioned in the body
    const ret = m.local.get(low.localIndex(f.return), b.i32);
    const memo = f.params.length === 2 && options.memoize !== false;
    const name = memo ? `${env.funcName(f.name)}$body` : env.funcName(f.name);
    m.addFunction(name, i32s(f.params.length), b.i32, low.vars, m.block(null, [body, m.return(ret)]));
    generated.push(name);
    if (memo) addMemoized(b, m, env.funcName(f.name), name, data.memoEntry(), rt("rt_eval_gen"));
  }
  const planNames: string[] = [];
  policy.plans.plans.forEach((p, i) => {
    const low = new FunctionLowering(env, [0, 1], { label: p.name, kind: "query" });
    const body = low.blocks(p.blocks);
    const name = `plan:${i}`;
    planNames.push(name);
    generated.push(name);
    m.addFunction(name, i32s(2), b.none, low.vars, body);
  });

  // portcullis_eval(entrypoint, input, data): dispatch on the entrypoint id
  const get = (i: number) => m.local.get(i, b.i32);
  const dispatch = planNames.map((name, id) =>
    m.if(m.i32.eq(get(0), m.i32.const(id)), m.block(null, [m.call(name, [get(1), get(2)], b.none), m.return()])),
  );
  replaceImport(m, importsByBase, "portcullis_eval", i32s(3), b.none, [], m.block(null, dispatch.length ? dispatch : [m.nop()]));

  const entrypoints: Record<string, number> = {};
  policy.plans.plans.forEach((p, i) => (entrypoints[p.name] = i));
  const builtins: Record<string, number> = {};
  for (const [name, id] of hostIds) builtins[name] = id;
  for (const [base, value] of [["portcullis_entrypoints", entrypoints], ["portcullis_builtins", builtins]] as const) {
    const json = data.utf8(JSON.stringify(value));
    replaceImport(m, importsByBase, base, b.none, b.i32, [],
      m.call(rt("rt_json_parse"), [m.i32.const(json.addr), m.i32.const(json.len)], b.i32));
  }

  // the heap starts after all static data
  const start = m.addFunction("portcullis:start", b.none, b.none, [],
    m.call(rt("opa_heap_ptr_set"), [m.i32.const(data.end)], b.none));
  m.setStart(start);

  m.addGlobal("opa_wasm_abi_version", b.i32, false, m.i32.const(1));
  m.addGlobalExport("opa_wasm_abi_version", "opa_wasm_abi_version");
  m.addGlobal("opa_wasm_abi_minor_version", b.i32, false, m.i32.const(options.abiMinor ?? 3));
  m.addGlobalExport("opa_wasm_abi_minor_version", "opa_wasm_abi_minor_version");

  segments.push({ offset: m.i32.const(data.base), data: data.bytes, passive: false });
  const memInfo = m.getMemoryInfo("mimport$0");
  const pages = Math.max(memInfo.initial, Math.ceil(data.end / 65536));
  m.setMemory(pages, -1, null, segments, false, false, "mimport$0"); // the runtime already exports it
  // setMemory redefines the memory as a module-defined one; turn it back into the
  // env.memory import the SDK supplies
  m.addMemoryImport("mimport$0", "env", "memory");

  for (const name of exportsByName.keys()) if (HELPER_EXPORT.test(name)) m.removeExport(name);

  if (!m.validate()) throw new CodegenError("generated module does not validate");
  if (options.optimize === true) {
    // Off by default. The runtime arrives optimised (asc -O3); re-optimising the whole
    // module cost ~5x the rest of codegen, cross-module inlining 3x more, and even
    // optimising only the generated functions doubles compile time (1.4 s cold for the
    // policy library's 220 functions) for no measurable evaluation gain: V8's own tiers
    // optimise this code anyway (guardrail and policies/ decisions within noise). What
    // it buys is ~6% smaller modules.
    b.setOptimizeLevel(2);
    b.setShrinkLevel(1);
    for (const f of generated) m.optimizeFunction(f);
  }
  m.runPasses(["remove-unused-module-elements"]);
  return m.emitBinary();
}

/**
 * Rules (functions of input and data only) are memoised per evaluation, as OPA's own
 * Wasm does: a rule read twice (`count(deny)`, then `sort(deny)`) is computed once.
 * The entry is keyed by the argument pointers as well, so a rule evaluated under
 * `with` (new input or data values) is recomputed; pointers are identities here,
 * because nothing is freed during an evaluation and values are never mutated.
 */
function addMemoized(b: Binaryen, m: binaryen.Module, name: string, body: string, entry: number, gen: string): void {
  const at = (off: number) => m.i32.load(off, 4, m.i32.const(entry));
  const arg = (i: number) => m.local.get(i, b.i32);
  const current = m.i32.and(
    m.i32.eq(at(0), m.call(gen, [], b.i32)),
    m.i32.and(m.i32.eq(at(4), arg(0)), m.i32.eq(at(8), arg(1))),
  );
  m.addFunction(name, b.createType([b.i32, b.i32]), b.i32, [b.i32], m.block(null, [
    m.if(current, m.return(at(12))),
    m.local.set(2, m.call(body, [arg(0), arg(1)], b.i32)),
    m.i32.store(4, 4, m.i32.const(entry), arg(0)),
    m.i32.store(8, 4, m.i32.const(entry), arg(1)),
    m.i32.store(12, 4, m.i32.const(entry), m.local.get(2, b.i32)),
    m.i32.store(0, 4, m.i32.const(entry), m.call(gen, [], b.i32)),
    m.return(m.local.get(2, b.i32)),
  ]));
}

function replaceImport(
  m: binaryen.Module, imports: Map<string, string>, base: string,
  params: number, results: number, vars: number[], body: number,
): void {
  const name = imports.get(base);
  if (!name) throw new CodegenError(`runtime does not import ${base}`);
  m.removeFunction(name);
  m.addFunction(name, params, results, vars, body);
}
