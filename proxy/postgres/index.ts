/**
 * The PostgreSQL front end: the wire codec, statement → `input.request`, and the gateway
 * (listener, TLS, token authentication, upstream, enforcement, cancel).
 */
export { PostgresGateway, refusalOf, DENIED, AUTH_FAILED, type GatewayOptions, type UpstreamConfig, type GatewayLogEvent, type Refusal } from "./session/index.js";
export { describeSql, describeSqlSync, ensureParser, type SqlRequest, type SqlStatement } from "./statement/index.js";
