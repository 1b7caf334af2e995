/**
 * SQL statement → `input.request`, in pipeline order: `parser` (libpg-query), `classify`
 * (kind and kind-specific fields), `collect` (relations, columns, functions, nested DML),
 * `bodies` (PL/pgSQL of DO blocks and functions), `describe` (the entry point).
 */
export { describeSql, describeSqlSync, type DescribeOptions } from "./describe.js";
export { ensureParser } from "./parser.js";
export type { ParseError, SqlRequest, SqlStatement } from "./types.js";
