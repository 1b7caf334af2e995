/**
 * Small builders for hand-written IR, used by the codegen tests (and handy for
 * debugging a plan): statements without location noise, an interned string table.
 */
import type { Block, Func, Operand, Plan, Policy, Stmt, StmtLocation, StmtOf, StmtType } from "../ir/types.js";

export function st<T extends StmtType>(type: T, fields: Omit<StmtOf<T>, keyof StmtLocation>, loc?: Partial<StmtLocation>): Stmt {
  return { type, stmt: { file: 0, row: 0, col: 0, ...fields, ...loc } } as unknown as Stmt;
}

export const local = (value: number): Operand => ({ type: "local", value });
export const bool = (value: boolean): Operand => ({ type: "bool", value });
export const block = (...stmts: Stmt[]): Block => ({ stmts });

export class PolicyBuilder {
  private readonly strings: string[] = [];
  private readonly plans: Plan[] = [];
  private readonly funcs: Func[] = [];
  private readonly builtins = new Map<string, number>();
  private readonly files: string[] = [];

  /** Index of a string in the table. */
  index(s: string): number {
    let i = this.strings.indexOf(s);
    if (i < 0) i = this.strings.push(s) - 1;
    return i;
  }

  /** A string constant operand. */
  str(s: string): Operand {
    return { type: "string_index", value: this.index(s) };
  }

  file(name: string): number {
    let i = this.files.indexOf(name);
    if (i < 0) i = this.files.push(name) - 1;
    return i;
  }

  builtin(name: string, arity: number): this {
    this.builtins.set(name, arity);
    return this;
  }

  plan(name: string, ...blocks: Block[]): this {
    this.plans.push({ name, blocks });
    return this;
  }

  func(name: string, params: number[], ret: number, blocks: Block[], path?: string[]): this {
    this.funcs.push({ name, params, return: ret, blocks, ...(path ? { path } : {}) });
    return this;
  }

  /**
   * The usual entrypoint plan: call the rule function and add {"result": value}.
   * Uses locals 2..4.
   */
  entrypoint(name: string, func: string): this {
    return this.plan(name, block(
      st("CallStmt", { func, args: [local(0), local(1)], result: 2 }),
      st("MakeObjectStmt", { target: 3 }),
      st("ObjectInsertStmt", { key: this.str("result"), value: local(2), object: 3 }),
      st("ResultSetAddStmt", { value: 3 }),
    ));
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
