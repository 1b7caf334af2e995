/** The gateway's admin HTTP API (approvals for now), authenticated with OIDC tokens. */
export { startAdminServer, parseAddress, type AdminServer, type AdminServerOptions } from "./server.js";
export { route, type RouteResult } from "./routes.js";
