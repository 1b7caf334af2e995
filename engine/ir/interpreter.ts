/**
 * The IR interpreter: runs a plan of a Policy in TypeScript. It is the oracle the Wasm
 * backend is tested against and runs the conformance suite; clarity and exact errors
 * matter more than speed, but nothing here is quadratic in the size of the data.
 *
 * Control flow. Every Block run reports how it ended as a number, `Flow`:
 *   DONE (-1)    it ran to its end;
 *   RETURN (-2)  a ReturnLocal ended the whole function;
 *   n >= 0       it was left early, and n more enclosing blocks must be left too.
 * An undefined statement is "leave this block" (0); `Break{index}` is `index`. Each
 * construct that owns nested blocks (BlockStmt, Not, Scan, With) absorbs one level.
 *
 * Values are shared, never copied, except where the IR mutates (With copies the path it
 * replaces; Array/Object/Set builders mutate only what Make* created in the same frame).
 */
import { regoError, RegoFailure, type Location, type RegoError } from "../errors.js";
import { RNumber, RObject, RSet, equal, keyOf, type Value } from "../values/index.js";
import { getBuiltin, type BuiltinContext } from "../builtins/index.js";
import type { Block, Func, Local, Operand, Policy, Stmt } from "./types.js";
import { DATA_LOCAL, INPUT_LOCAL } from "./types.js";
import { stmtLocation } from "./validate.js";

export interface EvalOptions {
  /** Absent means `input` is undefined (local 0 unset), not null. */
  input?: Value;
  data?: Value;
  /** Builtin errors fail the evaluation instead of making the call undefined. */
  strictBuiltinErrors?: boolean;
  /** `time.now_ns()` for the whole evaluation; defaults to the wall clock at the start. */
  nowNs?: bigint;
  print?: (msg: string) => void;
  /** Wall-clock budget; past it the evaluation stops with `eval_cancel_error`. */
  timeoutMs?: number;
}

export type EvalResult = { results: Value[] } | { error: RegoError };

/** A nesting limit well below what overflows the JS stack; Rego forbids recursion, so only broken plans reach it. */
const MAX_CALL_DEPTH = 1000;
/** How many statements run between deadline checks (Date.now is not free). */
const DEADLINE_EVERY = 1024;

type Flow = number;
const DONE: Flow = -1;
const RETURN: Flow = -2;
const UNDEF: Flow = 0;

/** One activation of a plan or function; all its blocks share the locals. */
interface Frame {
  locals: (Value | undefined)[];
  /** The function being run, or undefined in a plan; names conflict errors. */
  func: Func | undefined;
  returned: Value | undefined;
}

/**
 * Memo of no-argument rule functions. A rule is a pure function of its (input, data)
 * params, so entries are keyed by the identity of those two values: `With` installs new
 * objects (it copies, never mutates), which invalidates exactly the entries it must, and
 * the original documents find their entries again once the with-block restores them.
 */
type Memo = Map<string, MemoEntry[]>;
interface MemoEntry {
  input: Value | undefined;
  data: Value | undefined;
  result: Value | undefined;
}
/** Entries kept per rule: enough for nested withs, bounded for withs inside loops. */
const MEMO_WAYS = 8;

export function evaluate(policy: Policy, planName: string, options: EvalOptions = {}): EvalResult {
  const plan = policy?.plans?.plans?.find((p) => p.name === planName);
  if (!plan) return { error: regoError("internal_error", `no plan named ${JSON.stringify(planName)}`) };
  try {
    const machine = new Machine(policy, options);
    const frame: Frame = { locals: [], func: undefined, returned: undefined };
    if (options.input !== undefined) frame.locals[INPUT_LOCAL] = options.input;
    frame.locals[DATA_LOCAL] = options.data === undefined ? new RObject() : options.data;
    machine.runBlocks(frame, plan.blocks);
    return { results: machine.results };
  } catch (e) {
    if (e instanceof RegoFailure) return { error: e.error };
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      return { error: regoError("internal_error", "evaluation exceeded the maximum call depth") };
    }
    const message = e instanceof Error ? e.message : String(e);
    return { error: regoError("internal_error", `IR interpreter: ${message}`) };
  }
}

/** OPA's one-line form of an evaluation error: `file:row: code: message` (no column). */
export function formatEvalError(error: RegoError): string {
  const where = error.location ? `${error.location.file}:${error.location.row}: ` : "";
  return `${where}${error.code}: ${error.message}`;
}

