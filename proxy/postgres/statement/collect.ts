/**
 * Stage 3 of the describer: walks one statement's parse tree and collects the relations
 * it reads and writes, the columns it references and the functions it calls.
 *
 * Name resolution follows SQL scoping as far as the statement alone allows: each query
 * level has a scope of FROM-clause sources (table or alias → relation), CTE names shadow
 * relations only where PostgreSQL makes them visible (all of them in a RECURSIVE WITH,
 * earlier ones otherwise), and a column is attributed to a relation when its qualifier
 * names a source or a single relation is in scope. DML found anywhere below the top
 * (CTEs, subqueries, COPY (…)), and the bodies of PREPARE and EXPLAIN, are handed back
 * to the caller as nested statements, whose facts are also merged into the parent's.
 */
import { fieldsOf, nameParts, nodeOf, objectTypeWord, qualifiedRelation, relationName, RELATION_OBJECTS, str } from "./names.js";
import type { Node } from "./parser.js";
import type { SqlStatement } from "./types.js";

/** What the walk found; sets keep first-seen order. */
export interface Facts {
  reads: Set<string>;
  writes: Set<string>;
  columns: Set<string>;
  functions: Set<string>;
  nested: SqlStatement[];
}

export function emptyFacts(): Facts {
  return { reads: new Set(), writes: new Set(), columns: new Set(), functions: new Set(), nested: [] };
}

/** A FROM-clause item as visible to column references: `table` is null for subqueries, CTEs and functions. */
interface Source {
  name: string;
  table: string | null;
}

interface Scope {
  sources: Source[];
  parent: Scope | undefined;
}

interface Ctx {
  facts: Facts;
  scope: Scope | undefined;
  ctes: ReadonlySet<string>;
  /** Describes a nested statement node (the caller's full describer). */
  nested: (stmt: Node) => SqlStatement;
}

const DML = new Set(["InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"]);

/** Statements whose named RangeVar fields are written (their definition or contents change). */
const WRITE_TARGETS: Record<string, string[]> = {
  CreateStmt: ["relation"],
  AlterTableStmt: ["relation"],
  RenameStmt: ["relation"],
  IndexStmt: ["relation"],
  TruncateStmt: ["relations"],
  RefreshMatViewStmt: ["relation"],
  ViewStmt: ["view"],
  CreateTrigStmt: ["relation"],
  CreatePolicyStmt: ["table"],
  AlterPolicyStmt: ["table"],
  CreateSeqStmt: ["sequence"],
  AlterSeqStmt: ["sequence"],
  AlterObjectSchemaStmt: ["relation"],
  AlterOwnerStmt: ["relation"],
  RuleStmt: ["relation"],
};

/** Statements whose query body is described as a nested statement of its own. */
const NESTED_QUERY: Record<string, string> = { PrepareStmt: "query", ExplainStmt: "query" };

/** Collects the facts of a top-level statement node (a DML node is walked, not nested). */
export function collect(stmt: Node, nested: (stmt: Node) => SqlStatement): Facts {
  const ctx: Ctx = { facts: emptyFacts(), scope: undefined, ctes: new Set(), nested };
  const node = nodeOf(stmt);
  if (node && DML.has(node[0])) dml(node[0], node[1], ctx);
  else visit(stmt, ctx);
  return ctx.facts;
}

/** Merges a nested statement's facts into the parent's and records it. */
export function adopt(facts: Facts, s: SqlStatement): void {
  for (const t of s.tables_read) facts.reads.add(t);
  for (const t of s.tables_written) facts.writes.add(t);
  for (const c of s.columns) facts.columns.add(c);
  for (const f of s.functions) facts.functions.add(f);
  facts.nested.push(s);
}

