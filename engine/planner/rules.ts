/**
 * Planning of rule functions: one IR function per rule path (and per `with`
 * environment that replaces rules or functions under it), planned on demand.
 *
 * - complete rules assign the return local once (a second, different value is the
 *   run-time conflict error); `else` links run only while their chain is undefined;
 *   `default` runs last, only if the result is still undefined;
 * - partial sets start from MakeSet, partial objects from MakeObject with
 *   ObjectInsertOnce (key conflicts), deeper ref heads merge nested objects;
 * - functions bind their argument patterns to params `[input, data, ...args]`.
 */
import type { Term } from "../rego/ast.js";
import type { Block, Local, Operand } from "../ir/types.js";
import type { BuiltinLookup, CompiledRule, RuleNode } from "../compiler/types.js";
import { BodyPlanner, type RuleFunctions } from "./body.js";
import { Emitter, local } from "./emitter.js";
import { envKey, type MockEnv } from "./mocks.js";

interface Pending {
  node: RuleNode;
  env: MockEnv;
  name: string;
}

export class RulePlanner implements RuleFunctions {
  private readonly names = new Map<string, string>();
  private readonly queue: Pending[] = [];
  private specialised = 0;
  private readonly hidden = { n: 0 };

  constructor(
    private readonly e: Emitter,
    private readonly root: RuleNode,
    private readonly builtins: BuiltinLookup,
    readonly usedBuiltins: Map<string, number>,
  ) {}

  funcFor(node: RuleNode, env: MockEnv): string {
    const k = `${node.path.join("\u0000")}\u0001${envKey(env)}`;
    let name = this.names.get(k);
    if (!name) {
      name = `g0.data.${node.path.join(".")}`;
      if (envKey(env) !== "") name += `$${++this.specialised}`;
      this.names.set(k, name);
      this.queue.push({ node, env, name });
    }
    return name;
  }

  /** Plans every function requested so far, and those they request in turn. */
  drain(): void {
    for (let p = this.queue.shift(); p; p = this.queue.shift()) this.plan(p);
  }

  body(env: MockEnv): BodyPlanner {
    return new BodyPlanner(this.e, this.root, this.builtins, this, env, this.usedBuiltins, this.hidden);
  }

  private plan({ node, env, name }: Pending): void {
    const savedFn = this.e.fn;
    const savedCur = this.e.current;
    this.e.fn = { next: 2 };
    try {
      const rules = node.rules;
      const kind = rules[0]!.kind;
      const arity = kind === "function" ? (rules[0]!.args?.length ?? 0) : 0;
      const params: Local[] = [0, 1];
      for (let i = 0; i < arity; i++) params.push(this.e.newLocal());
      const ret = this.e.newLocal();
      const bp = this.body(env);
      const blocks: Block[] = [];
      const at = (r: CompiledRule) => (this.e.location = { ...r.location, file: r.location.file || r.file });

      if (kind === "set" || kind === "object") {
        blocks.push(this.e.block(() => this.e.emit(kind === "set" ? "MakeSetStmt" : "MakeObjectStmt", { target: ret })));
      }
      for (const r of rules.filter((x) => !x.default)) {
        at(r);
        if (kind === "set") {
          blocks.push(this.ruleBlock(bp, r, params, () => bp.term(r.key!, (op) => this.e.emit("SetAddStmt", { value: op, set: ret }))));
        } else if (kind === "object") {
          blocks.push(this.ruleBlock(bp, r, params, () => this.objectInsert(bp, r, ret)));
        } else if (!r.else) {
          blocks.push(this.ruleBlock(bp, r, params, () => bp.term(r.value!, (op) => this.e.emit("AssignVarOnceStmt", { source: op, target: ret }))));
        } else {
          const chain = this.e.newLocal();
          let first = true;
          for (let link: CompiledRule | null = r; link; link = link.else) {
            const l: CompiledRule = link;
            at(l);
            const guard = !first;
            blocks.push(
              this.ruleBlock(bp, l, params, () => bp.term(l.value!, (op) => this.e.emit("AssignVarOnceStmt", { source: op, target: chain })), () => {
                if (guard) this.e.emit("IsUndefinedStmt", { source: chain });
              }),
            );
            first = false;
          }
          blocks.push(
            this.e.block(() => {
              this.e.emit("IsDefinedStmt", { source: chain });
              this.e.emit("AssignVarOnceStmt", { source: local(chain), target: ret });
            }),
          );
        }
      }
      for (const r of rules.filter((x) => x.default)) {
        at(r);
        blocks.push(
          this.e.block(() => {
            this.e.emit("IsUndefinedStmt", { source: ret });
            bp.scoped(() => bp.term(r.value!, (op) => this.e.emit("AssignVarOnceStmt", { source: op, target: ret })));
          }),
        );
      }
      if (kind === "object") for (const child of node.children.values()) blocks.push(this.mergeChild(bp, child, ret));
      blocks.push(this.e.block(() => this.e.emit("ReturnLocalStmt", { source: ret })));
      const base = envKey(env) === "";
      this.e.policy.func(name, params, ret, blocks, base ? ["g0", ...node.path] : undefined);
    } finally {
      this.e.fn = savedFn;
      this.e.current = savedCur;
    }
  }

