/**
 * Stage 2 of codegen: IR function and plan bodies -> binaryen expressions.
 *
 * Every IR block becomes a labelled Wasm block; a statement that is undefined
 * branches to the end of the innermost one, `Break{index}` to the one `index`
 * levels further out, exactly the IR's control flow. IR locals are i32 Wasm locals
 * holding value pointers, 0 meaning undefined.
 */
import type binaryen from "binaryen";
import type { Block, Func, Operand, Policy, Stmt, StmtLocation, StmtOf } from "../ir/types.js";
import type { StaticData } from "./data.js";
import { MAX_HOST_ARITY, NATIVES } from "./natives.js";

type Binaryen = typeof binaryen;
type Expr = binaryen.ExpressionRef;

/** Value type bytes, as in runtime/assembly/value.ts. */
const T_ARRAY = 5;
const T_OBJECT = 6;
const T_SET = 7;

/**
 * Exported mutable global: the call site ("file:row:col" C string, or 0) of the host
 * builtin being called, so the host can locate the errors it raises.
 */
export const SITE_GLOBAL = "portcullis_site";

/** What lowering needs from the module being assembled. */
export interface LowerEnv {
  b: Binaryen;
  m: binaryen.Module;
  data: StaticData;
  policy: Policy;
  /** Runtime export name -> internal function name. */
  rt(name: string): string;
  /** Internal Wasm name of an IR function. */
  funcName(name: string): string;
  /** Id of a host builtin, registering it (and its import) on first use. */
  hostBuiltin(name: string, arity: number): { id: number; import: string };
}

/** A failure to generate code (not a run-time error): the caller wraps it. */
export class CodegenError extends Error {}

/** Who the lowered code belongs to, for conflict messages. */
export interface Owner {
  /** Rule path without the `gN.` prefix, e.g. `data.a.b`; unused for queries. */
  label: string;
  kind: "rule" | "function" | "query";
}

export function ownerOf(f: Func): Owner {
  let label = f.name;
  const m = /^g\d+\.(.*)$/.exec(f.name);
  if (m) label = m[1]!;
  else if (f.path && f.path.length > 1) label = ["data", ...f.path.slice(1)].join(".");
  return { label, kind: f.params.length > 2 ? "function" : "rule" };
}

export class FunctionLowering {
  private readonly locals = new Map<number, number>();
  readonly vars: number[] = [];
  private readonly labels: string[] = [];
  private nextLabel = 0;
  private readonly b: Binaryen;
  private readonly m: binaryen.Module;
  private readonly paramCount: number;

  constructor(
    private readonly env: LowerEnv,
    params: number[],
    private readonly owner: Owner,
  ) {
    this.b = env.b;
    this.m = env.m;
    this.paramCount = params.length;
    params.forEach((p, i) => this.locals.set(p, i));
  }

  /** Wasm index of an IR local, declaring it on first use. */
  localIndex(local: number): number {
    let i = this.locals.get(local);
    if (i === undefined) {
      i = this.temp();
      this.locals.set(local, i);
    }
    return i;
  }

  /** A fresh i32 Wasm local not tied to any IR local. */
  private temp(): number {
    this.vars.push(this.b.i32);
    return this.paramCount + this.vars.length - 1;
  }

  private get(local: number): Expr {
    return this.m.local.get(this.localIndex(local), this.b.i32);
  }

  private set(local: number, e: Expr): Expr {
    return this.m.local.set(this.localIndex(local), e);
  }

  private tee(local: number, e: Expr): Expr {
    return this.m.local.tee(this.localIndex(local), e, this.b.i32);
  }

  private call(rtName: string, args: Expr[], ret = true): Expr {
    return this.m.call(this.env.rt(rtName), args, ret ? this.b.i32 : this.b.none);
  }

  private operand(op: Operand): Expr {
    switch (op.type) {
      case "local":
        return this.get(op.value);
      case "bool":
        return this.m.i32.const(op.value ? this.env.data.trueAddr : this.env.data.falseAddr);
      case "string_index":
        return this.m.i32.const(this.env.data.string(this.str(op.value)));
    }
  }

  private str(index: number): string {
    const s = this.env.policy.static.strings[index];
    if (!s) throw new CodegenError(`string index ${index} out of range`);
    return s.value;
  }

