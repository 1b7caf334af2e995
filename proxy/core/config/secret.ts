/**
 * Secrets of the config (upstream passwords, private keys, HMAC keys): given inline, as
 * `${ENV_VAR}`, or as `file:path` (relative to the config file; one trailing newline
 * dropped, as `echo secret > file` leaves one).
 *
 * A resolved secret is a `Secret`, not a string: `JSON.stringify`, template strings and
 * `console.log`/`util.inspect` all print `***`, so a config that ends up in a log, an error
 * or a recording cannot leak it. Code that needs the value calls `reveal()`, which is easy
 * to grep for.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { inspect } from "node:util";
import { fail, shown, type Validator } from "./schema.js";

export const REDACTED = "***";

/** Where a secret came from; an inline secret in a config file may deserve a warning. */
export type SecretSource = "inline" | "env" | "file";

export class Secret {
  readonly #value: string;
  constructor(
    value: string,
    readonly source: SecretSource,
  ) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return REDACTED;
  }
  toString(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

const ENV_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * The config field holding a secret. Error messages name the variable or the file, never a
 * value: a mistyped secret must not be echoed into a startup log.
 */
export const secret: Validator<Secret> = (v, at, cx) => {
  if (typeof v !== "string" || v === "") {
    return fail(cx, at, `expected a secret (a string, "\${ENV_VAR}" or "file:path"), got ${typeof v === "string" ? "an empty string" : typeof v === "number" ? "a number" : shown(v)}`);
  }
  const env = ENV_REF.exec(v);
  if (env) {
    const value = cx.env[env[1]!];
    if (value === undefined) return fail(cx, at, `environment variable ${env[1]} is not set`);
    if (value === "") return fail(cx, at, `environment variable ${env[1]} is empty`);
    return new Secret(value, "env");
  }
  if (v.startsWith("${")) return fail(cx, at, 'expected "${ENV_VAR}" with a variable name of letters, digits and _');
  if (v.startsWith("file:")) {
    const rel = v.slice("file:".length);
    if (rel === "") return fail(cx, at, 'expected a path after "file:"');
    const path = isAbsolute(rel) ? rel : resolve(cx.baseDir, rel);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      return fail(cx, at, `cannot read secret file ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
    }
    const value = text.replace(/\r?\n$/, "");
    if (value === "") return fail(cx, at, `secret file ${path} is empty`);
    return new Secret(value, "file");
  }
  return new Secret(v, "inline");
};

/** Only for `secret` results that passed validation. */
export function isSecret(v: unknown): v is Secret {
  return v instanceof Secret;
}
