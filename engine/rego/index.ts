/** The Rego v1 front end: lexer, parser, printer and AST helpers. */
export * from "./ast.js";
export { parseModule, parseQuery, parseTerm } from "./parser.js";
export { printModule, printBody, printTerm } from "./printer.js";
export { stripLocations } from "./equality.js";
