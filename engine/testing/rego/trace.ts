/**
 * Observes which IR statements the interpreter executes, without touching the
 * interpreter: every block's statement list is replaced by a Proxy that records each
 * statement as it is read. The interpreter reads a statement exactly when it is about
 * to run it (a block stops at its first undefined statement, and later ones are never
 * read), so "read" is "evaluated", the meaning OPA's coverage gives a line.
 *
 * This is a stop-gap: a `trace?: (stmt) => void` option on `evaluate` would do the same
 * without the Proxy's cost (see the report for the requested hook). The test
 * `coverage.test.ts` fails if the interpreter ever stops reading statements this way.
 */
import type { Block, Policy, Stmt } from "../../ir/types.js";

export type StmtObserver = (stmt: Stmt) => void;

/** A copy of `policy` whose blocks report each statement read to `observe`. */
export function tracePolicy(policy: Policy, observe: StmtObserver): Policy {
  return {
    ...policy,
    plans: { plans: policy.plans.plans.map((p) => ({ ...p, blocks: p.blocks.map((b) => traceBlock(b, observe)) })) },
    funcs: { funcs: policy.funcs.funcs.map((f) => ({ ...f, blocks: f.blocks.map((b) => traceBlock(b, observe)) })) },
  };
}

function traceBlock(block: Block, observe: StmtObserver): Block {
  const stmts = block.stmts.map((s) => traceStmt(s, observe));
  const proxy = new Proxy(stmts, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof key === "string" && key.length > 0 && key.charCodeAt(0) <= 57 && key.charCodeAt(0) >= 48) {
        if (value !== undefined) observe(value as Stmt);
      }
      return value;
    },
  });
  return { stmts: proxy };
}

/** Copies a statement, tracing the blocks nested in it (Block, Not, Scan, With). */
function traceStmt(s: Stmt, observe: StmtObserver): Stmt {
  switch (s.type) {
    case "BlockStmt":
      return { type: s.type, stmt: { ...s.stmt, blocks: s.stmt.blocks.map((b) => traceBlock(b, observe)) } };
    case "NotStmt":
      return { type: s.type, stmt: { ...s.stmt, block: traceBlock(s.stmt.block, observe) } };
    case "ScanStmt":
      return { type: s.type, stmt: { ...s.stmt, block: traceBlock(s.stmt.block, observe) } };
    case "WithStmt":
      return { type: s.type, stmt: { ...s.stmt, block: traceBlock(s.stmt.block, observe) } };
    default:
      return s;
  }
}

/** Collects `file → rows` from observed statements, resolving file indexes through `policy`. */
export class LineCollector {
  readonly lines = new Map<string, Set<number>>();
  private readonly files: string[];

  constructor(policy: Policy) {
    this.files = (policy.static?.files ?? []).map((f) => f.value);
  }

  readonly observe: StmtObserver = (s) => {
    const file = this.files[s.stmt.file];
    if (file === undefined || !(s.stmt.row > 0)) return;
    let rows = this.lines.get(file);
    if (!rows) this.lines.set(file, (rows = new Set()));
    rows.add(s.stmt.row);
  };
}
