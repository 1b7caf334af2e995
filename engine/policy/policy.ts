/**
 * The engine's policy API over Wasm: compile (Rego or IR -> module bytes), load (via
 * the official SDK `@open-policy-agent/opa-wasm`, with our TypeScript builtins as its
 * `customBuiltins`), evaluate, setData.
 *
 * Loading goes through the SDK so anything it accepts (ours, `opa build -t wasm`) loads
 * the same way. Evaluation then drives the module's exports directly, following the
 * SDK's own two paths (opa_eval for ABI >= 1.2, the eval-context calls before), because
 * the SDK's `evaluate` reads results with JSON.parse, which rounds big numbers and
 * treats a falsy input as no input.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as sdkModule from "@open-policy-agent/opa-wasm";
import type { Location } from "../errors.js";
import type { Policy as IRPolicy } from "../ir/types.js";
import type { Value } from "../values/index.js";
import { CodegenError, generate, type CodegenOptions } from "../wasm/codegen.js";
import { decode, encode } from "./bridge.js";
import { PolicyError, fromAbortMessage } from "./errors.js";
import { needsRegoText, readResultSet, toJSONText, toRegoValueText } from "./io.js";

export { PolicyError, type PolicyErrorCode } from "./errors.js";

/** The slice of the WebAssembly JS API we use (tsconfig has no DOM lib). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemory;
  instantiate(bytes: Uint8Array | ArrayBuffer, imports: object): Promise<{ instance: { exports: unknown } }>;
  RuntimeError: new (...a: unknown[]) => Error;
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The SDK's LoadedPolicy fields we drive directly (see the file comment). */
interface SdkPolicy {
  minorVersion: number;
  mem: WasmMemory;
  wasmInstance: { exports: unknown };
  dataAddr: number;
  baseHeapPtr: number;
  dataHeapPtr: number;
  entrypoints: Record<string, number>;
}
type SdkLoad = (wasm: Uint8Array | ArrayBuffer, mem: { initial: number }, custom: Record<string, unknown>) => Promise<SdkPolicy>;
// a CommonJS module: its exports arrive as the default export under ESM
const sdkLoadPolicy: SdkLoad = ((sdkModule as unknown as { default?: { loadPolicy: SdkLoad } }).default?.loadPolicy ??
  (sdkModule as unknown as { loadPolicy: SdkLoad }).loadPolicy);

/** IR -> Wasm module bytes. */
export async function compileWasm(policy: IRPolicy, options: CodegenOptions = {}): Promise<Uint8Array> {
  try {
    return await generate(policy, options);
  } catch (e) {
    if (e instanceof CodegenError) throw new PolicyError("codegen_error", e.message);
    throw e;
  }
}

export interface CompileRequest {
  modules: { file: string; source: string }[];
  /** e.g. `portcullis/decision` (or `data.portcullis.decision`). */
  entrypoints: string[];
  /** Reserved: data is supplied at load time (`loadPolicy(wasm, {data})`). */
  data?: unknown;
}

/** Rego -> Wasm module bytes, through the planner (`engine/pipeline.ts`). */
export async function compile(req: CompileRequest, options: CodegenOptions = {}): Promise<Uint8Array> {
  let pipeline: { buildIR(r: unknown): { policy?: IRPolicy; errors: { code: string; message: string }[] } };
  try {
    // loaded lazily: the planner lands separately and is large
    pipeline = await import("../pipeline.js" as string);
  } catch {
    throw new PolicyError("compile_error", "the Rego planner (engine/pipeline.ts) is not available");
  }
  const entrypoints = req.entrypoints.map((e) => e.replace(/^data\./, "").replace(/\./g, "/"));
  const out = pipeline.buildIR({ modules: req.modules, entrypoints });
  if (out.errors.length > 0 || !out.policy) {
    const errors = out.errors as PolicyError["errors"];
    throw new PolicyError("compile_error", errors.map((e) => e.message).join("; ") || "no IR produced", errors[0]?.location, errors);
  }
  return compileWasm(out.policy, options);
}

export interface LoadOptions {
  data?: unknown;
  /** Strict builtin errors: a failing builtin fails the evaluation instead of being undefined. */
  strictBuiltinErrors?: boolean;
  /** Initial memory in 64 KiB pages (default 5, the SDK's). */
  memoryPages?: number;
  print?: (msg: string) => void;
  /** Extra host builtins by name; they take precedence over the TypeScript library. */
  builtins?: Record<string, HostBuiltin>;
}

/** A host builtin: undefined result means undefined; errors are thrown or returned. */
export type HostBuiltin = (args: Value[], ctx: { strict: boolean; nowNs: bigint; print(msg: string): void }) => Value | undefined | Error;