class Machine {
  readonly results: Value[] = [];
  private readonly resultKeys = new Set<string>();
  private readonly funcs = new Map<string, Func>();
  private readonly byPath = new Map<string, Func>();
  private readonly strings: string[];
  private readonly numbers = new Map<number, RNumber | null>();
  private readonly builtinCtx: BuiltinContext;
  private readonly strict: boolean;
  private readonly deadline: number | undefined;
  private ticks = 0;
  private depth = 0;
  private readonly memo: Memo = new Map();

  constructor(
    private readonly policy: Policy,
    options: EvalOptions,
  ) {
    for (const fn of policy.funcs?.funcs ?? []) {
      this.funcs.set(fn.name, fn);
      if (fn.path) this.byPath.set(pathKey(fn.path), fn);
    }
    this.strings = (policy.static?.strings ?? []).map((s) => s.value);
    this.strict = options.strictBuiltinErrors ?? false;
    this.builtinCtx = {
      strict: this.strict,
      nowNs: options.nowNs ?? BigInt(Date.now()) * 1_000_000n,
      print: options.print ?? (() => {}),
    };
    this.deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
  }

  /** A plan's or function's top-level blocks: each runs whatever the previous one did. */
  runBlocks(frame: Frame, blocks: Block[]): void {
    for (const b of blocks) {
      if (this.runBlock(frame, b) === RETURN) return;
    }
  }

  private runBlock(frame: Frame, block: Block): Flow {
    for (const s of block.stmts) {
      const flow = this.step(frame, s);
      if (flow !== DONE) return flow;
    }
    return DONE;
  }

