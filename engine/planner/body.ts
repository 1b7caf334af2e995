/**
 * Planning of bodies and terms, in continuation-passing style as OPA's planner does:
 * each construct emits its statements and then calls `cont` *inside* whatever block it
 * opened, so everything after an iteration (a Scan over `xs[_]`) runs once per element,
 * and an undefined statement ends the current block.
 *
 * Variables live in `vars` (name → local). The compiler has already renamed shadowed
 * variables and reordered bodies, so a var is bound exactly when it is in `vars`.
 */
import type { Body, Every, Expr, Literal, RefTerm, Term, VarTerm } from "../rego/ast.js";
import { regoError, RegoFailure, type RegoError } from "../errors.js";
import type { Local, Operand } from "../ir/types.js";
import { DATA_LOCAL, INPUT_LOCAL } from "../ir/types.js";
import { nodeAt } from "../compiler/ruletree.js";
import { callName } from "../compiler/terms.js";
import { destructureBinds, evaluable, isPattern, objectPairs, unifyBinds, type VarEnv } from "../compiler/unify.js";
import type { BuiltinLookup, RuleNode } from "../compiler/types.js";
import { Emitter, local } from "./emitter.js";
import type { MockEnv } from "./mocks.js";
import { planDataExtent, planDataRef } from "./data.js";
import { planWith } from "./with.js";

type Cont = () => void;
type OpCont = (op: Operand) => void;

/** How the planner reaches rule functions (rules.ts plans them, on demand, per mock env). */
export interface RuleFunctions {
  /** Name of the function for the rules at `node` under `env`. */
  funcFor(node: RuleNode, env: MockEnv): string;
}

const MAX_INT = 2 ** 31 - 1;

export class BodyPlanner {
  vars = new Map<string, Local>();

  constructor(
    readonly e: Emitter,
    readonly root: RuleNode,
    readonly builtins: BuiltinLookup,
    readonly rules: RuleFunctions,
    public env: MockEnv,
    readonly usedBuiltins: Map<string, number>,
    /** Counter for hidden `data` keys carrying `with` replacements; shared per policy. */
    readonly hidden: { n: number } = { n: 0 },
  ) {}

  fail(message: string, at?: { location: Literal["location"] }): never {
    throw new RegoFailure(regoError("rego_compile_error", message, at?.location ?? this.e.location));
  }

  private varEnv(): VarEnv {
    const bound = new Set(this.vars.keys());
    bound.add("input");
    bound.add("data");
    return { bound, outer: new Set() };
  }

  private bind(name: string, op: Operand): void {
    const l = this.e.newLocal();
    this.e.emit("AssignVarStmt", { source: op, target: l });
    this.vars.set(name, l);
  }

  /** Runs `fn` with a copy of the bindings, restoring them afterwards (closures, `not`). */
  scoped<T>(fn: () => T): T {
    const saved = new Map(this.vars);
    try {
      return fn();
    } finally {
      this.vars = saved;
    }
  }

  // ---------------------------------------------------------------------------
  // Bodies and literals
  // ---------------------------------------------------------------------------

  query(body: Body, cont: Cont, i = 0): void {
    if (i >= body.length) return cont();
    this.literal(body[i]!, () => this.query(body, cont, i + 1));
  }

  literal(l: Literal, cont: Cont): void {
    this.e.location = l.location;
    if (l.with.length > 0) return this.withs(l, 0, cont);
    this.literalNoWith(l, cont);
  }

  literalNoWith(l: Literal, cont: Cont): void {
    if (l.negated) {
      const block = this.e.block(() => this.scoped(() => this.expr(l.expr, () => {})));
      this.e.emit("NotStmt", { block });
      return cont();
    }
    this.expr(l.expr, cont);
  }

  private expr(e: Expr, cont: Cont): void {
    switch (e.type) {
      case "some":
        return cont();
      case "somein":
        return this.fail("internal: some-in survived the compiler", e);
      case "every":
        return this.every(e, cont);
      case "call":
        if (callName(e) === "eq" && e.args.length === 2) return this.unify(e.args[0]!, e.args[1]!, cont);
        return this.callLiteral(e, cont);
      default:
        return this.term(e, (op) => {
          this.e.emit("NotEqualStmt", { a: op, b: { type: "bool", value: false } });
          cont();
        });
    }
  }

