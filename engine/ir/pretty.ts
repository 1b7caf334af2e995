/**
 * A readable text dump of a Policy, in the spirit of OPA's `ir.Pretty`: one line per
 * node, nesting shown with `| ` rails. Used for debugging and by
 * `portcullis build -t plan --pretty`.
 *
 * String-table operands are shown with their text (`"foo"#3`) because a bare index is
 * useless when reading a plan; locals are `%n`; source positions trail as `@file:row:col`.
 */
import type { Block, Func, Operand, Plan, Policy, Stmt } from "./types.js";

export interface PrettyOptions {
  /** Append `@file:row:col` to statements (default true). */
  locations?: boolean;
}

export function prettyPolicy(policy: Policy, options: PrettyOptions = {}): string {
  const p = new Printer(policy, options.locations ?? true);
  p.line(0, "policy");
  p.line(1, "static");
  p.line(2, "strings");
  policy.static.strings.forEach((s, i) => p.line(3, `#${i} ${JSON.stringify(s.value)}`));
  p.line(2, "builtin_funcs");
  for (const b of policy.static.builtin_funcs) p.line(3, `${b.name}/${b.decl.args.length}`);
  p.line(2, "files");
  policy.static.files.forEach((f, i) => p.line(3, `#${i} ${f.value}`));
  p.line(1, "plans");
  for (const plan of policy.plans.plans) p.plan(2, plan);
  p.line(1, "funcs");
  for (const fn of policy.funcs.funcs) p.func(2, fn);
  return p.out.join("\n") + "\n";
}

/** Dump one plan or function on its own (e.g. in a failing test's message). */
export function prettyPlan(policy: Policy, plan: Plan | Func): string {
  const p = new Printer(policy, true);
  if ("params" in plan) p.func(0, plan);
  else p.plan(0, plan);
  return p.out.join("\n") + "\n";
}

class Printer {
  readonly out: string[] = [];
  constructor(
    private readonly policy: Policy,
    private readonly locations: boolean,
  ) {}

  line(depth: number, text: string): void {
    this.out.push("| ".repeat(depth) + text);
  }

  plan(depth: number, plan: Plan): void {
    this.line(depth, `plan ${plan.name}`);
    for (const b of plan.blocks) this.block(depth + 1, b);
  }

  func(depth: number, fn: Func): void {
    const path = fn.path ? ` path=${fn.path.join(".")}` : "";
    this.line(depth, `func ${fn.name}(${fn.params.map(local).join(", ")}) -> ${local(fn.return)}${path}`);
    for (const b of fn.blocks) this.block(depth + 1, b);
  }

  block(depth: number, block: Block): void {
    this.line(depth, "block");
    for (const s of block.stmts) this.stmt(depth + 1, s);
  }

  stmt(depth: number, s: Stmt): void {
    const loc = this.locations ? this.where(s) : "";
    const f = (fields: string) => this.line(depth, `${s.type} ${fields}${loc}`.trimEnd());
    const op = (o: Operand) => this.operand(o);
    switch (s.type) {
      case "BlockStmt":
        f("");
        for (const b of s.stmt.blocks) this.block(depth + 1, b);
        return;
      case "NotStmt":
        f("");
        this.block(depth + 1, s.stmt.block);
        return;
      case "ScanStmt":
        f(`source=${local(s.stmt.source)} key=${local(s.stmt.key)} value=${local(s.stmt.value)}`);
        this.block(depth + 1, s.stmt.block);
        return;
      case "WithStmt":
        f(
          `local=${local(s.stmt.local)} path=[${s.stmt.path.map((i) => this.str(i)).join(", ")}] value=${op(s.stmt.value)}`,
        );
        this.block(depth + 1, s.stmt.block);
        return;
      case "BreakStmt":
        return f(`index=${s.stmt.index}`);
      case "ReturnLocalStmt":
        return f(`source=${local(s.stmt.source)}`);
      case "ResultSetAddStmt":
        return f(`value=${local(s.stmt.value)}`);
      case "NopStmt":
        return f("");
      case "CallStmt":
        return f(`func=${s.stmt.func} args=[${s.stmt.args.map(op).join(", ")}] result=${local(s.stmt.result)}`);
      case "CallDynamicStmt":
        return f(
          `path=[${s.stmt.path.map(op).join(", ")}] args=[${s.stmt.args.map(local).join(", ")}] result=${local(s.stmt.result)}`,
        );
      case "EqualStmt":
      case "NotEqualStmt":
        return f(`a=${op(s.stmt.a)} b=${op(s.stmt.b)}`);
      case "IsArrayStmt":
      case "IsObjectStmt":
      case "IsSetStmt":
        return f(`source=${op(s.stmt.source)}`);
      case "IsDefinedStmt":
      case "IsUndefinedStmt":
        return f(`source=${local(s.stmt.source)}`);
      case "DotStmt":
        return f(`source=${op(s.stmt.source)} key=${op(s.stmt.key)} target=${local(s.stmt.target)}`);
      case "LenStmt":
      case "AssignVarStmt":
      case "AssignVarOnceStmt":
        return f(`source=${op(s.stmt.source)} target=${local(s.stmt.target)}`);
      case "AssignIntStmt":
      case "MakeNumberIntStmt":
        return f(`value=${s.stmt.value} target=${local(s.stmt.target)}`);
      case "MakeNumberRefStmt":
        return f(`index=${this.str(s.stmt.index)} target=${local(s.stmt.target)}`);
      case "ResetLocalStmt":
      case "MakeNullStmt":
      case "MakeObjectStmt":
      case "MakeSetStmt":
        return f(`target=${local(s.stmt.target)}`);
      case "MakeArrayStmt":
        return f(`capacity=${s.stmt.capacity} target=${local(s.stmt.target)}`);
      case "ArrayAppendStmt":
        return f(`value=${op(s.stmt.value)} array=${local(s.stmt.array)}`);
      case "ObjectInsertStmt":
      case "ObjectInsertOnceStmt":
        return f(`key=${op(s.stmt.key)} value=${op(s.stmt.value)} object=${local(s.stmt.object)}`);
      case "ObjectMergeStmt":
        return f(`a=${local(s.stmt.a)} b=${local(s.stmt.b)} target=${local(s.stmt.target)}`);
      case "SetAddStmt":
        return f(`value=${op(s.stmt.value)} set=${local(s.stmt.set)}`);
      default: {
        // A malformed statement (e.g. from hand-edited JSON) is printed, not fatal.
        const odd = s as { type: unknown; stmt?: unknown };
        this.line(depth, `?${String(odd.type)} ${safeJSON(odd.stmt)}`);
      }
    }
  }

  operand(o: Operand): string {
    switch (o.type) {
      case "local":
        return local(o.value);
      case "bool":
        return String(o.value);
      case "string_index":
        return this.str(o.value);
      default:
        return `?${safeJSON(o)}`;
    }
  }

  str(i: number): string {
    const s = this.policy.static.strings[i];
    return s === undefined ? `#${i}?` : `${JSON.stringify(s.value)}#${i}`;
  }

  where(s: Stmt): string {
    const { file, row, col } = s.stmt;
    if (!row) return "";
    const name = this.policy.static.files[file]?.value ?? `#${file}`;
    return `  @${name}:${row}:${col}`;
  }
}

function local(n: number): string {
  return `%${n}`;
}

function safeJSON(x: unknown): string {
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}
