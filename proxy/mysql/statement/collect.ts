/**
 * Stage 3: names from a node-sql-parser AST. One walk over the whole statement collects
 * tables (read or written), columns, functions and nested statements; the name lists are
 * the union over everything nested, so a policy that checks only the top level is safe.
 */

/** A node of node-sql-parser's AST; we only read it. */
export type Node = Record<string, unknown>;

export interface Names {
  read: Set<string>;
  written: Set<string>;
  columns: Set<string>;
  functions: Set<string>;
  /** Directly nested statement nodes (subqueries, INSERT … SELECT sources, UNION arms, EXPLAIN targets). */
  nested: Node[];
  loadFile: boolean;
  intoOutfile?: string;
}

const STATEMENT_TYPES = new Set(["select", "insert", "replace", "update", "delete"]);

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** `db.table`, with the session's database for an unqualified name when known. */
export function tableName(db: unknown, table: string, database: string | undefined): string {
  const d = str(db) ?? database;
  return d ? `${d}.${table}` : table;
}

/** An identifier node-sql-parser gives either as a string or as `{ expr: { value } }` / `{ value }`. */
function ident(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (isNode(v)) {
    if (isNode(v.expr)) return ident(v.expr);
    if (typeof v.value === "string") return v.value;
  }
  return null;
}

/** A function's name, `schema.name` when written so, lower-cased. */
function functionName(node: Node): string | null {
  const n = node.name;
  if (typeof n === "string") return n.toLowerCase();
  if (!isNode(n)) return null;
  const parts = Array.isArray(n.name) ? n.name.map(ident).filter((p): p is string => p !== null) : [];
  if (parts.length === 0) return null;
  const schema = ident(n.schema);
  return (schema ? [schema, ...parts] : parts).join(".").toLowerCase();
}

export function collectNames(root: Node, database: string | undefined): Names {
  const names: Names = { read: new Set(), written: new Set(), columns: new Set(), functions: new Set(), nested: [], loadFile: false };
  // Alias or table name → full table name, over the whole statement.
  const scope = new Map<string, string>();
  const columnRefs: { table: string | null; column: string }[] = [];

  const addTable = (entry: unknown, into: Set<string>): void => {
    if (!isNode(entry) || typeof entry.table !== "string") return;
    const full = tableName(entry.db, entry.table, database);
    into.add(full);
    scope.set(entry.table, full);
    if (typeof entry.as === "string") scope.set(entry.as, full);
  };

  const targets = (node: Node): void => {
    const type = node.type;
    const tables = Array.isArray(node.table) ? node.table : node.table ? [node.table] : [];
    if (type === "insert" || type === "replace") {
      for (const t of tables) addTable(t, names.written);
      const target = isNode(tables[0]) && typeof tables[0].table === "string" ? tableName(tables[0].db, tables[0].table, database) : null;
      for (const c of Array.isArray(node.columns) ? node.columns : []) {
        const column = ident(c);
        if (column !== null && target) names.columns.add(`${target}.${column}`);
      }
    }
    if (type === "delete") for (const t of tables) addTable(t, names.written);
    if (type === "update") {
      // The tables a SET names are written; with unqualified SETs, the first table.
      const setTables = new Set((Array.isArray(node.set) ? node.set : []).map((s) => (isNode(s) ? str(s.table) : null)));
      tables.forEach((t, i) => {
        if (!isNode(t)) return;
        const written = setTables.has(str(t.table)) || setTables.has(str(t.as)) || (setTables.has(null) && i === 0);
        addTable(t, written ? names.written : names.read);
      });
    }
  };

  // `inside`: whether we are already within a nested statement, whose own describe lists
  // its nested ones (names are still collected all the way down).
  const walk = (v: unknown, depth: number, top: boolean, inside: boolean): void => {
    if (depth > 200) return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1, false, inside);
      return;
    }
    if (!isNode(v)) return;
    const statement = !top && typeof v.type === "string" && STATEMENT_TYPES.has(v.type) && ("from" in v || "table" in v);
    if (statement && !inside) names.nested.push(v);
    targets(v);
    if (Array.isArray(v.from)) for (const f of v.from) addTable(f, names.read);
    if (v.type === "column_ref") {
      const column = ident(v.column);
      if (column !== null) columnRefs.push({ table: str(v.table), column });
    }
    if (v.type === "function" || v.type === "aggr_func") {
      const f = functionName(v);
      if (f) {
        names.functions.add(f);
        if (f === "load_file") names.loadFile = true;
      }
    }
    if (v.type === "into" && (v.keyword === "OUTFILE" || v.keyword === "DUMPFILE")) {
      const file = isNode(v.expr) ? str(v.expr.value) : null;
      names.intoOutfile = file ?? "";
    }
    for (const [key, child] of Object.entries(v)) {
      if (key === "table" && (v.type === "insert" || v.type === "replace" || v.type === "delete" || v.type === "update")) continue;
      walk(child, depth + 1, false, inside || statement);
    }
  };
  walk(root, 0, true, false);

  const tables = [...new Set(scope.values())];
  for (const { table, column } of columnRefs) {
    const resolved = table !== null ? (scope.get(table) ?? table) : tables.length === 1 ? tables[0]! : null;
    if (column === "*") {
      if (resolved) names.columns.add(`${resolved}.*`);
      else if (tables.length === 0) names.columns.add("*");
      else for (const t of tables) names.columns.add(`${t}.*`);
    } else {
      names.columns.add(resolved ? `${resolved}.${column}` : column);
    }
  }
  // A table both read and written is reported as written only when it is the target.
  for (const w of names.written) names.read.delete(w);
  return names;
}