  private every(ev: Every, cont: Cont): void {
    this.term(ev.domain, (dom) => {
      const src = this.e.toLocal(dom);
      const found = this.e.newLocal();
      const block = this.e.block(() => {
        this.e.emit("AssignVarStmt", { source: { type: "bool", value: false }, target: found });
        const k = this.e.newLocal();
        const v = this.e.newLocal();
        const inner = this.e.block(() =>
          this.scoped(() => {
            if (ev.key) this.vars.set(ev.key.name, k);
            this.vars.set(ev.value.name, v);
            const body = this.e.block(() => this.query(ev.body, () => {}));
            this.e.emit("NotStmt", { block: body });
            this.e.emit("AssignVarStmt", { source: { type: "bool", value: true }, target: found });
          }),
        );
        this.e.emit("ScanStmt", { source: src, key: k, value: v, block: inner });
        this.e.emit("EqualStmt", { a: local(found), b: { type: "bool", value: true } });
      });
      this.e.emit("NotStmt", { block });
      cont();
    });
  }

  // ---------------------------------------------------------------------------
  // with
  // ---------------------------------------------------------------------------

  withs(l: Literal, i: number, cont: Cont): void {
    planWith(this, l, i, cont);
  }

  // ---------------------------------------------------------------------------
  // Terms
  // ---------------------------------------------------------------------------

  term(t: Term, cont: OpCont): void {
    switch (t.type) {
      case "null": {
        const l = this.e.newLocal();
        this.e.emit("MakeNullStmt", { target: l });
        return cont(local(l));
      }
      case "boolean":
        return cont({ type: "bool", value: t.value });
      case "string":
        return cont(this.e.str(t.value));
      case "number":
        return cont(local(this.number(t.value)));
      case "var":
        return cont(local(this.varLocal(t)));
      case "ref":
        return this.ref(t, cont);
      case "call":
        return this.callValue(t, cont);
      case "array":
        return this.termList(t.items, (ops) => {
          const l = this.e.newLocal();
          this.e.emit("MakeArrayStmt", { capacity: ops.length, target: l });
          for (const op of ops) this.e.emit("ArrayAppendStmt", { value: op, array: l });
          cont(local(l));
        });
      case "set":
        return this.termList(t.items, (ops) => {
          const l = this.e.newLocal();
          this.e.emit("MakeSetStmt", { target: l });
          for (const op of ops) this.e.emit("SetAddStmt", { value: op, set: l });
          cont(local(l));
        });
      case "object":
        return this.termList(t.entries.flat(), (ops) => {
          const l = this.e.newLocal();
          this.e.emit("MakeObjectStmt", { target: l });
          for (let i = 0; i < ops.length; i += 2) this.e.emit("ObjectInsertOnceStmt", { key: ops[i]!, value: ops[i + 1]!, object: l });
          cont(local(l));
        });
      case "arraycomprehension":
      case "setcomprehension":
      case "objectcomprehension":
        return cont(local(this.comprehension(t)));
    }
  }

  termList(ts: Term[], cont: (ops: Operand[]) => void, acc: Operand[] = []): void {
    if (acc.length >= ts.length) return cont(acc);
    this.term(ts[acc.length]!, (op) => this.termList(ts, cont, [...acc, op]));
  }

  number(text: string): Local {
    const l = this.e.newLocal();
    const n = /^-?\d+$/.test(text) ? Number(text) : NaN;
    if (Number.isSafeInteger(n) && Math.abs(n) <= MAX_INT) this.e.emit("MakeNumberIntStmt", { value: n, target: l });
    else this.e.emit("MakeNumberRefStmt", { index: this.e.policy.index(text), target: l });
    return l;
  }

  private varLocal(v: VarTerm): Local {
    if (v.name === "input") return INPUT_LOCAL;
    if (v.name === "data") {
      return this.dataExtent([]);
    }
    const l = this.vars.get(v.name);
    if (l === undefined) this.fail(`var ${v.name} is unsafe`, v);
    return l;
  }

