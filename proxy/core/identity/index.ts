/** OIDC token verification for every protocol front end: token → `input.identity`. */
export { createAuthenticator, identityConfigProblems, DEFAULT_CLOCK_SKEW_SECONDS } from "./authenticator.js";
export { createDemoIssuer, type DemoAlg, type DemoIssuer, type DemoIssuerOptions, type MintOptions } from "./demo-issuer.js";
export { checkJwksUrl, isLoopbackHost } from "./fetch.js";
export { claimAt, groupsFrom, isAgent, toIdentity, DEFAULT_GROUPS_CLAIM } from "./mapping.js";
export { AuthError, DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS, type AgentRule, type AsymmetricAlg, type AuthenticatorOptions, type IdentityConfig, type ProviderConfig } from "./types.js";
