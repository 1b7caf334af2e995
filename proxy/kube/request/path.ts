/**
 * Stage 1: the URL path → which endpoint, following the API server's own request-info
 * rules (k8s.io/apiserver, `RequestInfoFactory`): `/api/v1` is the core group,
 * `/apis/<group>/<version>` any other; a legacy `watch/` step marks a watch; then
 * `namespaces/<ns>/<resource>[/<name>[/<subresource>[/…]]]` or `<resource>[/<name>…]`.
 */
import type { KubeRequestKind } from "./types.js";

/** Where the path points. `extra` is what follows a subresource (the path of `proxy`). */
export interface PathInfo {
  kind: KubeRequestKind;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /** The legacy `/api/v1/watch/…` prefix. */
  watch_prefix: boolean;
  extra: string[];
  /** The path, percent-decoded, with one leading `/` and no trailing `/`. */
  path: string;
}

export type PathResult = { ok: true; info: PathInfo } | { ok: false; error: string; info: PathInfo };

/** `namespaces/<ns>/<x>` where `<x>` is a subresource of the namespace, not a resource in it. */
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

/** Group, version, resource and subresource names: DNS-1123-like. */
const SEGMENT = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,252})?$/;
/** Object names are looser (RBAC's `system:node`, proxy's `pod:8080`); the API server only refuses these. */
const NAME = /^[^\u0000-\u001f\u007f%]{1,253}$/;

export function parsePath(rawPath: string): PathResult {
  const info: PathInfo = {
    kind: "non_resource", group: "", version: "", resource: "", subresource: "",
    namespace: "", name: "", watch_prefix: false, extra: [], path: rawPath,
  };
  let parts: string[];
  try {
    parts = rawPath.split("/").filter((p) => p !== "").map((p) => decodeURIComponent(p));
  } catch {
    return { ok: false, error: `malformed percent-encoding in path ${JSON.stringify(rawPath)}`, info };
  }
  info.path = "/" + parts.join("/");
  if (!rawPath.startsWith("/")) return { ok: false, error: `path must start with "/": ${JSON.stringify(rawPath)}`, info };
  if (parts.some((p) => p === "." || p === "..")) return { ok: false, error: `path has "." or ".." segments: ${JSON.stringify(rawPath)}`, info };

  const [first, ...rest] = parts;
  if (first === "version" && rest.length === 0) return { ok: true, info: { ...info, kind: "discovery" } };
  if (first === "openapi") return { ok: true, info: { ...info, kind: "openapi", extra: rest } };
  let apiParts: string[];
  if (first === "api") {
    if (rest.length <= 1) return { ok: true, info: { ...info, kind: "discovery", version: rest[0] ?? "" } };
    info.version = rest[0]!;
    apiParts = rest.slice(1);
  } else if (first === "apis") {
    if (rest.length <= 2) return { ok: true, info: { ...info, kind: "discovery", group: rest[0] ?? "", version: rest[1] ?? "" } };
    info.group = rest[0]!;
    info.version = rest[1]!;
    apiParts = rest.slice(2);
  } else {
    return { ok: true, info };
  }

  info.kind = "resource";
  if (apiParts[0] === "watch") {
    info.watch_prefix = true;
    apiParts = apiParts.slice(1);
    if (apiParts.length === 0) return { ok: false, error: "watch path names no resource", info };
  }
  if (apiParts[0] === "namespaces" && apiParts.length > 1) {
    if (apiParts.length > 2 && !NAMESPACE_SUBRESOURCES.has(apiParts[2]!)) {
      info.namespace = apiParts[1]!;
      apiParts = apiParts.slice(2);
    }
    // Otherwise the request is for the namespace object itself, which is cluster-scoped.
  }
  info.resource = apiParts[0]!;
  info.name = apiParts[1] ?? "";
  info.subresource = apiParts[2] ?? "";
  info.extra = apiParts.slice(3);
  if (info.extra.length > 0 && info.subresource !== "proxy") {
    return { ok: false, error: `too many path segments after ${info.resource}/${info.name}/${info.subresource}`, info };
  }
  for (const [what, value] of [["group", info.group], ["version", info.version], ["namespace", info.namespace],
    ["resource", info.resource], ["name", info.name], ["subresource", info.subresource]] as const) {
    const pattern = what === "name" || what === "namespace" ? NAME : SEGMENT;
    if (value !== "" && !pattern.test(value)) return { ok: false, error: `invalid ${what} ${JSON.stringify(value)} in path`, info };
  }
  return { ok: true, info };
}
