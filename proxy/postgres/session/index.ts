/**
 * The PostgreSQL gateway's session layer, in pipeline order: `frontend` (TLS, startup,
 * token authentication), `upstream` (+ `upstream-auth`: the gateway's own login),
 * `enforce` (statement → decision → refusal), `session` (client → upstream),
 * `relay` (upstream → client), `cancel` (cancel-key routing), `gateway` (the listener).
 */
export { PostgresGateway } from "./gateway.js";
export { refusalOf, DENIED } from "./enforce.js";
export { AUTH_FAILED } from "./upstream.js";
export type { GatewayOptions, UpstreamConfig, GatewayLogEvent, Refusal, BackendKey } from "./types.js";