  /** Branch to the end of the innermost block: "this statement is undefined". */
  private undefinedIf(cond: Expr): Expr {
    return this.m.br(this.labels[this.labels.length - 1]!, cond);
  }

  /** Undefined when a local operand is unset (constants are always defined). */
  private definedChecks(ops: Operand[]): Expr[] {
    return ops
      .filter((o): o is Extract<Operand, { type: "local" }> => o.type === "local")
      .map((o) => this.undefinedIf(this.m.i32.eqz(this.get(o.value))));
  }

  /** A run-time error through opa_abort: `file:row:col: code: message`. */
  private abort(loc: StmtLocation, code: string, message: string): Expr {
    const file = this.env.policy.static.files[loc.file]?.value;
    const where = file !== undefined && loc.row > 0 ? `${file}:${loc.row}:${loc.col || 1}: ` : "";
    const addr = this.env.data.cstring(`${where}${code}: ${message}`);
    return this.m.block(null, [this.call("rt_abort", [this.m.i32.const(addr)], false), this.m.unreachable()]);
  }

  /** Lowers a block under a fresh label; `after` runs inside it after the statements. */
  block(block: Block, after: Expr[] = []): Expr {
    const label = `B${this.nextLabel++}`;
    this.labels.push(label);
    const body = block.stmts.map((s) => this.stmt(s));
    this.labels.pop();
    return this.m.block(label, [...body, ...after]);
  }

  /** A list of blocks run in sequence (a plan, a function, a BlockStmt). */
  blocks(blocks: Block[]): Expr {
    return this.m.block(null, blocks.map((b) => this.block(b)));
  }

  private stmt(s: Stmt): Expr {
    const { m, b } = this;
    switch (s.type) {
      case "BlockStmt":
        return this.blocks(s.stmt.blocks);
      case "BreakStmt": {
        const target = this.labels[this.labels.length - 1 - s.stmt.index];
        if (target === undefined) throw new CodegenError(`break index ${s.stmt.index} leaves the function`);
        return m.br(target);
      }
      case "NotStmt": {
        // reaching the end of the inner block means the negated body held
        const outer = this.labels[this.labels.length - 1]!;
        return this.block(s.stmt.block, [m.br(outer)]);
      }
      case "ScanStmt":
        return this.scan(s.stmt);
      case "WithStmt":
        return this.with(s.stmt);
      case "ReturnLocalStmt":
        return m.return(this.get(s.stmt.source));
      case "ResultSetAddStmt":
        return this.call("rt_result_add", [this.get(s.stmt.value)], false);
      case "NopStmt":
        return m.nop();
      case "CallStmt":
        return this.callStmt(s.stmt);
      case "CallDynamicStmt":
        return this.callDynamic(s.stmt);
      case "EqualStmt":
      case "NotEqualStmt": {
        const cmp = this.call("rt_compare", [this.operand(s.stmt.a), this.operand(s.stmt.b)]);
        const fail = s.type === "EqualStmt" ? cmp : m.i32.eqz(cmp);
        return m.block(null, [...this.definedChecks([s.stmt.a, s.stmt.b]), this.undefinedIf(fail)]);
      }
      case "IsArrayStmt":
        return this.isType(s.stmt.source, T_ARRAY);
      case "IsObjectStmt":
        return this.isType(s.stmt.source, T_OBJECT);
      case "IsSetStmt":
        return this.isType(s.stmt.source, T_SET);
      case "IsDefinedStmt":
        return this.undefinedIf(m.i32.eqz(this.get(s.stmt.source)));
      case "IsUndefinedStmt":
        return this.undefinedIf(m.i32.ne(this.get(s.stmt.source), m.i32.const(0)));
      case "DotStmt":
        return m.block(null, [
          ...this.definedChecks([s.stmt.source, s.stmt.key]),
          this.undefinedIf(m.i32.eqz(this.tee(s.stmt.target, this.call("rt_dot", [this.operand(s.stmt.source), this.operand(s.stmt.key)])))),
        ]);
      case "LenStmt":
        return m.block(null, [
          ...this.definedChecks([s.stmt.source]),
          this.undefinedIf(m.i32.eqz(this.tee(s.stmt.target, this.call("rt_len", [this.operand(s.stmt.source)])))),
        ]);
      case "AssignVarStmt":
        return this.set(s.stmt.target, this.operand(s.stmt.source));
      case "AssignVarOnceStmt":
        return this.assignOnce(s.stmt);
      case "AssignIntStmt":
        return this.set(s.stmt.target, m.i32.const(this.env.data.number(String(Math.trunc(s.stmt.value)))));
      case "ResetLocalStmt":
        return this.set(s.stmt.target, m.i32.const(0));
      case "MakeNullStmt":
        return this.set(s.stmt.target, m.i32.const(this.env.data.nullAddr));
      case "MakeNumberIntStmt":
        return this.set(s.stmt.target, m.i32.const(this.env.data.number(String(Math.trunc(s.stmt.value)))));
      case "MakeNumberRefStmt":
        return this.set(s.stmt.target, m.i32.const(this.env.data.number(this.str(s.stmt.index))));
      case "MakeArrayStmt":
        return this.set(s.stmt.target, this.call("rt_array", [m.i32.const(Math.max(0, s.stmt.capacity))]));
      case "MakeObjectStmt":
        return this.set(s.stmt.target, this.call("rt_object", []));
      case "MakeSetStmt":
        return this.set(s.stmt.target, this.call("rt_set", []));
      case "ArrayAppendStmt":
        return this.call("rt_array_append", [this.get(s.stmt.array), this.operand(s.stmt.value)], false);
      case "ObjectInsertStmt":
        return this.call("rt_object_insert", [this.get(s.stmt.object), this.operand(s.stmt.key), this.operand(s.stmt.value)], false);
      case "ObjectInsertOnceStmt":
        return m.if(
          this.call("rt_object_insert_once", [this.get(s.stmt.object), this.operand(s.stmt.key), this.operand(s.stmt.value)]),
          this.abort(s.stmt, "eval_conflict_error", `${this.owner.kind === "query" ? "" : `rule ${this.owner.label}: `}object keys must be unique`),
        );
      case "ObjectMergeStmt":
        return this.set(s.stmt.target, this.call("rt_merge", [this.get(s.stmt.a), this.get(s.stmt.b)]));
      case "SetAddStmt":
        return this.call("rt_set_add", [this.get(s.stmt.set), this.operand(s.stmt.value)], false);
    }
  }