  /** Rules below an object rule's path (`p[k] := 1` with `p.q.r := 2`) add to its object. */
  private mergeChild(bp: BodyPlanner, child: RuleNode, ret: Local): Block {
    return this.e.block(() => {
      const key = this.e.str(child.path[child.path.length - 1]!);
      const v = bp.dataExtent(child.path);
      const existing = this.e.newLocal();
      this.e.emit("ResetLocalStmt", { target: existing });
      this.e.emit("BlockStmt", { blocks: [this.e.block(() => this.e.emit("DotStmt", { source: local(ret), key, target: existing }))] });
      const merged = this.e.newLocal();
      this.e.emit("BlockStmt", {
        blocks: [
          this.e.block(() => {
            this.e.emit("IsUndefinedStmt", { source: existing });
            this.e.emit("ObjectInsertStmt", { key, value: local(v), object: ret });
          }),
          this.e.block(() => {
            this.e.emit("IsDefinedStmt", { source: existing });
            this.e.emit("ObjectMergeStmt", { a: existing, b: v, target: merged });
            this.e.emit("ObjectInsertStmt", { key, value: local(merged), object: ret });
          }),
        ],
      });
    });
  }

  /** One definition: bind arguments, run the body, then `head` for each solution. */
  private ruleBlock(bp: BodyPlanner, r: CompiledRule, params: Local[], head: () => void, guard?: () => void): Block {
    return this.e.block(() =>
      bp.scoped(() => {
        bp.vars = new Map();
        guard?.();
        const args = r.args ?? [];
        const bindArgs = (i: number): void => {
          if (i >= args.length) return bp.query(r.body, () => head());
          bp.destructure(args[i]!, params[i + 2]!, () => bindArgs(i + 1));
        };
        bindArgs(0);
      }),
    );
  }

  /**
   * `p[k] := v` inserts once (a different value for the same key is a conflict);
   * `p[a].b := v` walks down `p`, creating the objects on the way; `p[a] contains v`
   * adds to the set at the leaf.
   */
  private objectInsert(bp: BodyPlanner, r: CompiledRule, ret: Local): void {
    const leaf: Term = r.key ?? r.value!;
    bp.termList([...r.keys, leaf], (ops) => {
      const keys = ops.slice(0, -1);
      const v = ops[ops.length - 1]!;
      let cur = ret;
      const descend = (key: Operand, make: "MakeObjectStmt" | "MakeSetStmt"): Local => {
        const next = this.e.newLocal();
        this.e.emit("ResetLocalStmt", { target: next });
        this.e.emit("BlockStmt", { blocks: [this.e.block(() => this.e.emit("DotStmt", { source: local(cur), key, target: next }))] });
        this.e.emit("BlockStmt", {
          blocks: [
            this.e.block(() => {
              this.e.emit("IsUndefinedStmt", { source: next });
              this.e.emit(make, { target: next });
              this.e.emit("ObjectInsertStmt", { key, value: local(next), object: cur });
            }),
          ],
        });
        return next;
      };
      for (const k of keys.slice(0, -1)) cur = descend(k, "MakeObjectStmt");
      const last = keys[keys.length - 1]!;
      if (r.key) {
        const set = descend(last, "MakeSetStmt");
        this.e.emit("SetAddStmt", { value: v, set });
      } else {
        this.e.emit("ObjectInsertOnceStmt", { key: last, value: v, object: cur });
      }
    });
  }
}
