/**
 * The intermediate representation: the contract between the planner (which emits it),
 * the IR interpreter (the test oracle) and the Wasm codegen (production).
 *
 * Shaped like OPA's IR (`v1/ir/ir.go`, documented in OPA's `docs/ir.md` and its JSON
 * schema `plan.schema.json`), and serialised to the same JSON: a statement is
 * `{"type": "CallStmt", "stmt": {...fields, "file", "row", "col"}}`, an operand is
 * `{"type": "local" | "bool" | "string_index", "value": …}`. `portcullis build -t plan`
 * writes this JSON.
 *
 * Semantics in one paragraph: a plan or function is a list of blocks run in order. A
 * statement that is "undefined" (a failed Equal, a Dot on a missing key, a call that is
 * undefined) stops its block; execution continues with the next block of the enclosing
 * list. `Break{index}` leaves `index + 1` enclosing blocks. Locals are numbered; locals 0
 * and 1 hold `input` and `data`. Functions take `(input, data, ...args)` as params and
 * return one local (undefined if never assigned).
 */

/** A local variable slot. 0 is `input`, 1 is `data`. */
export type Local = number;

export const INPUT_LOCAL: Local = 0;
export const DATA_LOCAL: Local = 1;

export type Operand =
  | { type: "local"; value: Local }
  | { type: "bool"; value: boolean }
  /** Index into `static.strings`. */
  | { type: "string_index"; value: number };

/** Source position of the Rego that produced a statement; `file` indexes `static.files`. */
export interface StmtLocation {
  file: number;
  row: number;
  col: number;
}

export interface Policy {
  static: Static;
  plans: { plans: Plan[] };
  funcs: { funcs: Func[] };
}

export interface Static {
  strings: { value: string }[];
  /** Builtins the plans call (by name through CallStmt), with their declared arity. */
  builtin_funcs: BuiltinFunc[];
  files: { value: string }[];
}

export interface BuiltinFunc {
  name: string;
  /** OPA emits a full type declaration; we record the arity, and the result is `any`. */
  decl: { type: "function"; args: { type: "any" }[]; result: { type: "any" } };
}

/**
 * An entrypoint (`portcullis/decision`) or a query. Each ResultSetAdd adds one object to
 * the result set: `{"result": value}` for entrypoints, `{var: value, …}` for queries.
 */
export interface Plan {
  name: string;
  blocks: Block[];
}

export interface Func {
  /** e.g. `g0.data.portcullis.decision`; CallStmt's `func` names it. */
  name: string;
  params: Local[];
  return: Local;
  blocks: Block[];
  /** The rule path, e.g. `["g0", "portcullis", "decision"]`; used by CallDynamic. */
  path?: string[];
}

export interface Block {
  stmts: Stmt[];
}

type S<T extends string, F> = { type: T; stmt: F & StmtLocation };

export type Stmt =
  // control
  | S<"BlockStmt", { blocks: Block[] }>
  | S<"BreakStmt", { index: number }>
  | S<"NotStmt", { block: Block }>
  | S<"ScanStmt", { source: Local; key: Local; value: Local; block: Block }>
  | S<"WithStmt", { local: Local; path: number[]; value: Operand; block: Block }>
  | S<"ReturnLocalStmt", { source: Local }>
  | S<"ResultSetAddStmt", { value: Local }>
  | S<"NopStmt", Record<string, never>>
  // calls
  | S<"CallStmt", { func: string; args: Operand[]; result: Local }>
  | S<"CallDynamicStmt", { path: Operand[]; args: Local[]; result: Local }>
  // tests: undefined when false
  | S<"EqualStmt", { a: Operand; b: Operand }>
  | S<"NotEqualStmt", { a: Operand; b: Operand }>
  | S<"IsArrayStmt", { source: Operand }>
  | S<"IsObjectStmt", { source: Operand }>
  | S<"IsSetStmt", { source: Operand }>
  | S<"IsDefinedStmt", { source: Local }>
  | S<"IsUndefinedStmt", { source: Local }>
  // data
  | S<"DotStmt", { source: Operand; key: Operand; target: Local }>
  | S<"LenStmt", { source: Operand; target: Local }>
  | S<"AssignVarStmt", { source: Operand; target: Local }>
  | S<"AssignVarOnceStmt", { source: Operand; target: Local }>
  | S<"AssignIntStmt", { value: number; target: Local }>
  | S<"ResetLocalStmt", { target: Local }>
  | S<"MakeNullStmt", { target: Local }>
  | S<"MakeNumberIntStmt", { value: number; target: Local }>
  /** `index` is a string-table index holding the number's exact text. */
  | S<"MakeNumberRefStmt", { index: number; target: Local }>
  | S<"MakeArrayStmt", { capacity: number; target: Local }>
  | S<"MakeObjectStmt", { target: Local }>
  | S<"MakeSetStmt", { target: Local }>
  | S<"ArrayAppendStmt", { value: Operand; array: Local }>
  | S<"ObjectInsertStmt", { key: Operand; value: Operand; object: Local }>
  | S<"ObjectInsertOnceStmt", { key: Operand; value: Operand; object: Local }>
  | S<"ObjectMergeStmt", { a: Local; b: Local; target: Local }>
  | S<"SetAddStmt", { value: Operand; set: Local }>;

export type StmtType = Stmt["type"];

/** The fields of one statement type, e.g. `StmtOf<"CallStmt">`. */
export type StmtOf<T extends StmtType> = Extract<Stmt, { type: T }>["stmt"];
