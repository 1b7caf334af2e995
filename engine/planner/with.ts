/**
 * Planning of `with`: `input` and base `data` are replaced by a WithStmt on their local
 * (every function called inside sees it through its parameters); replaced rules and
 * functions change the mock environment, under which rule functions are planned anew.
 * The rest of the query runs with the original documents restored.
 */
import type { Literal, Term, With } from "../rego/ast.js";
import { DATA_LOCAL, INPUT_LOCAL } from "../ir/types.js";
import { nodeAt } from "../compiler/ruletree.js";
import { rulesReached } from "../compiler/recursion.js";
import { staticPrefix, walkTerm } from "../compiler/terms.js";
import type { RuleNode } from "../compiler/types.js";
import { refName, type BodyPlanner } from "./body.js";
import { local } from "./emitter.js";
import { withData, withFunc } from "./mocks.js";

type Cont = () => void;

export function planWith(bp: BodyPlanner, l: Literal, i: number, cont: Cont): void {
  if (i >= l.with.length) {
    return bp.literalNoWith(l, cont);
  }
  const w = l.with[i]!;
  const target = withTarget(bp, w);
  if (target.kind === "func" && !closed(bp, w.value)) {
    // A replacement that reads local vars cannot be planned inside other functions:
    // pass its value to them under a hidden key of `data` and replace with that ref.
    const key = `\u0000with${++bp.hidden.n}`;
    const ref: Term = { type: "ref", terms: [{ type: "var", name: "data", location: w.location }, { type: "string", value: key, location: w.location }], location: w.location };
    return bp.term(w.value, (value) => {
      const saved = bp.env;
      const block = bp.e.block(() => {
        bp.env = withFunc(bp.env, target.name, ref);
        try {
          planWith(bp, l, i + 1, () => {
            const inner = bp.env;
            bp.env = saved;
            cont();
            bp.env = inner;
          });
        } finally {
          bp.env = saved;
        }
      });
      bp.e.emit("WithStmt", { local: DATA_LOCAL, path: [bp.e.policy.index(key)], value, block });
    });
  }
  if (target.kind === "func") {
    const saved = bp.env;
    bp.env = withFunc(bp.env, target.name, w.value);
    try {
      return planWith(bp, l, i + 1, () => {
        const inner = bp.env;
        bp.env = saved;
        cont();
        bp.env = inner;
      });
    } finally {
      bp.env = saved;
    }
  }
  bp.term(w.value, (value) => {
    const loc = target.kind === "input" ? INPUT_LOCAL : DATA_LOCAL;
    // Save the local so the rest of the query runs with the original document.
    const save = bp.e.newLocal();
    bp.e.emit("ResetLocalStmt", { target: save });
    bp.e.emit("BlockStmt", { blocks: [bp.e.block(() => bp.e.emit("AssignVarStmt", { source: local(loc), target: save }))] });
    const saved = bp.env;
    const virtual = target.kind === "data" && rulesReachedOrUnder(bp.root, target.path);
    const block = bp.e.block(() => {
      if (virtual) bp.env = withData(bp.env, target.path);
      try {
        planWith(bp, l, i + 1, () => {
          const inner = bp.env;
          bp.env = saved;
          bp.e.emit("ResetLocalStmt", { target: loc });
          bp.e.emit("BlockStmt", { blocks: [bp.e.block(() => bp.e.emit("AssignVarStmt", { source: local(save), target: loc }))] });
          cont();
          bp.env = inner;
        });
      } finally {
        bp.env = saved;
      }
    });
    bp.e.emit("WithStmt", { local: loc, path: target.path.map((s) => bp.e.policy.index(s)), value, block });
  });
}

/** A term that means the same in every function: no local vars. */
function closed(bp: BodyPlanner, t: Term): boolean {
  if (t.type === "var") return bp.isFunction(t.name) || t.name === "input" || t.name === "data" || !bp.vars.has(t.name);
  let ok = true;
  walkTerm(t, (x) => {
    if (x.type === "var" && bp.vars.has(x.name)) ok = false;
  });
  return ok;
}

function withTarget(bp: BodyPlanner, w: With): { kind: "input" | "data"; path: string[] } | { kind: "func"; name: string } {
  const t = w.target;
  if (t.type === "var") {
    if (t.name === "input" || t.name === "data") return { kind: t.name, path: [] };
    return { kind: "func", name: t.name };
  }
  const head = t.terms[0];
  if (head?.type === "var" && (head.name === "input" || head.name === "data")) {
    const path = staticPrefix(t, head.name)!;
    if (path.length !== t.terms.length - 1) bp.fail("with target must be a static ref", w);
    if (head.name === "data") {
      const node = nodeAt(bp.root, path);
      if (node?.rules.some((r) => r.kind === "function")) return { kind: "func", name: ["data", ...path].join(".") };
    }
    return { kind: head.name, path };
  }
  return { kind: "func", name: refName(t) };
}

function rulesReachedOrUnder(root: RuleNode, path: string[]): boolean {
  return rulesReached(root, path).length > 0;
}