function visit(n: unknown, ctx: Ctx): void {
  if (Array.isArray(n)) {
    for (const x of n) visit(x, ctx);
    return;
  }
  if (n === null || typeof n !== "object") return;
  const node = nodeOf(n);
  if (!node) {
    // Some fields hold a RangeVar without its wrapper (VacuumRelation.relation, ClusterStmt, …).
    if (typeof (n as Node).relname === "string") return void read(n as Node, ctx);
    for (const v of Object.values(n)) visit(v, ctx);
    return;
  }
  const [type, f] = node;
  if (DML.has(type)) return adopt(ctx.facts, ctx.nested(n as Node));
  switch (type) {
    case "SelectStmt":
      return select(f, ctx);
    case "RangeVar":
      return void read(f, ctx);
    case "ColumnRef":
      return column(f, ctx);
    case "FuncCall":
      ctx.facts.functions.add(nameParts(f.funcname).join("."));
      return visitFields(f, ctx, ["funcname"]);
    case "CallStmt": {
      // The procedure call is an unwrapped FuncCall.
      const call = f.funccall as Node | undefined;
      if (call && typeof call === "object") ctx.facts.functions.add(nameParts(call.funcname).join("."));
      return visit(call?.args, ctx);
    }
    case "CreateTableAsStmt":
      writeInto(f.into, ctx);
      return visitFields(f, ctx, ["into"]);
    case "CopyStmt": {
      const rel = f.relation as Node | undefined;
      if (rel && typeof rel === "object") {
        const table = relationName(rel);
        (f.is_from === true ? ctx.facts.writes : ctx.facts.reads).add(table);
        const cols = nameParts(f.attlist);
        for (const c of cols.length > 0 ? cols : ["*"]) ctx.facts.columns.add(`${table}.${c}`);
      }
      return visitFields(f, ctx, ["relation", "attlist"]);
    }
    case "DropStmt": {
      const objType = objectTypeWord(f.removeType);
      if (RELATION_OBJECTS.has(objType)) {
        for (const o of Array.isArray(f.objects) ? f.objects : []) ctx.facts.writes.add(qualifiedRelation(fieldsOf(o, "List")?.items));
        return;
      }
      return visitFields(f, ctx, ["objects"]);
    }
  }
  const nestedField = NESTED_QUERY[type];
  if (nestedField !== undefined && f[nestedField] !== undefined) {
    adopt(ctx.facts, ctx.nested(f[nestedField] as Node));
    return visitFields(f, ctx, [nestedField]);
  }
  const targets = WRITE_TARGETS[type];
  if (targets) {
    for (const field of targets) {
      const v = f[field];
      for (const item of Array.isArray(v) ? v : [v]) {
        const rv = fieldsOf(item, "RangeVar") ?? (item as Node | undefined);
        if (rv && typeof rv === "object" && typeof rv.relname === "string") ctx.facts.writes.add(relationName(rv));
      }
    }
    return visitFields(f, ctx, targets);
  }
  visitFields(f, ctx, []);
}

function visitFields(f: Node, ctx: Ctx, skip: string[]): void {
  for (const [k, v] of Object.entries(f)) if (!skip.includes(k)) visit(v, ctx);
}

function read(rv: Node, ctx: Ctx): Source {
  const relname = str(rv.relname) ?? "";
  const alias = str((rv.alias as Node | undefined)?.aliasname);
  if (rv.schemaname === undefined && ctx.ctes.has(relname)) return { name: alias ?? relname, table: null };
  const table = relationName(rv);
  ctx.facts.reads.add(table);
  return { name: alias ?? relname, table };
}

function writeInto(into: unknown, ctx: Ctx): void {
  const rel = into && typeof into === "object" ? (into as Node).rel : undefined;
  if (rel && typeof rel === "object") ctx.facts.writes.add(relationName(rel as Node));
}

/** Applies a WITH clause: returns the CTE names visible to the statement body. */
function withClause(w: unknown, ctx: Ctx): ReadonlySet<string> {
  if (!w || typeof w !== "object") return ctx.ctes;
  const ctes = Array.isArray((w as Node).ctes) ? ((w as Node).ctes as unknown[]) : [];
  const names = ctes.map((c) => str(fieldsOf(c, "CommonTableExpr")?.ctename) ?? "");
  const visible = new Set(ctx.ctes);
  if ((w as Node).recursive === true) for (const n of names) visible.add(n);
  ctes.forEach((c, i) => {
    visit(fieldsOf(c, "CommonTableExpr")?.ctequery, { ...ctx, ctes: new Set(visible) });
    visible.add(names[i]!);
  });
  return visible;
}

/** Adds a FROM-clause item's sources to `scope`, collecting what it reads. */
function from(item: unknown, scope: Scope, ctx: Ctx): void {
  const node = nodeOf(item);
  if (!node) return visit(item, ctx);
  const [type, f] = node;
  const alias = str((f.alias as Node | undefined)?.aliasname);
  switch (type) {
    case "RangeVar":
      scope.sources.push(read(f, ctx));
      return;
    case "JoinExpr":
      from(f.larg, scope, ctx);
      from(f.rarg, scope, ctx);
      visit(f.quals, { ...ctx, scope });
      if (alias) scope.sources.push({ name: alias, table: null });
      return;
    case "RangeSubselect":
    case "RangeFunction":
    case "RangeTableFunc":
      // LATERAL items may see earlier FROM items; giving all of them the current scope is close enough.
      visitFields(f, { ...ctx, scope }, ["alias"]);
      scope.sources.push({ name: alias ?? "", table: null });
      return;
    case "RangeTableSample":
      from(f.relation, scope, ctx);
      visitFields(f, { ...ctx, scope }, ["relation"]);
      return;
    default:
      visit(item, { ...ctx, scope });
  }
}