  private comprehension(t: Extract<Term, { type: "arraycomprehension" | "setcomprehension" | "objectcomprehension" }>): Local {
    const target = this.e.newLocal();
    if (t.type === "arraycomprehension") this.e.emit("MakeArrayStmt", { capacity: 0, target });
    else if (t.type === "setcomprehension") this.e.emit("MakeSetStmt", { target });
    else this.e.emit("MakeObjectStmt", { target });
    const block = this.e.block(() =>
      this.scoped(() =>
        this.query(t.body, () => {
          if (t.type === "arraycomprehension") this.term(t.term, (op) => this.e.emit("ArrayAppendStmt", { value: op, array: target }));
          else if (t.type === "setcomprehension") this.term(t.term, (op) => this.e.emit("SetAddStmt", { value: op, set: target }));
          else
            this.term(t.key, (k) =>
              this.term(t.value, (v) => this.e.emit("ObjectInsertOnceStmt", { key: k, value: v, object: target })),
            );
        }),
      ),
    );
    this.e.emit("BlockStmt", { blocks: [block] });
    return target;
  }

  // ---------------------------------------------------------------------------
  // Refs
  // ---------------------------------------------------------------------------

  ref(t: RefTerm, cont: OpCont): void {
    const [head, ...rest] = t.terms;
    if (!head) return this.fail("empty ref", t);
    if (head.type === "var" && head.name === "data") return this.dataRef(rest, cont);
    if (head.type === "var" && head.name === "input") return this.refOn(INPUT_LOCAL, rest, cont);
    this.term(head, (op) => this.refOn(this.e.toLocal(op), rest, cont));
  }

  /** Navigates `terms` from the value in `src`: Dot for known keys, Scan for the others. */
  refOn(src: Local, terms: Term[], cont: OpCont): void {
    if (terms.length === 0) return cont(local(src));
    const [t, ...rest] = terms as [Term, ...Term[]];
    if (evaluable(t, this.varEnv()) ) {
      return this.term(t, (key) => {
        const target = this.e.newLocal();
        this.e.emit("DotStmt", { source: local(src), key, target });
        this.refOn(target, rest, cont);
      });
    }
    const k = this.e.newLocal();
    const v = this.e.newLocal();
    const block = this.e.block(() =>
      this.scoped(() => {
        if (t.type === "var") {
          this.vars.set(t.name, k);
          this.refOn(v, rest, cont);
        } else {
          // Pattern keys (`xs[[a, b]]`): match the key, then go on in the same iteration.
          this.destructure(t, k, () => this.refOn(v, rest, cont));
        }
      }),
    );
    this.e.emit("ScanStmt", { source: src, key: k, value: v, block });
  }

  /** A ref under `data`: rule functions where the rule tree has them, base data elsewhere. */
  dataRef(terms: Term[], cont: OpCont): void {
    planDataRef(this, terms, cont);
  }

  /** The whole document at a path: rules evaluated into an object, merged with base data. */
  dataExtent(path: string[]): Local {
    return planDataExtent(this, path);
  }

  // ---------------------------------------------------------------------------
  // Calls
  // ---------------------------------------------------------------------------

  /** What a called name means here, after `with` replacements. */
  private callee(name: string, env: MockEnv): { kind: "rule"; node: RuleNode; env: MockEnv } | { kind: "builtin"; name: string; arity: number; relation: boolean } | { kind: "value"; term: Term } {
    const mock = env.funcs.get(name);
    if (mock) {
      // A replacement runs unmocked: mocks never call other mocks.
      const plain: MockEnv = { data: env.data, funcs: new Map() };
      if (mock.type === "var" || mock.type === "ref") {
        const n = mock.type === "var" ? mock.name : refName(mock);
        if (this.isFunction(n)) return this.callee(n, plain);
      }
      return { kind: "value", term: mock };
    }
    if (name.startsWith("data.")) {
      const node = nodeAt(this.root, name.split(".").slice(1));
      if (node && node.rules.length > 0) return { kind: "rule", node, env };
    }
    const b = this.builtins(name);
    if (b) return { kind: "builtin", name, arity: b.arity, relation: b.relation ?? false };
    return this.fail(`undefined function ${name}`);
  }