  /** Runs one statement; DONE means "go on with the next statement of this block". */
  private step(frame: Frame, s: Stmt): Flow {
    if (this.deadline !== undefined && ++this.ticks % DEADLINE_EVERY === 0 && Date.now() > this.deadline) {
      this.fail("eval_cancel_error", "caller cancelled query execution (timeout)", s);
    }
    const L = frame.locals;
    const get = (o: Operand) => this.operand(frame, o, s);
    switch (s.type) {
      case "BlockStmt": {
        for (const b of s.stmt.blocks) {
          const flow = this.runBlock(frame, b);
          if (flow === RETURN) return RETURN;
          if (flow > 0) return flow - 1;
        }
        return DONE;
      }
      case "BreakStmt":
        return s.stmt.index;
      case "NotStmt": {
        const flow = this.runBlock(frame, s.stmt.block);
        if (flow === DONE) return UNDEF;
        if (flow === UNDEF) return DONE;
        return flow === RETURN ? RETURN : flow - 1;
      }
      case "ScanStmt":
        return this.scan(frame, s.stmt.source, s.stmt.key, s.stmt.value, s.stmt.block);
      case "WithStmt":
        return this.with(frame, s.stmt.local, s.stmt.path, get(s.stmt.value), s.stmt.block, s);
      case "ReturnLocalStmt":
        frame.returned = L[s.stmt.source];
        return RETURN;
      case "ResultSetAddStmt": {
        const v = L[s.stmt.value];
        if (v === undefined) return UNDEF;
        const k = keyOf(v);
        if (!this.resultKeys.has(k)) {
          this.resultKeys.add(k);
          this.results.push(v);
        }
        return DONE;
      }
      case "NopStmt":
        return DONE;
      case "CallStmt": {
        const args = s.stmt.args.map(get);
        const result = this.call(s.stmt.func, args, s);
        if (result === undefined) return UNDEF;
        L[s.stmt.result] = result;
        return DONE;
      }
      case "CallDynamicStmt":
        return this.callDynamic(frame, s);
      case "EqualStmt": {
        const a = get(s.stmt.a);
        const b = get(s.stmt.b);
        return a !== undefined && b !== undefined && equal(a, b) ? DONE : UNDEF;
      }
      case "NotEqualStmt": {
        const a = get(s.stmt.a);
        const b = get(s.stmt.b);
        return a !== undefined && b !== undefined && !equal(a, b) ? DONE : UNDEF;
      }
      case "IsArrayStmt":
        return Array.isArray(get(s.stmt.source)) ? DONE : UNDEF;
      case "IsObjectStmt":
        return get(s.stmt.source) instanceof RObject ? DONE : UNDEF;
      case "IsSetStmt":
        return get(s.stmt.source) instanceof RSet ? DONE : UNDEF;
      case "IsDefinedStmt":
        return L[s.stmt.source] !== undefined ? DONE : UNDEF;
      case "IsUndefinedStmt":
        return L[s.stmt.source] === undefined ? DONE : UNDEF;
      case "DotStmt": {
        const src = get(s.stmt.source);
        const key = get(s.stmt.key);
        if (src === undefined || key === undefined) return UNDEF;
        const v = dot(src, key);
        if (v === undefined) return UNDEF;
        L[s.stmt.target] = v;
        return DONE;
      }
      case "LenStmt": {
        const src = get(s.stmt.source);
        const n = src === undefined ? undefined : length(src);
        if (n === undefined) return UNDEF;
        L[s.stmt.target] = RNumber.fromInt(n);
        return DONE;
      }
      case "AssignVarStmt": {
        const v = get(s.stmt.source);
        if (v === undefined) return UNDEF;
        L[s.stmt.target] = v;
        return DONE;
      }
      case "AssignVarOnceStmt": {
        const v = get(s.stmt.source);
        if (v === undefined) return UNDEF;
        const old = L[s.stmt.target];
        if (old !== undefined && !equal(old, v)) this.conflict(frame, s);
        L[s.stmt.target] = v;
        return DONE;
      }
      case "AssignIntStmt":
      case "MakeNumberIntStmt":
        L[s.stmt.target] = RNumber.fromInt(s.stmt.value);
        return DONE;
      case "MakeNumberRefStmt":
        L[s.stmt.target] = this.number(s.stmt.index, s);
        return DONE;
      case "ResetLocalStmt":
        L[s.stmt.target] = undefined;
        return DONE;
      case "MakeNullStmt":
        L[s.stmt.target] = null;
        return DONE;
      case "MakeArrayStmt":
        L[s.stmt.target] = [];
        return DONE;
      case "MakeObjectStmt":
        L[s.stmt.target] = new RObject();
        return DONE;
      case "MakeSetStmt":
        L[s.stmt.target] = new RSet();
        return DONE;
      case "ArrayAppendStmt": {
        const arr = L[s.stmt.array];
        const v = get(s.stmt.value);
        if (v === undefined || arr === undefined) return UNDEF;
        if (!Array.isArray(arr)) this.fail("internal_error", `ArrayAppend to a non-array local %${s.stmt.array}`, s);
        arr.push(v);
        return DONE;
      }
      case "ObjectInsertStmt":
      case "ObjectInsertOnceStmt": {
        const obj = L[s.stmt.object];
        const k = get(s.stmt.key);
        const v = get(s.stmt.value);
        if (obj === undefined || k === undefined || v === undefined) return UNDEF;
        if (!(obj instanceof RObject)) this.fail("internal_error", `ObjectInsert into a non-object local %${s.stmt.object}`, s);
        if (s.type === "ObjectInsertOnceStmt") {
          const old = obj.get(k);
          if (old !== undefined && !equal(old, v)) this.keyConflict(frame, s);
        }
        obj.set(k, v);
        return DONE;
      }
      case "ObjectMergeStmt": {
        const a = L[s.stmt.a];
        const b = L[s.stmt.b];
        if (a === undefined || b === undefined) return UNDEF;
        L[s.stmt.target] = merge(a, b);
        return DONE;
      }
      case "SetAddStmt": {
        const set = L[s.stmt.set];
        const v = get(s.stmt.value);
        if (set === undefined || v === undefined) return UNDEF;
        if (!(set instanceof RSet)) this.fail("internal_error", `SetAdd into a non-set local %${s.stmt.set}`, s);
        set.add(v);
        return DONE;
      }
      default:
        return this.fail("internal_error", `unknown IR statement ${String((s as { type: unknown }).type)}`, s);
    }
  }

  private operand(frame: Frame, o: Operand, s: Stmt): Value | undefined {
    switch (o.type) {
      case "local":
        return frame.locals[o.value];
      case "bool":
        return o.value;
      case "string_index":
        return this.string(o.value, s);
      default:
        return this.fail("internal_error", `unknown operand type ${String((o as { type: unknown }).type)}`, s);
    }
  }

  private string(index: number, s: Stmt): string {
    const v = this.strings[index];
    if (v === undefined) this.fail("internal_error", `string index ${index} out of range`, s);
    return v;
  }

  /** Parsed once per evaluation: plans re-run MakeNumberRef inside loops. */
  private number(index: number, s: Stmt): RNumber {
    let n = this.numbers.get(index);
    if (n === undefined) {
      n = RNumber.parse(this.string(index, s));
      this.numbers.set(index, n);
    }
    if (n === null) this.fail("internal_error", `MakeNumberRef: ${JSON.stringify(this.strings[index])} is not a number`, s);
    return n;
  }