function select(f: Node, outer: Ctx): void {
  const ctx: Ctx = { ...outer, ctes: withClause(f.withClause, outer) };
  const scope: Scope = { sources: [], parent: outer.scope };
  for (const item of Array.isArray(f.fromClause) ? f.fromClause : []) from(item, scope, ctx);
  writeInto(f.intoClause, ctx);
  visitFields(f, { ...ctx, scope }, ["withClause", "fromClause", "intoClause"]);
}

function dml(type: string, f: Node, outer: Ctx): void {
  const ctx: Ctx = { ...outer, ctes: withClause(f.withClause, outer) };
  const rv = fieldsOf({ RangeVar: f.relation }, "RangeVar") ?? {};
  const table = relationName(rv);
  ctx.facts.writes.add(table);
  const target: Source = { name: str((rv.alias as Node | undefined)?.aliasname) ?? str(rv.relname) ?? "", table };
  const scope: Scope = { sources: [target], parent: outer.scope };
  const inner: Ctx = { ...ctx, scope };
  const targetColumns = (list: unknown) => {
    for (const t of Array.isArray(list) ? list : []) {
      const rt = fieldsOf(t, "ResTarget");
      if (rt && typeof rt.name === "string") ctx.facts.columns.add(`${table}.${rt.name}`);
      if (rt) visit(rt.val, inner);
      // UPDATE … SET (a, b) = (SELECT …) names each column in its own ResTarget too.
    }
  };
  switch (type) {
    case "InsertStmt":
      targetColumns(f.cols);
      // The target is not in scope for the SELECT/VALUES that produces the rows.
      visit(f.selectStmt, ctx);
      scope.sources.push({ name: "excluded", table });
      visit(f.onConflictClause, inner);
      visit(f.returningClause ?? f.returningList, inner);
      return;
    case "UpdateStmt":
      for (const item of Array.isArray(f.fromClause) ? f.fromClause : []) from(item, scope, ctx);
      targetColumns(f.targetList);
      visitFields(f, inner, ["withClause", "relation", "fromClause", "targetList"]);
      return;
    case "DeleteStmt":
      for (const item of Array.isArray(f.usingClause) ? f.usingClause : []) from(item, scope, ctx);
      visitFields(f, inner, ["withClause", "relation", "usingClause"]);
      return;
    case "MergeStmt":
      from(f.sourceRelation, scope, ctx);
      visit(f.joinCondition, inner);
      for (const w of Array.isArray(f.mergeWhenClauses) ? f.mergeWhenClauses : []) {
        const clause = fieldsOf(w, "MergeWhenClause");
        if (!clause) continue;
        targetColumns(clause.targetList);
        visitFields(clause, inner, ["targetList"]);
      }
      visit(f.returningClause ?? f.returningList, inner);
      return;
  }
}

function column(f: Node, ctx: Ctx): void {
  const parts = nameParts(f.fields);
  const out = ctx.facts.columns;
  if (parts.length === 1) {
    const col = parts[0]!;
    const sources = innermostSources(ctx.scope);
    if (col === "*") {
      if (sources.length === 0) out.add("*");
      for (const s of sources) out.add(`${s.table ?? s.name}.*`);
      return;
    }
    const only = sources.length === 1 ? sources[0]! : undefined;
    out.add(only?.table ? `${only.table}.${col}` : col);
    return;
  }
  if (parts.length === 2) {
    const [q, col] = parts as [string, string];
    const source = findSource(ctx.scope, q);
    out.add(source?.table ? `${source.table}.${col}` : `${q}.${col}`);
    return;
  }
  out.add(parts.join("."));
}

function innermostSources(scope: Scope | undefined): Source[] {
  for (let s = scope; s; s = s.parent) if (s.sources.length > 0) return s.sources;
  return [];
}

function findSource(scope: Scope | undefined, name: string): Source | undefined {
  for (let s = scope; s; s = s.parent) {
    const hit = s.sources.find((x) => x.name === name);
    if (hit) return hit;
  }
  return undefined;
}