  isFunction(name: string): boolean {
    if (name.startsWith("data.")) {
      const node = nodeAt(this.root, name.split(".").slice(1));
      return !!node?.rules.some((r) => r.kind === "function");
    }
    return this.builtins(name) !== undefined;
  }

  private arity(c: ReturnType<BodyPlanner["callee"]>): number | undefined {
    if (c.kind === "builtin") return c.arity;
    if (c.kind === "rule") return c.node.rules[0]?.args?.length ?? 0;
    return undefined;
  }

  /** Emits the call of `c` with evaluated arguments; `cont` gets the result local. */
  private emitCall(c: ReturnType<BodyPlanner["callee"]>, args: Operand[], cont: (result: Local) => void): void {
    const result = this.e.newLocal();
    if (c.kind === "value") {
      // The replaced function is not called, but its arguments must still be defined.
      for (const a of args) if (a.type === "local") this.e.emit("IsDefinedStmt", { source: a.value });
      return this.term(c.term, (op) => {
        this.e.emit("AssignVarStmt", { source: op, target: result });
        cont(result);
      });
    }
    if (c.kind === "rule") {
      const func = this.rules.funcFor(c.node, c.env);
      this.e.emit("CallStmt", { func, args: [local(INPUT_LOCAL), local(DATA_LOCAL), ...args.map((a) => local(this.e.toLocal(a)))], result });
      return cont(result);
    }
    this.usedBuiltins.set(c.name, c.arity);
    this.e.emit("CallStmt", { func: c.name, args, result });
    cont(result);
  }

  private callValue(t: Extract<Term, { type: "call" }>, cont: OpCont): void {
    const c = this.callee(callName(t), this.env);
    this.termList(t.args, (args) => this.emitCall(c, args, (r) => cont(local(r))));
  }

  private callLiteral(t: Extract<Term, { type: "call" }>, cont: Cont): void {
    const name = callName(t);
    const c = this.callee(name, this.env);
    // A replaced function keeps the arity of the original.
    const n = this.arity(this.callee(name, { data: [], funcs: new Map() })) ?? t.args.length;
    if (t.args.length === n + 1) {
      const out = t.args[n]!;
      return this.termList(t.args.slice(0, n), (args) =>
        this.emitCall(c, args, (r) => {
          if (c.kind === "builtin" && c.relation) {
            const k = this.e.newLocal();
            const v = this.e.newLocal();
            const block = this.e.block(() => this.destructure(out, v, cont));
            this.e.emit("ScanStmt", { source: r, key: k, value: v, block });
            return;
          }
          this.destructure(out, r, cont);
        }),
      );
    }
    this.termList(t.args, (args) =>
      this.emitCall(c, args, (r) => {
        this.e.emit("NotEqualStmt", { a: local(r), b: { type: "bool", value: false } });
        cont();
      }),
    );
  }

  // ---------------------------------------------------------------------------
  // Unification
  // ---------------------------------------------------------------------------

  private unbound(t: Term): t is VarTerm {
    return t.type === "var" && t.name !== "input" && t.name !== "data" && !this.vars.has(t.name);
  }

  unify(a: Term, b: Term, cont: Cont): void {
    if (this.unbound(a)) {
      if (this.unbound(b)) this.fail(`var ${a.name} is unsafe`, a);
      return this.term(b, (op) => {
        this.bind(a.name, op);
        cont();
      });
    }
    if (this.unbound(b)) return this.unify(b, a, cont);
    if (a.type === "array" && b.type === "array") {
      if (a.items.length !== b.items.length) return this.e.fail();
      return this.pairs(a.items.map((x, i) => [x, b.items[i]!]), cont);
    }
    if (a.type === "object" && b.type === "object") {
      const pairs = objectPairs(a, b, this.varEnv());
      if (pairs === "mismatch") return this.e.fail();
      if (pairs) return this.pairs(pairs, cont);
    }
    const env = this.varEnv();
    if (isPattern(a) && !evaluable(a, env) && evaluable(b, env)) return this.term(b, (op) => this.destructure(a, this.e.toLocal(op), cont));
    if (isPattern(b) && !evaluable(b, env) && evaluable(a, env)) return this.term(a, (op) => this.destructure(b, this.e.toLocal(op), cont));
    this.term(a, (x) =>
      this.term(b, (y) => {
        this.e.emit("EqualStmt", { a: x, b: y });
        cont();
      }),
    );
  }

