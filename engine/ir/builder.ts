/**
 * Small constructors for hand-written IR: tests of the interpreter, the validator and
 * the Wasm codegen build plans with these instead of spelling out JSON.
 *
 *   const b = new PolicyBuilder();
 *   b.plan("q", [block(makeObject(2), objectInsert(b.str("x"), bool(true), 2), resultSetAdd(2))]);
 *   evaluate(b.build(), "q", {});
 */
import type { Block, Func, Local, Operand, Policy, Stmt, StmtLocation, StmtOf, StmtType } from "./types.js";

export class PolicyBuilder {
  private readonly strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  private readonly files: string[] = [];
  private readonly builtins = new Map<string, number>();
  private readonly plans: Policy["plans"]["plans"] = [];
  private readonly funcs: Func[] = [];

  /** The string-table index of `s`, interning it. */
  index(s: string): number {
    let i = this.stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIndex.set(s, i);
    }
    return i;
  }

  /** A string-constant operand. */
  str(s: string): Operand {
    return { type: "string_index", value: this.index(s) };
  }

  file(name: string): number {
    const i = this.files.indexOf(name);
    if (i >= 0) return i;
    this.files.push(name);
    return this.files.length - 1;
  }

  builtin(name: string, arity: number): this {
    this.builtins.set(name, arity);
    return this;
  }

  /** A plan; blocks as one array (`plan("q", [b1, b2])`) or one by one (`plan("q", b1, b2)`). */
  plan(name: string, ...blocks: (Block | Block[])[]): this {
    this.plans.push({ name, blocks: blocks.flat() });
    return this;
  }

  /**
   * The usual entrypoint plan: call the rule function and add `{"result": value}`.
   * Uses locals 2..4.
   */
  entrypoint(name: string, func: string): this {
    return this.plan(
      name,
      block(
        call(func, [local(0), local(1)], 2),
        makeObject(3),
        objectInsert(this.str("result"), local(2), 3),
        resultSetAdd(3),
      ),
    );
  }

  func(name: string, params: Local[], ret: Local, blocks: Block[], path?: string[]): this {
    this.funcs.push(path ? { name, params, return: ret, blocks, path } : { name, params, return: ret, blocks });
    return this;
  }

  build(): Policy {
    return {
      static: {
        strings: this.strings.map((value) => ({ value })),
        builtin_funcs: [...this.builtins].map(([name, arity]) => ({
          name,
          decl: { type: "function", args: Array.from({ length: arity }, () => ({ type: "any" as const })), result: { type: "any" } },
        })),
        files: this.files.map((value) => ({ value })),
      },
      plans: { plans: this.plans },
      funcs: { funcs: this.funcs },
    };
  }
}

export const local = (value: Local): Operand => ({ type: "local", value });
export const bool = (value: boolean): Operand => ({ type: "bool", value });

/** Any statement by type name, at row 0 unless a location is given. */
export function st<T extends StmtType>(type: T, fields: Omit<StmtOf<T>, keyof StmtLocation>, loc?: Partial<StmtLocation>): Stmt {
  return { type, stmt: { file: 0, row: 0, col: 0, ...fields, ...loc } } as unknown as Stmt;
}

/** The same statement with a source position. */
export function at(s: Stmt, file: number, row: number, col = 1): Stmt {
  return { type: s.type, stmt: { ...s.stmt, file, row, col } } as Stmt;
}

export const block = (...stmts: Stmt[]): Block => ({ stmts });
export const blockStmt = (...blocks: Block[]) => st("BlockStmt", { blocks });
export const breakStmt = (index: number) => st("BreakStmt", { index });
export const not = (...stmts: Stmt[]) => st("NotStmt", { block: block(...stmts) });
export const scan = (source: Local, key: Local, value: Local, ...stmts: Stmt[]) =>
  st("ScanStmt", { source, key, value, block: block(...stmts) });
export const withStmt = (loc: Local, path: number[], value: Operand, ...stmts: Stmt[]) =>
  st("WithStmt", { local: loc, path, value, block: block(...stmts) });
export const returnLocal = (source: Local) => st("ReturnLocalStmt", { source });
export const resultSetAdd = (value: Local) => st("ResultSetAddStmt", { value });
export const nop = () => st("NopStmt", {});
export const call = (func: string, args: Operand[], result: Local) => st("CallStmt", { func, args, result });
export const callDynamic = (path: Operand[], args: Local[], result: Local) => st("CallDynamicStmt", { path, args, result });
export const equal = (a: Operand, b: Operand) => st("EqualStmt", { a, b });
export const notEqual = (a: Operand, b: Operand) => st("NotEqualStmt", { a, b });
export const isArray = (source: Operand) => st("IsArrayStmt", { source });
export const isObject = (source: Operand) => st("IsObjectStmt", { source });
export const isSet = (source: Operand) => st("IsSetStmt", { source });
export const isDefined = (source: Local) => st("IsDefinedStmt", { source });
export const isUndefined = (source: Local) => st("IsUndefinedStmt", { source });
export const dot = (source: Operand, key: Operand, target: Local) => st("DotStmt", { source, key, target });
export const len = (source: Operand, target: Local) => st("LenStmt", { source, target });
export const assignVar = (source: Operand, target: Local) => st("AssignVarStmt", { source, target });
export const assignVarOnce = (source: Operand, target: Local) => st("AssignVarOnceStmt", { source, target });
export const assignInt = (value: number, target: Local) => st("AssignIntStmt", { value, target });
export const resetLocal = (target: Local) => st("ResetLocalStmt", { target });
export const makeNull = (target: Local) => st("MakeNullStmt", { target });
export const makeNumberInt = (value: number, target: Local) => st("MakeNumberIntStmt", { value, target });
export const makeNumberRef = (index: number, target: Local) => st("MakeNumberRefStmt", { index, target });
export const makeArray = (target: Local, capacity = 0) => st("MakeArrayStmt", { capacity, target });
export const makeObject = (target: Local) => st("MakeObjectStmt", { target });
export const makeSet = (target: Local) => st("MakeSetStmt", { target });
export const arrayAppend = (value: Operand, array: Local) => st("ArrayAppendStmt", { value, array });
export const objectInsert = (key: Operand, value: Operand, object: Local) => st("ObjectInsertStmt", { key, value, object });
export const objectInsertOnce = (key: Operand, value: Operand, object: Local) =>
  st("ObjectInsertOnceStmt", { key, value, object });
export const objectMerge = (a: Local, b: Local, target: Local) => st("ObjectMergeStmt", { a, b, target });
export const setAdd = (value: Operand, set: Local) => st("SetAddStmt", { value, set });
