/**
 * Refs into `data`: the rule tree decides. A path through a rule calls its function and
 * navigates the result; a path into a package builds its whole document (rules below it
 * evaluated into an object, merged with base data, base winning as in OPA); a path
 * where no rules are is plain base data. Replaced (`with`) documents read from `data`.
 */
import type { Term } from "../rego/ast.js";
import type { Local, Operand } from "../ir/types.js";
import { DATA_LOCAL, INPUT_LOCAL } from "../ir/types.js";
import { nodeAt } from "../compiler/ruletree.js";
import type { BodyPlanner } from "./body.js";
import { local } from "./emitter.js";
import { mockedData } from "./mocks.js";

type OpCont = (op: Operand) => void;

/** A ref under `data`: rule functions where the rule tree has them, base data elsewhere. */
export function planDataRef(bp: BodyPlanner, terms: Term[], cont: OpCont): void {
  let node = bp.root;
  let i = 0;
  for (;;) {
    if (mockedData(bp.env, node.path)) return bp.refOn(DATA_LOCAL, terms, cont);
    if (node.rules.length > 0) {
      if (node.rules.some((r) => r.kind === "function")) {
        bp.e.fail();
        return;
      }
      const result = bp.e.newLocal();
      bp.e.emit("CallStmt", { func: bp.rules.funcFor(node, bp.env), args: [local(INPUT_LOCAL), local(DATA_LOCAL)], result });
      return bp.refOn(result, terms.slice(i), cont);
    }
    if (i >= terms.length) return cont(local(planDataExtent(bp, node.path)));
    const t = terms[i]!;
    if (t.type === "string") {
      const child = node.children.get(t.value);
      if (!child) return bp.refOn(DATA_LOCAL, terms, cont);
      node = child;
      i++;
      continue;
    }
    return bp.refOn(planDataExtent(bp, node.path), terms.slice(i), cont);
  }
}

/** The whole document at a path: rules evaluated into an object, merged with base data. */
export function planDataExtent(bp: BodyPlanner, path: string[]): Local {
  const node = nodeAt(bp.root, path);
  const out = bp.e.newLocal();
  if (!node || mockedData(bp.env, path)) {
    bp.e.emit("AssignVarStmt", { source: local(DATA_LOCAL), target: out });
    for (const seg of path) bp.e.emit("DotStmt", { source: local(out), key: bp.e.str(seg), target: out });
    return out;
  }
  if (node.rules.length > 0) {
    bp.e.emit("CallStmt", { func: bp.rules.funcFor(node, bp.env), args: [local(INPUT_LOCAL), local(DATA_LOCAL)], result: out });
    return out;
  }
  bp.e.emit("MakeObjectStmt", { target: out });
  for (const [name, child] of node.children) {
    if (child.rules.some((r) => r.kind === "function")) continue;
    const blk = bp.e.block(() => {
      const v = planDataExtent(bp, child.path);
      bp.e.emit("ObjectInsertStmt", { key: bp.e.str(name), value: local(v), object: out });
    });
    bp.e.emit("BlockStmt", { blocks: [blk] });
  }
  const base = bp.e.block(() => {
    const b = bp.e.newLocal();
    bp.e.emit("AssignVarStmt", { source: local(DATA_LOCAL), target: b });
    for (const seg of path) bp.e.emit("DotStmt", { source: local(b), key: bp.e.str(seg), target: b });
    // Where base and virtual documents disagree, OPA's merge keeps the base value.
    bp.e.emit("ObjectMergeStmt", { a: b, b: out, target: out });
  });
  bp.e.emit("BlockStmt", { blocks: [base] });
  return out;
}
