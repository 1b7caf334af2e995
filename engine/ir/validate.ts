/**
 * Structural checks on a Policy before anything executes or compiles it. The Wasm
 * codegen runs this first because a malformed plan there becomes a trap or an invalid
 * module instead of a message; the interpreter tolerates malformed plans but reports
 * them less precisely.
 *
 * What "well-formed" means here:
 * - locals are non-negative integers below MAX_LOCAL; every local a statement reads is a
 *   param, input/data, or written by some statement of the same plan/function (reads of
 *   `return` and IsDefined/IsUndefined/ResetLocal are exempt: reading an unassigned
 *   local there is how "undefined" is expressed);
 * - a Break never leaves its plan/function (index < number of enclosing blocks);
 * - CallStmt names a function in `funcs` (with matching arity) or a declared builtin;
 * - string-table, file and With path indices are in range; MakeNumberRef's string is a
 *   JSON number;
 * - plan and function names are unique; ResultSetAdd appears only in plans and
 *   ReturnLocal only in functions.
 */
import { regoError, type Location, type RegoError } from "../errors.js";
import type { Block, Func, Local, Operand, Plan, Policy, Stmt } from "./types.js";
import { DATA_LOCAL, INPUT_LOCAL } from "./types.js";

/** Generous but finite: a planner bug that emits huge local numbers is caught here. */
export const MAX_LOCAL = 1 << 20;

const NUMBER_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

export function validatePolicy(policy: Policy): RegoError[] {
  const errors: RegoError[] = [];
  const top = (message: string) => errors.push(regoError("internal_error", `invalid IR: ${message}`));
  if (!policy || typeof policy !== "object" || !policy.static || !policy.plans || !policy.funcs) {
    top("policy must have static, plans and funcs");
    return errors;
  }
  const strings = policy.static.strings ?? [];
  const files = policy.static.files ?? [];
  const builtins = new Map<string, number>();
  for (const b of policy.static.builtin_funcs ?? []) {
    if (builtins.has(b.name)) top(`builtin ${b.name} declared twice`);
    builtins.set(b.name, b.decl?.args?.length ?? 0);
  }
  const funcs = new Map<string, Func>();
  for (const fn of policy.funcs.funcs ?? []) {
    if (funcs.has(fn.name)) top(`function ${fn.name} defined twice`);
    funcs.set(fn.name, fn);
  }
  const planNames = new Set<string>();
  for (const plan of policy.plans.plans ?? []) {
    if (planNames.has(plan.name)) top(`plan ${plan.name} defined twice`);
    planNames.add(plan.name);
  }

  const ctx: Ctx = { policy, strings: strings.length, files: files.length, builtins, funcs, errors };
  for (const plan of policy.plans.plans ?? []) checkBody(ctx, plan, `plan ${plan.name}`);
  for (const fn of policy.funcs.funcs ?? []) {
    const where = `func ${fn.name}`;
    if (!Array.isArray(fn.params) || fn.params.length < 2) top(`${where}: must take at least (input, data) params`);
    const seen = new Set<Local>();
    for (const p of fn.params ?? []) {
      if (!validLocal(p)) top(`${where}: param ${String(p)} is not a valid local`);
      if (seen.has(p)) top(`${where}: param %${p} repeated`);
      seen.add(p);
    }
    if (!validLocal(fn.return)) top(`${where}: return ${String(fn.return)} is not a valid local`);
    checkBody(ctx, fn, where);
  }
  return errors;
}

interface Ctx {
  policy: Policy;
  strings: number;
  files: number;
  builtins: Map<string, number>;
  funcs: Map<string, Func>;
  errors: RegoError[];
}

/** Per plan/function state: which locals are written anywhere, and reads to check after. */
interface Body {
  isFunc: boolean;
  written: Set<Local>;
  reads: { local: Local; stmt: Stmt; where: string }[];
}

function validLocal(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n < MAX_LOCAL;
}

