/**
 * Name normalisation shared by the describer's stages.
 *
 * The parser has already applied PostgreSQL's identifier rules (unquoted identifiers
 * lower-cased, quoted kept verbatim), so here we only add the schema PostgreSQL would
 * most likely resolve an unqualified name to, and turn enum names into policy words.
 */
import type { Node } from "./parser.js";

export const DEFAULT_SCHEMA = "public";

/** The fields of a node `{ Type: fields }`, or undefined if `n` is not that node type. */
export function fieldsOf(n: unknown, type: string): Node | undefined {
  if (n === null || typeof n !== "object") return undefined;
  const inner = (n as Node)[type];
  return inner !== null && typeof inner === "object" ? (inner as Node) : undefined;
}

/** The node type and fields of a single-key node object, if it is one. */
export function nodeOf(n: unknown): [string, Node] | undefined {
  if (n === null || typeof n !== "object" || Array.isArray(n)) return undefined;
  const keys = Object.keys(n);
  if (keys.length !== 1) return undefined;
  const type = keys[0]!;
  const inner = (n as Node)[type];
  if (!/^[A-Z]/.test(type) || inner === null || typeof inner !== "object" || Array.isArray(inner)) return undefined;
  return [type, inner as Node];
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Qualifies a relation name: pg_* names live in pg_catalog, which PostgreSQL searches first. */
export function qualify(schema: string | undefined, name: string, catalog?: string): string {
  const s = schema ?? (name.startsWith("pg_") ? "pg_catalog" : DEFAULT_SCHEMA);
  return catalog ? `${catalog}.${s}.${name}` : `${s}.${name}`;
}

/** A RangeVar's normalised name. */
export function relationName(rv: Node): string {
  return qualify(str(rv.schemaname), str(rv.relname) ?? "", str(rv.catalogname));
}

/** A list of `String` nodes (qualified names in the parse tree) → their parts. */
export function nameParts(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((n) => str(fieldsOf(n, "String")?.sval) ?? "*");
}

/** A qualified name from a list of `String` nodes, as a relation (schema defaulted). */
export function qualifiedRelation(list: unknown): string {
  const parts = nameParts(list);
  const name = parts.at(-1) ?? "";
  return qualify(parts.length >= 2 ? parts.at(-2) : undefined, name, parts.length >= 3 ? parts.at(-3) : undefined);
}

/** `OBJECT_MATVIEW` → `materialized_view`, `OBJECT_FOREIGN_TABLE` → `foreign_table`. */
export function objectTypeWord(objtype: unknown): string {
  const raw = (str(objtype) ?? "OBJECT_UNKNOWN").replace(/^OBJECT_/, "").toLowerCase();
  return raw === "matview" ? "materialized_view" : raw;
}

/** Object types whose names are relations, so that dropping or altering one writes a table name. */
export const RELATION_OBJECTS = new Set(["table", "view", "materialized_view", "foreign_table", "sequence", "index"]);

/** `CreateForeignTableStmt` → `create_foreign_table`. */
export function snake(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z])([A-Z][a-z])/g, "$1_$2").toLowerCase();
}