export interface LoadedPolicy {
  /** Entrypoint name -> id, as the module declares them. */
  readonly entrypoints: Readonly<Record<string, number>>;
  /** Host builtins the module delegates, name -> id. */
  readonly builtins: Readonly<Record<string, number>>;
  /**
   * Evaluates an entrypoint (default: id 0) and returns the result set: one
   * `{"result": value}` object per result, empty when undefined. `input` undefined
   * means no input; anything else (even `false`) is the input.
   */
  evaluate(input?: unknown, entrypoint?: string | number): Value[];
  /** Replaces `data` for subsequent evaluations. */
  setData(data: unknown): void;
}

type Exports = Record<string, (...args: number[]) => number>;

interface BuiltinModule {
  getBuiltin(name: string): { arity: number; fn(args: Value[], ctx: unknown): Value | undefined } | undefined;
}

async function tsBuiltins(): Promise<BuiltinModule | undefined> {
  try {
    return (await import("../builtins/index.js" as string)) as BuiltinModule;
  } catch {
    return undefined; // the builtins library has not landed: the SDK's own still work
  }
}

export async function loadPolicy(wasm: Uint8Array | ArrayBuffer, options: LoadOptions = {}): Promise<LoadedPolicy> {
  const strict = options.strictBuiltinErrors ?? false;
  // the clock is read once per evaluation; the bigint is made only when a builtin asks
  const state = { nowMs: 0 };
  const ctx = {
    strict,
    get nowNs() {
      return BigInt(state.nowMs) * 1_000_000n;
    },
    print: options.print ?? ((msg: string) => console.log(msg)),
  };

  // set once the instance exists: where the failing host call is (see lower.ts SITE_GLOBAL)
  let callSite = (): Location | undefined => undefined;

  // The module's builtins() map says which host builtins it needs; we wrap ours.
  const names = await declaredBuiltins(wasm);
  const lib = await tsBuiltins();
  const custom: Record<string, (...args: unknown[]) => unknown> = {};
  for (const name of names) {
    const fn: HostBuiltin | undefined = options.builtins?.[name] ?? lib?.getBuiltin(name)?.fn;
    if (!fn) continue;
    custom[name] = (...args: unknown[]) => {
      let out: unknown;
      try {
        out = fn(args.map(decode), ctx);
      } catch (e) {
        out = e;
      }
      if (isBuiltinError(out)) {
        if (strict) throw new PolicyError(out.code === "eval_type_error" ? "eval_type_error" : "eval_builtin_error", out.message, callSite());
        return undefined;
      }
      if (out instanceof Error) throw out;
      return out === undefined ? undefined : encode(out as Value);
    };
  }

  unshadowSdkBuiltins(Object.keys(custom));
  let sdk: SdkPolicy;
  try {
    sdk = await sdkLoadPolicy(wasm, { initial: options.memoryPages ?? 5 }, custom);
  } catch (e) {
    throw new PolicyError("load_error", `cannot load the Wasm module: ${describe(e)}`);
  }
  const x = sdk.wasmInstance.exports as Exports;
  const mem = sdk.mem;
  const builtinIds = readValue(x, mem, x.builtins!()) as Record<string, number>;
  const site = (x as unknown as Record<string, { value: number } | undefined>).portcullis_site;
  callSite = () => {
    if (!site || site.value === 0) return undefined;
    const m = /^(.*):(\d+):(\d+)$/.exec(readCString(new Uint8Array(mem.buffer), site.value));
    return m ? { file: m[1]!, row: Number(m[2]), col: Number(m[3]) } : undefined;
  };

  const dumpExact = (x as Record<string, unknown>).portcullis_dump_exact as (() => number) | undefined;
  const encoder = new TextEncoder();
  let view = new Uint8Array(mem.buffer);
  /** A view of the memory, renewed when growth replaced the buffer. */
  const bytes = (): Uint8Array => (view.buffer === mem.buffer ? view : (view = new Uint8Array(mem.buffer)));
  /** Writes `text` as UTF-8 at `addr`, growing the memory first; returns the byte length. */
  const writeText = (text: string, addr: number): number => {
    // UTF-8 takes at most 3 bytes per UTF-16 unit
    const need = addr + text.length * 3 - mem.buffer.byteLength;
    if (need > 0) mem.grow(Math.ceil(need / 65536));
    return encoder.encodeInto(text, bytes().subarray(addr)).written;
  };
  /** Parses a value into the module: as JSON, or as Rego value text when it holds sets. */
  const parseInto = (value: unknown): number => {
    const asRego = needsRegoText(value);
    const text = asRego ? toRegoValueText(value as Value) : toJSONText(value);
    const addr = x.opa_malloc!(text.length * 3);
    const len = writeText(text, addr);
    const v = asRego ? x.opa_value_parse!(addr, len) : x.opa_json_parse!(addr, len);
    if (v === 0) throw new PolicyError("invalid_json", "the module could not parse the value");
    return v;
  };
  const known = new Set(Object.values(sdk.entrypoints));

  const policy: LoadedPolicy = {
    entrypoints: sdk.entrypoints,
    builtins: builtinIds,
    evaluate(input?: unknown, entrypoint: string | number = 0): Value[] {
      const ep = typeof entrypoint === "number" ? entrypoint : sdk.entrypoints[entrypoint];
      if (ep === undefined || !known.has(ep)) {
        throw new PolicyError("unknown_entrypoint", `entrypoint ${String(entrypoint)} is not in this policy`);
      }
      state.nowMs = Date.now();
      try {
        let out: number;
        // opa_eval reads its input as JSON only; an input with sets takes the ctx path.
        if (sdk.minorVersion >= 2 && !needsRegoText(input)) {
          // opa_eval parses the input itself from bytes at the data heap top
          const inputAddr = input === undefined ? 0 : sdk.dataHeapPtr;
          const inputLen = input === undefined ? 0 : writeText(toJSONText(input), inputAddr);
          out = x.opa_eval!(0, ep, sdk.dataAddr, inputAddr, inputLen, sdk.dataHeapPtr + inputLen, 0);
        } else {
          x.opa_heap_ptr_set!(sdk.dataHeapPtr);
          const inputAddr = input === undefined ? 0 : parseInto(input);
          const c = x.opa_eval_ctx_new!();
          x.opa_eval_ctx_set_input!(c, inputAddr);
          x.opa_eval_ctx_set_data!(c, sdk.dataAddr);
          x.opa_eval_ctx_set_entrypoint!(c, ep);
          x.eval!(c);
          out = x.opa_json_dump!(x.opa_eval_ctx_get_result!(c));
        }
        return readResultSet(readCString(bytes(), out), dumpExact !== undefined && dumpExact() !== 0);
      } catch (e) {
        throw asPolicyError(e);
      }
    },
    setData(data: unknown): void {
      try {
        x.opa_heap_ptr_set!(sdk.baseHeapPtr);
        sdk.dataAddr = parseInto(data);
        sdk.dataHeapPtr = x.opa_heap_ptr_get!();
      } catch (e) {
        throw asPolicyError(e);
      }
    },
  };
  if (options.data !== undefined) policy.setData(options.data);
  return policy;
}