function checkBody(ctx: Ctx, owner: Plan | Func, where: string): void {
  const isFunc = "params" in owner;
  const body: Body = { isFunc, written: new Set([INPUT_LOCAL, DATA_LOCAL]), reads: [] };
  if (isFunc) for (const p of owner.params ?? []) body.written.add(p);
  if (!Array.isArray(owner.blocks)) {
    ctx.errors.push(regoError("internal_error", `invalid IR: ${where}: blocks must be a list`));
    return;
  }
  owner.blocks.forEach((b, i) => checkBlock(ctx, body, b, 1, `${where}: block ${i}`));
  for (const r of body.reads) {
    if (!body.written.has(r.local)) report(ctx, r.stmt, `${r.where}: reads %${r.local}, which nothing assigns`);
  }
}

function checkBlock(ctx: Ctx, body: Body, block: Block, depth: number, where: string): void {
  if (!block || !Array.isArray(block.stmts)) {
    ctx.errors.push(regoError("internal_error", `invalid IR: ${where}: block must have a stmts list`));
    return;
  }
  block.stmts.forEach((s, i) => checkStmt(ctx, body, s, depth, `${where}: stmt ${i} (${s?.type})`));
}

function checkStmt(ctx: Ctx, body: Body, s: Stmt, depth: number, where: string): void {
  if (!s || typeof s !== "object" || !s.stmt || typeof s.stmt !== "object") {
    ctx.errors.push(regoError("internal_error", `invalid IR: ${where}: malformed statement`));
    return;
  }
  const bad = (message: string) => report(ctx, s, `${where}: ${message}`);
  if (s.stmt.row && !(Number.isInteger(s.stmt.file) && s.stmt.file >= 0 && s.stmt.file < ctx.files)) {
    bad(`file index ${s.stmt.file} out of range`);
  }
  const read = (l: Local) => {
    if (!validLocal(l)) bad(`${String(l)} is not a valid local`);
    else body.reads.push({ local: l, stmt: s, where });
  };
  const write = (l: Local) => {
    if (!validLocal(l)) bad(`${String(l)} is not a valid local`);
    else body.written.add(l);
  };
  const touch = (l: Local) => {
    if (!validLocal(l)) bad(`${String(l)} is not a valid local`);
  };
  const str = (i: number, what: string) => {
    if (!(Number.isInteger(i) && i >= 0 && i < ctx.strings)) bad(`${what} string index ${i} out of range`);
  };
  const op = (o: Operand) => {
    if (!o || typeof o !== "object") return bad("malformed operand");
    switch (o.type) {
      case "local":
        return read(o.value);
      case "bool":
        if (typeof o.value !== "boolean") bad("bool operand must hold a boolean");
        return;
      case "string_index":
        return str(o.value, "operand");
      default:
        bad(`unknown operand type ${String((o as { type: unknown }).type)}`);
    }
  };
  const nested = (b: Block, label: string) => checkBlock(ctx, body, b, depth + 1, `${where}: ${label}`);

  switch (s.type) {
    case "BlockStmt":
      if (!Array.isArray(s.stmt.blocks)) return bad("blocks must be a list");
      s.stmt.blocks.forEach((b, i) => nested(b, `block ${i}`));
      return;
    case "BreakStmt":
      if (!(Number.isInteger(s.stmt.index) && s.stmt.index >= 0)) return bad(`break index ${s.stmt.index} invalid`);
      if (s.stmt.index >= depth) bad(`break index ${s.stmt.index} leaves the ${body.isFunc ? "function" : "plan"} (depth ${depth})`);
      return;
    case "NotStmt":
      return nested(s.stmt.block, "not");
    case "ScanStmt":
      read(s.stmt.source);
      write(s.stmt.key);
      write(s.stmt.value);
      return nested(s.stmt.block, "scan");
    case "WithStmt":
      touch(s.stmt.local);
      if (!Array.isArray(s.stmt.path)) bad("with path must be a list");
      else s.stmt.path.forEach((i) => str(i, "with path"));
      op(s.stmt.value);
      return nested(s.stmt.block, "with");
    case "ReturnLocalStmt":
      if (!body.isFunc) bad("ReturnLocal outside a function");
      return touch(s.stmt.source);
    case "ResultSetAddStmt":
      if (body.isFunc) bad("ResultSetAdd inside a function");
      return read(s.stmt.value);
    case "NopStmt":
      return;
    case "CallStmt": {
      if (!Array.isArray(s.stmt.args)) return bad("args must be a list");
      s.stmt.args.forEach(op);
      write(s.stmt.result);
      const fn = ctx.funcs.get(s.stmt.func);
      if (fn) {
        if (fn.params.length !== s.stmt.args.length) {
          bad(`${s.stmt.func} takes ${fn.params.length} args, called with ${s.stmt.args.length}`);
        }
        return;
      }
      const arity = ctx.builtins.get(s.stmt.func);
      if (arity === undefined) return bad(`calls ${s.stmt.func}, which is neither a function nor a declared builtin`);
      if (arity !== s.stmt.args.length) bad(`builtin ${s.stmt.func} takes ${arity} args, called with ${s.stmt.args.length}`);
      return;
    }
    case "CallDynamicStmt":
      if (!Array.isArray(s.stmt.path) || !Array.isArray(s.stmt.args)) return bad("path and args must be lists");
      s.stmt.path.forEach(op);
      s.stmt.args.forEach(read);
      return write(s.stmt.result);
    case "EqualStmt":
    case "NotEqualStmt":
      op(s.stmt.a);
      return op(s.stmt.b);
    case "IsArrayStmt":
    case "IsObjectStmt":
    case "IsSetStmt":
      return op(s.stmt.source);
    case "IsDefinedStmt":
    case "IsUndefinedStmt":
      return touch(s.stmt.source);
    case "DotStmt":
      op(s.stmt.source);
      op(s.stmt.key);
      return write(s.stmt.target);
    case "LenStmt":
    case "AssignVarStmt":
    case "AssignVarOnceStmt":
      op(s.stmt.source);
      return write(s.stmt.target);
    case "AssignIntStmt":
    case "MakeNumberIntStmt":
      if (!Number.isSafeInteger(s.stmt.value)) bad(`value ${s.stmt.value} is not a safe integer`);
      return write(s.stmt.target);
    case "MakeNumberRefStmt": {
      str(s.stmt.index, "number");
      const text = ctx.policy.static.strings[s.stmt.index]?.value;
      if (text !== undefined && !NUMBER_TEXT.test(text)) bad(`${JSON.stringify(text)} is not a number`);
      return write(s.stmt.target);
    }
    case "ResetLocalStmt":
      return touch(s.stmt.target);
    case "MakeNullStmt":
    case "MakeObjectStmt":
    case "MakeSetStmt":
    case "MakeArrayStmt":
      return write(s.stmt.target);
    case "ArrayAppendStmt":
      op(s.stmt.value);
      return read(s.stmt.array);
    case "ObjectInsertStmt":
    case "ObjectInsertOnceStmt":
      op(s.stmt.key);
      op(s.stmt.value);
      return read(s.stmt.object);
    case "ObjectMergeStmt":
      read(s.stmt.a);
      read(s.stmt.b);
      return write(s.stmt.target);
    case "SetAddStmt":
      op(s.stmt.value);
      return read(s.stmt.set);
    default:
      bad(`unknown statement type ${String((s as { type: unknown }).type)}`);
  }
}

function report(ctx: Ctx, s: Stmt, message: string): void {
  ctx.errors.push(regoError("internal_error", `invalid IR: ${message}`, stmtLocation(ctx.policy, s)));
}

/** The source position of a statement, when it has one. Shared with the interpreter. */
export function stmtLocation(policy: Policy, s: Stmt): Location | undefined {
  const { file, row, col } = s.stmt;
  if (!row) return undefined;
  const name = policy.static.files?.[file]?.value;
  if (name === undefined) return undefined;
  return { file: name, row, col: col || 1 };
}