  private scan(frame: Frame, source: Local, key: Local, value: Local, block: Block): Flow {
    const src = frame.locals[source];
    // Snapshot first: the block may add to the collection it scans (e.g. a set being built).
    let entries: readonly (readonly [Value, Value])[];
    if (Array.isArray(src)) entries = src.map((v, i) => [RNumber.fromInt(i), v] as const);
    else if (src instanceof RObject) entries = src.entries();
    else if (src instanceof RSet) entries = src.values().map((v) => [v, v] as const);
    else return UNDEF;
    if (entries.length === 0) return UNDEF;
    for (const [k, v] of entries) {
      frame.locals[key] = k;
      frame.locals[value] = v;
      const flow = this.runBlock(frame, block);
      if (flow === RETURN) return RETURN;
      if (flow > 0) return flow - 1;
    }
    return DONE;
  }

  private with(frame: Frame, local: Local, path: number[], value: Value | undefined, block: Block, s: Stmt): Flow {
    if (value === undefined) return UNDEF;
    const keys = path.map((i) => this.string(i, s));
    const saved = frame.locals[local];
    frame.locals[local] = upsert(saved, keys, value);
    try {
      const flow = this.runBlock(frame, block);
      if (flow === RETURN) return RETURN;
      return flow > 0 ? flow - 1 : DONE;
    } finally {
      frame.locals[local] = saved;
    }
  }

  /**
   * Plan functions receive undefined arguments as they are: an absent `input` must not
   * stop rules that never read it. Builtins are only called with defined arguments.
   */
  private call(name: string, args: (Value | undefined)[], s: Stmt): Value | undefined {
    const fn = this.funcs.get(name);
    if (fn) return this.invoke(fn, args, s);
    if (args.some((a) => a === undefined)) return undefined;
    return this.callBuiltin(name, args as Value[], s);
  }

  /** Runs a plan function; no-argument rules (params = input, data) are memoised. */
  private invoke(fn: Func, args: (Value | undefined)[], s: Stmt): Value | undefined {
    if (args.length !== fn.params.length) {
      this.fail("internal_error", `${fn.name} takes ${fn.params.length} arguments, got ${args.length}`, s);
    }
    const memoisable = fn.params.length === 2;
    if (memoisable) {
      const hit = this.memo.get(fn.name)?.find((e) => e.input === args[0] && e.data === args[1]);
      if (hit) return hit.result;
    }
    if (++this.depth > MAX_CALL_DEPTH) {
      this.fail("internal_error", `call depth exceeds ${MAX_CALL_DEPTH} (recursive plan?) calling ${fn.name}`, s);
    }
    const frame: Frame = { locals: [], func: fn, returned: undefined };
    fn.params.forEach((p, i) => (frame.locals[p] = args[i]));
    try {
      let returned = false;
      for (const b of fn.blocks) {
        if (this.runBlock(frame, b) === RETURN) {
          returned = true;
          break;
        }
      }
      const result = returned ? frame.returned : frame.locals[fn.return];
      if (memoisable) {
        let entries = this.memo.get(fn.name);
        if (!entries) this.memo.set(fn.name, (entries = []));
        if (entries.length >= MEMO_WAYS) entries.shift();
        entries.push({ input: args[0], data: args[1], result });
      }
      return result;
    } finally {
      this.depth--;
    }
  }

  private callBuiltin(name: string, args: Value[], s: Stmt): Value | undefined {
    const builtin = getBuiltin(name);
    if (!builtin) return this.fail("internal_error", `unknown function ${name}`, s);
    let result: unknown;
    try {
      result = builtin.fn(args, this.builtinCtx);
    } catch (e) {
      if (e instanceof RegoFailure) throw e;
      const be = asBuiltinError(e);
      if (!be) {
        const message = e instanceof Error ? e.message : String(e);
        return this.fail("eval_builtin_error", `${name}: ${message}`, s);
      }
      result = be;
    }
    const be = asBuiltinError(result);
    if (be) {
      if (!this.strict && be.code !== "eval_cancel_error") return undefined;
      const message = be.message.startsWith(`${name}: `) ? be.message : `${name}: ${be.message}`;
      return this.fail(be.code, message, s);
    }
    return result === undefined ? undefined : (result as Value);
  }

  private callDynamic(frame: Frame, s: Stmt & { type: "CallDynamicStmt" }): Flow {
    const parts: string[] = [];
    for (const p of s.stmt.path) {
      const v = this.operand(frame, p, s);
      if (typeof v !== "string") return UNDEF;
      parts.push(v);
    }
    const fn = this.byPath.get(pathKey(parts));
    if (!fn) return UNDEF;
    const args = s.stmt.args.map((l) => frame.locals[l]);
    const result = this.invoke(fn, args, s);
    if (result === undefined) return UNDEF;
    frame.locals[s.stmt.result] = result;
    return DONE;
  }

