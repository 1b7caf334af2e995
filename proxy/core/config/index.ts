/** The gateway's YAML config: load, validate, resolve secrets, redact for logs. */
export { loadConfig, parseConfig, formatConfigError, type LoadOptions, type LoadResult } from "./load.js";
export { redact, type Redacted } from "./redact.js";
export { toConnectionInfo, toIdentityConfig, toMaskConfig } from "./adapt.js";
export { Secret, REDACTED, type SecretSource } from "./secret.js";
export { formatPath, type ConfigError } from "./schema.js";
export type * from "./types.js";
