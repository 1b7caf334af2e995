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
import type { Block, Local, Policy, Stmt } from "../../ir/types.js";
import type { LineObservations } from "./backend.js";

/** Called as each statement is about to run; `producing` when it yields a rule value. */
export type StmtObserver = (stmt: Stmt, producing: boolean) => void;

/**
 * A copy of `policy` whose blocks report each statement read to `observe`, flagging the
 * statements that produce a function's value: an assignment to, or an insertion into,
 * its return local. That is when a rule succeeds, which covers its head.
 */
export function tracePolicy(policy: Policy, observe: StmtObserver): Policy {
  return {
    ...policy,
    plans: { plans: policy.plans.plans.map((p) => ({ ...p, blocks: p.blocks.map((b) => traceBlock(b, observe, undefined)) })) },
    funcs: { funcs: policy.funcs.funcs.map((f) => ({ ...f, blocks: f.blocks.map((b) => traceBlock(b, observe, f.return)) })) },
  };
}

function traceBlock(block: Block, observe: StmtObserver, ret: Local | undefined): Block {
  const stmts = block.stmts.map((s) => traceStmt(s, observe, ret));
  const producing = new Set(stmts.filter((s) => ret !== undefined && produces(s, ret)));
  const proxy = new Proxy(stmts, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof key === "string" && key.length > 0 && key.charCodeAt(0) <= 57 && key.charCodeAt(0) >= 48) {
        if (value !== undefined) observe(value as Stmt, producing.has(value as Stmt));
      }
      return value;
    },
  });
  return { stmts: proxy };
}

function produces(s: Stmt, ret: Local): boolean {
  switch (s.type) {
    case "AssignVarOnceStmt":
    case "AssignVarStmt":
      return s.stmt.target === ret;
    case "SetAddStmt":
      return s.stmt.set === ret;
    case "ObjectInsertOnceStmt":
    case "ObjectInsertStmt":
      return s.stmt.object === ret;
    default:
      return false;
  }
}

/** Copies a statement, tracing the blocks nested in it (Block, Not, Scan, With). */
function traceStmt(s: Stmt, observe: StmtObserver, ret: Local | undefined): Stmt {
  switch (s.type) {
    case "BlockStmt":
      return { type: s.type, stmt: { ...s.stmt, blocks: s.stmt.blocks.map((b) => traceBlock(b, observe, ret)) } };
    case "NotStmt":
      return { type: s.type, stmt: { ...s.stmt, block: traceBlock(s.stmt.block, observe, ret) } };
    case "ScanStmt":
      return { type: s.type, stmt: { ...s.stmt, block: traceBlock(s.stmt.block, observe, ret) } };
    case "WithStmt":
      return { type: s.type, stmt: { ...s.stmt, block: traceBlock(s.stmt.block, observe, ret) } };
    default:
      return s;
  }
}

/** Collects `file → rows` from observed statements, resolving file indexes through `policy`. */
export class LineCollector implements LineObservations {
  readonly evaluated = new Map<string, Set<number>>();
  readonly produced = new Map<string, Set<number>>();
  private readonly files: string[];

  constructor(policy: Policy) {
    this.files = (policy.static?.files ?? []).map((f) => f.value);
  }

  readonly observe: StmtObserver = (s, producing) => {
    const file = this.files[s.stmt.file];
    if (file === undefined || !(s.stmt.row > 0)) return;
    add(this.evaluated, file, s.stmt.row);
    if (producing) add(this.produced, file, s.stmt.row);
  };
}

function add(map: Map<string, Set<number>>, file: string, row: number): void {
  let rows = map.get(file);
  if (!rows) map.set(file, (rows = new Set()));
  rows.add(row);
}