  private isType(op: Operand, t: number): Expr {
    const { m, b } = this;
    if (op.type !== "local") return this.undefinedIf(m.i32.const(1)); // constants are strings or booleans
    const v = this.get(op.value);
    return m.block(null, [
      this.undefinedIf(m.i32.eqz(v)),
      this.undefinedIf(m.i32.ne(m.i32.load8_u(0, 1, this.get(op.value)), m.i32.const(t))),
    ], b.none);
  }

  private assignOnce(st: StmtOf<"AssignVarOnceStmt">): Expr {
    const { m } = this;
    // worded as the IR interpreter words them
    const { kind, label } = this.owner;
    const msg =
      kind === "function"
        ? `function ${label} produced conflicting values for the same inputs (functions must not produce multiple outputs for same inputs)`
        : kind === "rule"
          ? `rule ${label} produced conflicting values (complete rules must not produce multiple outputs)`
          : "query produced conflicting values";
    return m.block(null, [
      m.if(
        m.i32.ne(this.get(st.target), m.i32.const(0)),
        m.if(this.call("rt_compare", [this.get(st.target), this.operand(st.source)]), this.abort(st, "eval_conflict_error", msg)),
      ),
      this.set(st.target, this.operand(st.source)),
    ]);
  }

  private scan(st: StmtOf<"ScanStmt">): Expr {
    const { m, b } = this;
    const src = this.temp();
    const n = this.temp();
    const i = this.temp();
    const get = (x: number) => m.local.get(x, b.i32);
    const id = this.nextLabel++;
    const done = `S${id}`;
    const loop = `L${id}`;
    return m.block(null, [
      m.local.set(src, this.get(st.source)),
      m.local.set(n, this.call("rt_iter_len", [get(src)])),
      m.local.set(i, m.i32.const(0)),
      m.block(done, [
        m.loop(loop, m.block(null, [
          m.br(done, m.i32.ge_u(get(i), get(n))),
          this.set(st.key, this.call("rt_iter_key", [get(src), get(i)])),
          this.set(st.value, this.call("rt_iter_val", [get(src), get(i)])),
          this.block(st.block),
          m.local.set(i, m.i32.add(get(i), m.i32.const(1))),
          m.br(loop),
        ])),
      ]),
    ]);
  }

