/**
 * MySQL/MariaDB statement → `input.request`, in pipeline order: `lexer` (split and expand
 * executable comments as the server does), `collect` (names from node-sql-parser's AST),
 * `describe` (the request document). Field docs: `types.ts`.
 */
export { lexMysql, parseServerVersion, type LexOptions, type LexResult, type LexedStatement } from "./lexer.js";
export { describeMysql, type DescribeOptions } from "./describe.js";
export type { MysqlRequest, MysqlStatement, ParseError } from "./types.js";
