/**
 * The entry point: YAML text → validated `Config`, or every problem found.
 *
 * Stages: parse (the `yaml` package, YAML 1.2 core schema, duplicate keys refused, aliases
 * bounded) → validate each section (sections.ts) → rules across sections (listener ↔
 * connection) → line numbers attached to each error from the parsed document.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { admin, approvals, connection, decisionLog, identity, listener, masking, policy, recording } from "./sections.js";
import { fail, INVALID, list, object, opt, req, type ConfigError, type Context, type Path } from "./schema.js";
import type { Config, Connection, Listener } from "./types.js";

export interface LoadOptions {
  /** Environment for `${VAR}` secrets. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Folder for relative paths when loading text. Default the current directory. */
  baseDir?: string;
  /** Check that referenced files and folders exist (certificates, CAs, JWKS files, policy dir). Default true. */
  checkFiles?: boolean;
}

export type LoadResult = { config: Config } | { errors: ConfigError[] };

/** A string is a path to read; `{text}` is the YAML itself. */
export function loadConfig(source: string | { text: string }, options: LoadOptions = {}): LoadResult {
  if (typeof source === "string") {
    const path = resolve(source);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      return { errors: [{ path: "", message: `cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}` }] };
    }
    return parseConfig(text, { baseDir: dirname(path), ...options });
  }
  return parseConfig(source.text, options);
}

const topLevel = object<Omit<Config, "listeners"> & { listeners: (Omit<Listener, "protocol"> & { protocol?: Listener["protocol"] })[] }>({
  listeners: req(list(listener, { minItems: 1 })),
  connections: req(list(connection, { minItems: 1 })),
  identity: req(identity),
  policy: req(policy),
  decision_log: opt(decisionLog),
  recording: opt(recording),
  admin: opt(admin),
  approvals: opt(approvals),
  masking: opt(masking),
});

export function parseConfig(text: string, options: LoadOptions = {}): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true, strict: true });
  if (doc.errors.length > 0) {
    // Later parse errors are mostly echoes of the first; a few are enough to find it.
    return { errors: doc.errors.slice(0, 3).map((e) => ({ path: "", message: `invalid YAML: ${e.message.split("\n")[0]}`, ...(e.linePos ? { line: e.linePos[0].line } : {}) })) };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    return { errors: [{ path: "", message: `invalid YAML: ${(e as Error).message}` }] };
  }
  const cx: Context = { errors: [], baseDir: options.baseDir ?? process.cwd(), env: options.env ?? process.env, checkFiles: options.checkFiles ?? true };
  const checked = raw === null || raw === undefined ? fail(cx, [], "the config is empty") : topLevel(raw, [], cx);
  if (checked !== INVALID) crossCheck(checked.listeners, checked.connections, cx);
  if (cx.errors.length > 0 || checked === INVALID) return { errors: cx.errors.map((e) => withLine(e, doc, lines)) };
  return { config: checked as Config };
}

/** Listeners name existing connections of their protocol; names and addresses are unique. */
function crossCheck(listeners: (Omit<Listener, "protocol"> & { protocol?: Listener["protocol"] })[], connections: Connection[], cx: Context): void {
  const byName = new Map<string, Connection>();
  connections.forEach((c, i) => {
    if (byName.has(c.name)) fail(cx, ["connections", i, "name"], `connection ${c.name} is defined twice`);
    else byName.set(c.name, c);
  });
  const addresses = new Map<string, number>();
  listeners.forEach((l, i) => {
    const at: Path = ["listeners", i];
    const c = byName.get(l.connection);
    if (!c) fail(cx, [...at, "connection"], `no connection named ${l.connection} (defined: ${[...byName.keys()].join(", ") || "none"})`);
    else if (l.protocol !== undefined && l.protocol !== c.type) fail(cx, [...at, "protocol"], `is ${l.protocol} but connection ${c.name} is ${c.type}`);
    else l.protocol = c.type;
    const seen = addresses.get(l.address);
    if (seen !== undefined) fail(cx, [...at, "address"], `${l.address} is already used by listeners[${seen}]`);
    else addresses.set(l.address, i);
  });
}

function withLine(e: ConfigError, doc: Document, lines: LineCounter): ConfigError {
  const node = nearestNode(doc, parsePath(e.path));
  const offset = node?.range?.[0];
  return offset === undefined ? e : { ...e, line: lines.linePos(offset).line };
}

/** The node at `path`, or its closest existing ancestor (a missing field points at its parent). */
function nearestNode(doc: Document, path: (string | number)[]): Node | undefined {
  let here: unknown = doc.contents;
  let best: Node | undefined = (doc.contents as Node | null) ?? undefined;
  for (const key of path) {
    if (isMap(here)) {
      const pair = here.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
      if (!pair) break;
      // Point at the key for an unknown field, at the value otherwise.
      here = pair.value ?? pair.key;
      best = ((pair.value as Node | null) ?? (pair.key as Node | null)) ?? best;
    } else if (isSeq(here) && typeof key === "number") {
      here = here.items[key];
      if (!here) break;
      best = here as Node;
    } else break;
  }
  return best;
}

/** The inverse of `formatPath`, for the keys it produces. */
function parsePath(text: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]!) as string)));
  return out;
}

/** `portcullis.yaml:12: connections[1].upstream.port: expected …` (file and line when known). */
export function formatConfigError(e: ConfigError, file?: string): string {
  const where = file !== undefined ? (e.line !== undefined ? `${file}:${e.line}: ` : `${file}: `) : e.line !== undefined ? `line ${e.line}: ` : "";
  return `${where}${e.path === "" ? "" : `${e.path}: `}${e.message}`;
}