  private with(st: StmtOf<"WithStmt">): Expr {
    const { m, b } = this;
    const saved = this.temp();
    const path = this.env.data.stringArray(st.path.map((p) => this.str(p)));
    return m.block(null, [
      m.local.set(saved, this.get(st.local)),
      this.set(st.local, this.call("rt_upsert", [this.get(st.local), m.i32.const(path), this.operand(st.value)])),
      this.block(st.block),
      this.set(st.local, m.local.get(saved, b.i32)),
    ]);
  }

  private callStmt(st: StmtOf<"CallStmt">): Expr {
    const { m, b } = this;
    const fn = this.env.policy.funcs.funcs.find((f) => f.name === st.func);
    const args = st.args.map((a) => this.operand(a));
    if (fn) {
      if (fn.params.length !== args.length) {
        throw new CodegenError(`call to ${st.func} with ${args.length} arguments, expects ${fn.params.length}`);
      }
      return this.undefinedIf(m.i32.eqz(this.tee(st.result, m.call(this.env.funcName(fn.name), args, b.i32))));
    }
    const checks = this.definedChecks(st.args);
    const native = NATIVES.get(st.func);
    if (native && native.arity === args.length) {
      let e = this.tee(st.result, this.call(native.fn, args));
      if (native.fallback) {
        e = m.if(m.i32.eqz(e), this.host(st.func, st.args, st.result, st), m.nop());
        return m.block(null, [...checks, e, this.undefinedIf(m.i32.eqz(this.get(st.result)))]);
      }
      return m.block(null, [...checks, this.undefinedIf(m.i32.eqz(e))]);
    }
    return m.block(null, [...checks, this.host(st.func, st.args, st.result, st), this.undefinedIf(m.i32.eqz(this.get(st.result)))]);
  }

  /** Calls a host builtin through opa_builtinN with values bridged exactly (see dump.ts). */
  /** Address of "file:row:col" for a statement, 0 when it has no position. */
  private site(loc: StmtLocation): number {
    const file = this.env.policy.static.files[loc.file]?.value;
    return file !== undefined && loc.row > 0 ? this.env.data.cstring(`${file}:${loc.row}:${loc.col || 1}`) : 0;
  }

  private host(name: string, ops: Operand[], result: number, loc: StmtLocation): Expr {
    const { m, b } = this;
    if (ops.length > MAX_HOST_ARITY) {
      throw new CodegenError(`builtin ${name} takes ${ops.length} arguments; host builtins take at most ${MAX_HOST_ARITY}`);
    }
    const h = this.env.hostBuiltin(name, ops.length);
    return m.block(null, [
      m.global.set(SITE_GLOBAL, m.i32.const(this.site(loc))),
      this.call("rt_bridge", [m.i32.const(1)], false),
      this.set(result, m.call(h.import, [m.i32.const(h.id), m.i32.const(0), ...ops.map((o) => this.operand(o))], b.i32)),
      this.call("rt_bridge", [m.i32.const(0)], false),
    ]);
  }

  private callDynamic(st: StmtOf<"CallDynamicStmt">): Expr {
    const { m, b } = this;
    const found = `D${this.nextLabel++}`;
    const cases: Expr[] = [];
    for (const f of this.env.policy.funcs.funcs) {
      if (!f.path || f.path.length !== st.path.length || f.params.length !== st.args.length) continue;
      const conds: Expr[] = [];
      let possible = true;
      st.path.forEach((op, i) => {
        const want = f.path![i]!;
        if (op.type === "string_index") possible &&= this.str(op.value) === want;
        else if (op.type === "local") {
          conds.push(m.i32.eqz(this.call("rt_compare", [this.get(op.value), m.i32.const(this.env.data.string(want))])));
        } else possible = false;
      });
      if (!possible) continue;
      const callIt = m.block(null, [
        this.set(st.result, m.call(this.env.funcName(f.name), st.args.map((a) => this.get(a)), b.i32)),
        m.br(found),
      ]);
      const cond = conds.reduce<Expr | undefined>((acc, c) => (acc === undefined ? c : m.i32.and(acc, c)), undefined);
      cases.push(cond === undefined ? callIt : m.if(cond, callIt));
    }
    return m.block(null, [
      this.set(st.result, m.i32.const(0)),
      m.block(found, cases.length ? cases : [m.nop()]),
      this.undefinedIf(m.i32.eqz(this.get(st.result))),
    ]);
  }
}
