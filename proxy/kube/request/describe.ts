/**
 * Stage 4, the entry point: one HTTP request to the Kubernetes API → `input.request`.
 * Never throws: whatever cannot be read becomes `parse_error`, and the fields keep what
 * could be read, so the decision and the recording both still say what was asked.
 */
import { decodeBody, patchTypeOf } from "./body.js";
import { parsePath, type PathInfo } from "./path.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import type { ExecOptions, HttpRequestParts, KubeRequest } from "./types.js";

/** Verbs of the methods that change things, for resources and their subresources alike. */
const WRITE_VERBS: Record<string, string> = { POST: "create", PUT: "update", PATCH: "patch" };

/** Subresources that start a stream into a container. */
const EXEC_SUBRESOURCES = new Set(["exec", "attach"]);

export function describeKubeRequest(parts: HttpRequestParts): KubeRequest {
  try {
    return describe(parts);
  } catch (e) {
    // Only reachable through a bug; still a value, and still denied by policy.
    return { ...emptyRequest(String(parts?.method ?? "").toUpperCase(), ""), parse_error: `internal error describing the request: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function describe(parts: HttpRequestParts): KubeRequest {
  const method = String(parts.method ?? "").toUpperCase();
  const target = String(parts.path ?? "");
  const q = target.indexOf("?");
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = new URLSearchParams(q === -1 ? "" : target.slice(q + 1));
  if (parts.query !== undefined) for (const [k, v] of new URLSearchParams(parts.query)) query.append(k, v);

  const errors: string[] = [];
  const parsed = parsePath(rawPath);
  if (!parsed.ok) errors.push(parsed.error);
  const info = parsed.info;
  const req = emptyRequest(method, info.path);
  Object.assign(req, {
    kind: info.kind, group: info.group, version: info.version, resource: info.resource,
    subresource: info.subresource, namespace: info.namespace, name: info.name,
  });
  if (!/^[A-Z]+$/.test(method)) errors.push(`invalid HTTP method ${JSON.stringify(method)}`);
  req.upgrade = upgradeOf(parts.headers ?? {});

  if (info.kind !== "resource") {
    req.verb = method.toLowerCase();
  } else {
    req.verb = resourceVerb(method, info, query);
    const labels = parseLabelSelector(query.get("labelSelector") ?? "");
    if (labels.ok) req.label_selector = labels.requirements;
    else errors.push(labels.error);
    const fields = parseFieldSelector(query.get("fieldSelector") ?? "");
    if (fields.ok) req.field_selector = fields.requirements;
    else errors.push(fields.error);
    req.dry_run = query.getAll("dryRun").some((v) => v === "All");
    if (EXEC_SUBRESOURCES.has(info.subresource)) req.exec = execOptions(info.subresource, query);
    if (info.subresource === "portforward") {
      for (const p of query.getAll("ports").flatMap((v) => v.split(","))) {
        const n = Number(p.trim());
        if (Number.isInteger(n) && n > 0 && n < 65536) req.ports.push(n);
        else errors.push(`invalid port ${JSON.stringify(p)} for portforward`);
      }
    }
  }

  const contentType = header(parts.headers ?? {}, "content-type");
  if (method === "PATCH") {
    req.patch_type = patchTypeOf(contentType);
    if (req.patch_type === null && info.kind === "resource") errors.push(`unsupported patch Content-Type ${JSON.stringify(contentType ?? "")}`);
  }
  const bytes = parts.body;
  const hasBody = bytes !== undefined && bytes !== null && (typeof bytes === "string" ? bytes.length : bytes.byteLength) > 0;
  if (hasBody && method in WRITE_VERBS) {
    const decoded = decodeBody(bytes, contentType);
    if (decoded.ok) req.body = decoded.body;
    else {
      errors.push(decoded.error);
      req.body = decoded.body ?? null;
    }
  }
  if (errors.length > 0) req.parse_error = errors.join("; ");
  return req;
}

function emptyRequest(method: string, path: string): KubeRequest {
  return {
    kind: "non_resource", verb: method.toLowerCase(), group: "", version: "", resource: "", subresource: "",
    namespace: "", name: "", path, method, label_selector: [], field_selector: [], dry_run: false,
    patch_type: null, body: null, exec: null, ports: [], upgrade: null, parse_error: null,
  };
}

/** The API server's mapping (RequestInfoFactory), subresources included. */
function resourceVerb(method: string, info: PathInfo, query: URLSearchParams): string {
  const write = WRITE_VERBS[method];
  if (write) return write;
  if (method === "DELETE") return info.name === "" ? "deletecollection" : "delete";
  if (method === "GET" || method === "HEAD") {
    if (info.watch_prefix || isTrue(query.get("watch"))) return "watch";
    return info.name === "" ? "list" : "get";
  }
  return method.toLowerCase();
}

function execOptions(subresource: string, query: URLSearchParams): ExecOptions {
  return {
    container: query.get("container") ?? "",
    command: subresource === "exec" ? query.getAll("command") : [],
    stdin: isTrue(query.get("stdin")),
    // The API server defaults stdout to true for attach and exec when unset.
    stdout: query.has("stdout") ? isTrue(query.get("stdout")) : true,
    stderr: isTrue(query.get("stderr")),
    tty: isTrue(query.get("tty")),
  };
}

/** Go's strconv.ParseBool, which is what the API server uses for query flags. */
function isTrue(value: string | null): boolean {
  return value !== null && ["1", "t", "T", "true", "TRUE", "True"].includes(value);
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== name) continue;
    return Array.isArray(v) ? v.join(", ") : v;
  }
  return undefined;
}

function upgradeOf(headers: Record<string, string | string[] | undefined>): "websocket" | "spdy" | null {
  const connection = (header(headers, "connection") ?? "").toLowerCase();
  if (!connection.split(",").some((t) => t.trim() === "upgrade")) return null;
  const upgrade = (header(headers, "upgrade") ?? "").toLowerCase();
  if (upgrade.includes("websocket")) return "websocket";
  if (upgrade.includes("spdy")) return "spdy";
  return null;
}