  private conflict(frame: Frame, s: Stmt): never {
    const fn = frame.func;
    if (!fn) return this.fail("eval_conflict_error", "query produced conflicting values", s);
    const rule = ruleName(fn);
    if (fn.params.length > 2) {
      return this.fail(
        "eval_conflict_error",
        `function ${rule} produced conflicting values for the same inputs (functions must not produce multiple outputs for same inputs)`,
        s,
      );
    }
    return this.fail(
      "eval_conflict_error",
      `rule ${rule} produced conflicting values (complete rules must not produce multiple outputs)`,
      s,
    );
  }

  private keyConflict(frame: Frame, s: Stmt): never {
    // Worded as the Wasm backend words it (it matches this text): "rule" for functions too.
    const prefix = frame.func ? `rule ${ruleName(frame.func)}: ` : "";
    return this.fail("eval_conflict_error", `${prefix}object keys must be unique`, s);
  }

  private fail(code: RegoError["code"], message: string, s: Stmt): never {
    const location: Location | undefined = stmtLocation(this.policy, s);
    throw new RegoFailure(regoError(code, message, location));
  }
}

/** `g0.data.a.b` → `data.a.b`: the rule's Rego name, as OPA prints it in errors. */
function ruleName(fn: Func): string {
  const m = /^g\d+\.(.*)$/.exec(fn.name);
  if (m) return m[1]!;
  if (fn.path && fn.path.length > 1) return ["data", ...fn.path.slice(1)].join(".");
  return fn.name;
}

function pathKey(path: readonly string[]): string {
  return path.join("\u0000");
}

function dot(src: Value, key: Value): Value | undefined {
  if (Array.isArray(src)) {
    if (!(key instanceof RNumber) || !key.isInteger()) return undefined;
    const i = key.toSafeInt();
    return i === undefined || i < 0 ? undefined : src[i];
  }
  if (src instanceof RObject) return src.get(key);
  if (src instanceof RSet) {
    return src.has(key) ? key : undefined;
  }
  return undefined;
}

function length(v: Value): number | undefined {
  if (Array.isArray(v)) return v.length;
  if (v instanceof RObject || v instanceof RSet) return v.size;
  if (typeof v === "string") {
    let n = 0;
    for (const _ of v) n++;
    return n;
  }
  return undefined;
}

/**
 * `a` with `b`'s entries added; where both hold an object under a key the two merge
 * recursively, and where they disagree otherwise `a` wins (OPA's planner passes the base
 * document as `a` and the virtual one as `b`: base data shadows rules). Neither input is
 * changed.
 */
function merge(a: Value, b: Value): Value {
  if (!(a instanceof RObject) || !(b instanceof RObject)) return a;
  const out = new RObject();
  for (const [k, v] of a.entries()) {
    const w = b.get(k);
    out.set(k, w === undefined ? v : merge(v, w));
  }
  for (const [k, w] of b.entries()) if (!a.has(k)) out.set(k, w);
  return out;
}

/**
 * `base` with `value` at `path`, copying every object on the way so that values shared
 * with callers (input, data, memoised results) are never mutated. Missing or non-object
 * intermediates become objects, as OPA's `with` does.
 */
function upsert(base: Value | undefined, path: readonly string[], value: Value): Value {
  if (path.length === 0) return value;
  const out = new RObject();
  if (base instanceof RObject) for (const [k, v] of base.entries()) out.set(k, v);
  const [head, ...rest] = path as [string, ...string[]];
  out.set(head, upsert(base instanceof RObject ? base.get(head) : undefined, rest, value));
  return out;
}

interface BuiltinErrorShape {
  code: RegoError["code"];
  message: string;
}

/** The builtins report errors as `BuiltinError` values (returned or thrown); matched by shape. */
function asBuiltinError(x: unknown): BuiltinErrorShape | undefined {
  if (x === null || typeof x !== "object") return undefined;
  if (x instanceof RObject || x instanceof RSet || x instanceof RNumber || Array.isArray(x)) return undefined;
  const e = x as { code?: unknown; message?: unknown };
  // Only evaluation codes: a stray Node error with e.g. `code: "ERR_…"` is a crash, not a builtin error.
  if (typeof e.code === "string" && e.code.startsWith("eval_") && typeof e.message === "string") return e as BuiltinErrorShape;
  return undefined;
}
