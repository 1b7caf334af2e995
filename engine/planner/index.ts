/**
 * The planner: compiled modules + entrypoints / queries → IR policy (engine/ir/types.ts).
 *
 * An entrypoint plan (`test/p`) adds `{"result": value}` when the document at that path is
 * defined; a query plan adds one object per solution mapping the query's user-named vars
 * to their values. Rule functions are planned on demand by rules.ts.
 */
import { regoError, RegoFailure, type RegoError } from "../errors.js";
import type { Block, Policy } from "../ir/types.js";
import type { Location } from "../rego/ast.js";
import type { BuiltinLookup, CompiledPolicy, CompiledQuery } from "../compiler/types.js";
import { Emitter, local } from "./emitter.js";
import { EMPTY_ENV } from "./mocks.js";
import { RulePlanner } from "./rules.js";

export interface PlanInput {
  policy: CompiledPolicy;
  entrypoints?: string[];
  queries?: { name: string; query: CompiledQuery; location?: Location }[];
  builtins: BuiltinLookup;
}

export function plan(input: PlanInput): { policy: Policy | null; errors: RegoError[] } {
  const e = new Emitter();
  const used = new Map<string, number>();
  const rules = new RulePlanner(e, input.policy.root, input.builtins, used);
  const errors: RegoError[] = [];
  const guard = (fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      if (err instanceof RegoFailure) errors.push(err.error);
      else errors.push(regoError("internal_error", `planner: ${err instanceof Error ? err.message : String(err)}`, e.location));
    }
  };

  for (const ep of input.entrypoints ?? []) {
    guard(() => {
      const path = ep.split("/").filter((s) => s !== "");
      e.fn = { next: 2 };
      e.location = { file: input.policy.modules[0]?.location.file ?? "", row: 1, col: 1 };
      const bp = rules.body(EMPTY_ENV);
      const block: Block = e.block(() =>
        bp.dataRef(
          path.map((value) => ({ type: "string", value, location: e.location })),
          (op) => {
            const r = e.newLocal();
            e.emit("MakeObjectStmt", { target: r });
            e.emit("ObjectInsertStmt", { key: e.str("result"), value: op, object: r });
            e.emit("ResultSetAddStmt", { value: r });
          },
        ),
      );
      e.policy.plan(path.join("/"), [block]);
    });
  }

  for (const q of input.queries ?? []) {
    guard(() => {
      e.fn = { next: 2 };
      e.location = q.location ?? { file: "query.rego", row: 1, col: 1 };
      const bp = rules.body(EMPTY_ENV);
      const block: Block = e.block(() =>
        bp.query(q.query.body, () => {
          const r = e.newLocal();
          e.emit("MakeObjectStmt", { target: r });
          for (const [name, user] of q.query.outputs) {
            const l = bp.vars.get(name);
            if (l !== undefined) e.emit("ObjectInsertStmt", { key: e.str(user), value: local(l), object: r });
          }
          e.emit("ResultSetAddStmt", { value: r });
        }),
      );
      e.policy.plan(q.name, [block]);
    });
  }

  guard(() => rules.drain());
  for (const [name, arity] of [...used].sort()) e.policy.builtin(name, arity);
  if (errors.length > 0) return { policy: null, errors };
  return { policy: e.policy.build(), errors };
}
