/**
 * A small validator toolkit for the config schema (no schema library: the gateway's config
 * is one fixed shape, and errors must read like `connections[1].upstream.port: expected an
 * integer between 1 and 65535, got "abc"`).
 *
 * A validator returns the checked (and defaulted) value, or `INVALID` after recording one
 * or more errors in the context; validation goes on past errors so that one run reports
 * every problem of the file.
 */
import { accessSync, constants, statSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";

export const INVALID: unique symbol = Symbol("invalid");
export type Invalid = typeof INVALID;

/** One problem of a config file. `path` is `""` for the document itself. */
export interface ConfigError {
  path: string;
  message: string;
  /** 1-based line in the YAML text, when known. */
  line?: number;
}

export type Path = readonly (string | number)[];

export interface Context {
  errors: ConfigError[];
  /** Where relative file paths (and `file:` secrets) are resolved. */
  baseDir: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Check that files and folders the gateway reads at start-up exist. */
  checkFiles: boolean;
}

export type Validator<T> = (value: unknown, at: Path, cx: Context) => T | Invalid;

/** `connections[1].upstream.port`. Keys that are not identifiers are quoted. */
export function formatPath(path: Path): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(p)) out += out === "" ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

export function fail(cx: Context, at: Path, message: string): Invalid {
  cx.errors.push({ path: formatPath(at), message });
  return INVALID;
}

/** How a wrong value is shown: short JSON, or its kind for objects and lists. */
export function shown(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

export function string(opts: { pattern?: RegExp; what?: string; nonEmpty?: boolean } = {}): Validator<string> {
  return (v, at, cx) => {
    if (typeof v !== "string") return fail(cx, at, `expected ${opts.what ?? "a string"}, got ${shown(v)}`);
    if ((opts.nonEmpty ?? true) && v.trim() === "") return fail(cx, at, `expected ${opts.what ?? "a string"}, got an empty string`);
    if (opts.pattern && !opts.pattern.test(v)) return fail(cx, at, `expected ${opts.what ?? `a string matching ${opts.pattern}`}, got ${shown(v)}`);
    return v;
  };
}

export function integer(min: number, max: number): Validator<number> {
  return (v, at, cx) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) return fail(cx, at, `expected an integer between ${min} and ${max}, got ${shown(v)}`);
    return v;
  };
}

export const boolean: Validator<boolean> = (v, at, cx) => (typeof v === "boolean" ? v : fail(cx, at, `expected true or false, got ${shown(v)}`));

export function oneOf<const T extends string>(choices: readonly T[]): Validator<T> {
  return (v, at, cx) =>
    typeof v === "string" && (choices as readonly string[]).includes(v) ? (v as T) : fail(cx, at, `expected one of ${choices.join(", ")}, got ${shown(v)}`);
}

export function list<T>(item: Validator<T>, opts: { minItems?: number } = {}): Validator<T[]> {
  return (v, at, cx) => {
    if (!Array.isArray(v)) return fail(cx, at, `expected a list, got ${shown(v)}`);
    if (opts.minItems !== undefined && v.length < opts.minItems) return fail(cx, at, `expected at least ${opts.minItems} item${opts.minItems === 1 ? "" : "s"}, got ${v.length}`);
    const out: T[] = [];
    let ok = true;
    v.forEach((x, i) => {
      const r = item(x, [...at, i], cx);
      if (r === INVALID) ok = false;
      else out.push(r);
    });
    return ok ? out : INVALID;
  };
}

/** A mapping with free keys, e.g. `tags`. */
export function mapOf<T>(item: Validator<T>): Validator<Record<string, T>> {
  return (v, at, cx) => {
    if (!isMapping(v)) return fail(cx, at, `expected a mapping, got ${shown(v)}`);
    const out: Record<string, T> = {};
    let ok = true;
    for (const [k, x] of Object.entries(v)) {
      const r = item(x, [...at, k], cx);
      if (r === INVALID) ok = false;
      else out[k] = r;
    }
    return ok ? out : INVALID;
  };
}

