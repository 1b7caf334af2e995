/**
 * The planner's write head: the policy being built (string table, files, builtins,
 * functions, plans) and, for the function being planned, its locals and the block that
 * statements are appended to. Blocks nest by swapping `current` while a nested block is
 * planned, which is how continuation-passing planning places "the rest of the query"
 * inside a Scan or With.
 */
import { PolicyBuilder } from "../ir/builder.js";
import type { Block, Local, Operand, Stmt, StmtOf, StmtType } from "../ir/types.js";
import type { Location } from "../rego/ast.js";

/** Per-function state: locals are numbered from 2 (0 and 1 are input and data). */
export interface FuncState {
  next: Local;
}

export class Emitter {
  readonly policy = new PolicyBuilder();
  current: Stmt[] = [];
  fn: FuncState = { next: 2 };
  location: Location = { file: "", row: 0, col: 0 };

  newLocal(): Local {
    return this.fn.next++;
  }

  str(s: string): Operand {
    return this.policy.str(s);
  }

  emit<T extends StmtType>(type: T, fields: Omit<StmtOf<T>, "file" | "row" | "col">): void {
    const stmt = { ...fields, file: this.policy.file(this.location.file), row: this.location.row, col: this.location.col };
    this.current.push({ type, stmt } as unknown as Stmt);
  }

  /** Plans `fn` into a fresh block and returns it; `current` is restored afterwards. */
  block(fn: () => void): Block {
    const saved = this.current;
    this.current = [];
    try {
      fn();
      return { stmts: this.current };
    } finally {
      this.current = saved;
    }
  }

  /** A local holding `op` (a copy only when `op` is a constant). */
  toLocal(op: Operand): Local {
    if (op.type === "local") return op.value;
    const l = this.newLocal();
    this.emit("AssignVarStmt", { source: op, target: l });
    return l;
  }

  /** A statement that is always undefined: stops the current block. */
  fail(): void {
    this.emit("EqualStmt", { a: { type: "bool", value: true }, b: { type: "bool", value: false } });
  }
}

export const local = (value: Local): Operand => ({ type: "local", value });