  /** Unifies pairs in an order where each can run (the compiler proved one exists). */
  private pairs(pairs: [Term, Term][], cont: Cont): void {
    if (pairs.length === 0) return cont();
    const env = this.varEnv();
    let i = pairs.findIndex(([x, y]) => unifyBinds(x, y, env) !== null);
    if (i < 0) i = 0;
    const [x, y] = pairs[i]!;
    const rest = pairs.filter((_, j) => j !== i);
    this.unify(x, y, () => this.pairs(rest, cont));
  }

  /** Matches pattern `p` against the value in `src`, binding its unbound vars. */
  destructure(p: Term, src: Local, cont: Cont): void {
    if (p.type === "var") {
      if (this.unbound(p)) {
        const l = this.e.newLocal();
        this.e.emit("AssignVarStmt", { source: local(src), target: l });
        this.vars.set(p.name, l);
        return cont();
      }
      this.e.emit("EqualStmt", { a: local(this.varLocal(p)), b: local(src) });
      return cont();
    }
    const env = this.varEnv();
    if (evaluable(p, env)) {
      return this.term(p, (op) => {
        this.e.emit("EqualStmt", { a: op, b: local(src) });
        cont();
      });
    }
    if (p.type === "array") {
      this.e.emit("IsArrayStmt", { source: local(src) });
      const n = this.e.newLocal();
      this.e.emit("LenStmt", { source: local(src), target: n });
      const want = this.e.newLocal();
      this.e.emit("MakeNumberIntStmt", { value: p.items.length, target: want });
      this.e.emit("EqualStmt", { a: local(n), b: local(want) });
      const items = p.items.map((item, i) => {
        const idx = this.e.newLocal();
        this.e.emit("MakeNumberIntStmt", { value: i, target: idx });
        const el = this.e.newLocal();
        this.e.emit("DotStmt", { source: local(src), key: local(idx), target: el });
        return [item, el] as [Term, Local];
      });
      return this.destructureAll(items, cont);
    }
    if (p.type === "object") {
      this.e.emit("IsObjectStmt", { source: local(src) });
      const n = this.e.newLocal();
      this.e.emit("LenStmt", { source: local(src), target: n });
      const want = this.e.newLocal();
      this.e.emit("MakeNumberIntStmt", { value: p.entries.length, target: want });
      this.e.emit("EqualStmt", { a: local(n), b: local(want) });
      return this.termList(
        p.entries.map(([k]) => k),
        (keys) => {
          const items = p.entries.map(([, v], i) => {
            const el = this.e.newLocal();
            this.e.emit("DotStmt", { source: local(src), key: keys[i]!, target: el });
            return [v, el] as [Term, Local];
          });
          this.destructureAll(items, cont);
        },
      );
    }
    // A ref or call with iteration inside: evaluate it, then compare.
    this.term(p, (op) => {
      this.e.emit("EqualStmt", { a: op, b: local(src) });
      cont();
    });
  }

  private destructureAll(items: [Term, Local][], cont: Cont): void {
    if (items.length === 0) return cont();
    const env = this.varEnv();
    let i = items.findIndex(([t]) => destructureBinds(t, env) !== null);
    if (i < 0) i = 0;
    const [t, l] = items[i]!;
    const rest = items.filter((_, j) => j !== i);
    this.destructure(t, l, () => this.destructureAll(rest, cont));
  }
}

export function refName(t: RefTerm): string {
  return t.terms.map((x, i) => (i === 0 && x.type === "var" ? x.name : x.type === "string" ? x.value : "?")).join(".");
}


export type { RegoError };