/** One field of an `object`: required, optional, or defaulted. */
export interface Field {
  check: Validator<unknown>;
  required?: boolean;
  default?: unknown;
  /** Run `check` even when the field is absent (it computes its own default). */
  always?: boolean;
}

export const req = (check: Validator<unknown>): Field => ({ check, required: true });
export const opt = (check: Validator<unknown>): Field => ({ check });
export const dflt = (check: Validator<unknown>, value: unknown): Field => ({ check, default: value });
export const always = (check: Validator<unknown>): Field => ({ check, always: true });

/**
 * A mapping with known fields. Unknown fields are errors (a typo such as `pasword` must not
 * silently drop a setting). `refine` runs only when every field is valid, for rules that
 * span fields; it reports through `fail` and returns false to reject.
 */
export function object<T>(shape: Record<string, Field>, refine?: (o: T, at: Path, cx: Context) => boolean): Validator<T> {
  return (v, at, cx) => {
    if (!isMapping(v)) return fail(cx, at, `expected a mapping, got ${shown(v)}`);
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const key of Object.keys(v)) {
      if (!(key in shape)) {
        const near = Object.keys(shape).find((k) => editDistance(k, key) <= 2);
        fail(cx, [...at, key], near ? `unknown field; did you mean ${near}?` : `unknown field (expected one of: ${Object.keys(shape).join(", ")})`);
        ok = false;
      }
    }
    for (const [key, field] of Object.entries(shape)) {
      const x = v[key];
      if ((x === undefined || x === null) && !field.always) {
        if (field.required) {
          fail(cx, [...at, key], "is required");
          ok = false;
        } else if (field.default !== undefined) {
          out[key] = structuredClone(field.default);
        }
        continue;
      }
      const r = field.check(x, [...at, key], cx);
      if (r === INVALID) ok = false;
      else out[key] = r;
    }
    if (!ok) return INVALID;
    if (refine && !refine(out as T, at, cx)) return INVALID;
    return out as T;
  };
}

/** A file path; relative paths are taken from the config file's folder. */
export const filePath: Validator<string> = (v, at, cx) => {
  const s = string({ what: "a file path" })(v, at, cx);
  if (s === INVALID) return s;
  return isAbsolute(s) ? s : resolve(cx.baseDir, s);
};

/**
 * A file the gateway reads at start-up or on first use (certificates, CAs, JWKS files):
 * a missing one is reported with the rest of the config's problems instead of at the first
 * client connection.
 */
export const existingFile: Validator<string> = (v, at, cx) => {
  const p = filePath(v, at, cx);
  if (p === INVALID || !cx.checkFiles) return p;
  try {
    if (!statSync(p).isFile()) return fail(cx, at, `${p} is not a file`);
    accessSync(p, constants.R_OK);
  } catch (e) {
    return fail(cx, at, `cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
  return p;
};

export const existingDir: Validator<string> = (v, at, cx) => {
  const p = filePath(v, at, cx);
  if (p === INVALID || !cx.checkFiles) return p;
  try {
    if (!statSync(p).isDirectory()) return fail(cx, at, `${p} is not a directory`);
  } catch (e) {
    return fail(cx, at, `cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
  return p;
};

/** A file the gateway creates: its folder must exist. */
export const creatableFile: Validator<string> = (v, at, cx) => {
  const p = filePath(v, at, cx);
  if (p === INVALID || !cx.checkFiles) return p;
  try {
    if (!statSync(dirname(p)).isDirectory()) return fail(cx, at, `${dirname(p)} is not a directory`);
  } catch (e) {
    return fail(cx, at, `cannot create ${p}: folder ${dirname(p)}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
  return p;
};

/** `host:port`, `[v6]:port` or `:port`. */
export const address: Validator<string> = (v, at, cx) => {
  const s = string({ what: 'an address "host:port"' })(v, at, cx);
  if (s === INVALID) return s;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]*):(\d+)$/.exec(s);
  if (!m) return fail(cx, at, `expected an address "host:port", got ${shown(v)}`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return fail(cx, at, `port must be between 1 and 65535, got ${m[2]}`);
  return s;
};

export function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Levenshtein distance, for "did you mean" on short field names. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
