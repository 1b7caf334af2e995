/**
 * A copy of the config fit for logs: every `Secret` becomes `***`. `Secret` already prints
 * itself as `***`, so this is for consumers that walk the object themselves (structured
 * loggers, the admin API's config view) and must not find a `reveal()`-able value.
 */
import { isSecret, REDACTED } from "./secret.js";
import type { Config } from "./types.js";

export type Redacted<T> = T extends { reveal(): string } ? typeof REDACTED : T extends (infer U)[] ? Redacted<U>[] : T extends object ? { [K in keyof T]: Redacted<T[K]> } : T;

export function redact(config: Config): Redacted<Config> {
  return walk(config) as Redacted<Config>;
}

function walk(v: unknown): unknown {
  if (isSecret(v)) return REDACTED;
  if (Array.isArray(v)) return v.map(walk);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
  return v;
}