/**
 * The SDK consults its own small builtin table (sprintf, regex.*, json.*, yaml.*)
 * before `customBuiltins`; those follow JavaScript semantics (RegExp, not RE2; not Go's
 * fmt) and read our exact bridged values as plain objects. Removing the names we
 * implement from that table makes ours win. The table is process-wide SDK state; our
 * wrappers also accept plain (untagged) JSON, so modules built by OPA keep working.
 */
function unshadowSdkBuiltins(names: string[]): void {
  if (names.length === 0) return;
  try {
    const req = createRequire(import.meta.url);
    const table = req(join(dirname(req.resolve("@open-policy-agent/opa-wasm")), "builtins", "index.js")) as Record<string, unknown>;
    for (const n of names) delete table[n];
  } catch {
    // a different SDK layout: its builtins stay in charge of those names
  }
}

/** Reads the builtins() map of a module without the SDK (which needs the imports first). */
async function declaredBuiltins(wasm: Uint8Array | ArrayBuffer): Promise<string[]> {
  const mem = new Wasm.Memory({ initial: 5 });
  const fail = () => {
    throw new Error("unexpected call while reading builtins()");
  };
  try {
    const { instance } = await Wasm.instantiate(wasm, {
      env: { memory: mem, opa_abort: fail, opa_println: fail, opa_builtin0: fail, opa_builtin1: fail, opa_builtin2: fail, opa_builtin3: fail, opa_builtin4: fail },
    });
    const x = instance.exports as unknown as Exports;
    return Object.keys(readValue(x, mem, x.builtins!()) as object);
  } catch (e) {
    throw new PolicyError("load_error", `cannot load the Wasm module: ${describe(e)}`);
  }
}

function readValue(x: Exports, mem: WasmMemory, addr: number): unknown {
  return JSON.parse(readCString(new Uint8Array(mem.buffer), x.opa_json_dump!(addr)));
}

const decoder = new TextDecoder();

function readCString(u8: Uint8Array, addr: number): string {
  const end = u8.indexOf(0, addr);
  return decoder.decode(u8.subarray(addr, end < 0 ? u8.length : end));
}

function isBuiltinError(x: unknown): x is { code: string; message: string } {
  return x instanceof Error && typeof (x as { code?: unknown }).code === "string" && (x as { name?: string }).name === "BuiltinError";
}

function asPolicyError(e: unknown): PolicyError {
  if (e instanceof PolicyError) return e;
  if (typeof e === "string") return fromAbortMessage(e); // opa_abort, thrown by the SDK's import
  if (e instanceof Wasm.RuntimeError) return new PolicyError("eval_error", `wasm trap: ${e.message}`);
  return new PolicyError("eval_error", describe(e));
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === "object" && e !== null && "message" in e) return String((e as { message: unknown }).message);
  return String(e);
}
