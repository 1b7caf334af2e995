/**
 * The `input.request` document for one Kubernetes API request, as policies see it
 * (policies/README.md, "Kubernetes"). Plain JSON: every documented field is always
 * present, lists are `[]` and absent values `null`, so `not input.request.x` in a rule
 * means "false", never "the front end forgot".
 */

/** What kind of endpoint the request is for. */
export type KubeRequestKind =
  /** `/api/v1/…` or `/apis/<group>/<version>/…` naming a resource. */
  | "resource"
  /** `/api`, `/apis`, `/api/v1`, `/apis/<group>[/<version>]`, `/version`: what the server serves. */
  | "discovery"
  /** `/openapi/v2`, `/openapi/v3[/…]`: schemas, read by kubectl for validation and explain. */
  | "openapi"
  /** Anything else (`/healthz`, `/livez`, `/metrics`, `/logs/…`): verb is the HTTP method. */
  | "non_resource";

/** How the body of a PATCH is to be applied, from its Content-Type. */
export type PatchType = "json" | "merge" | "strategic" | "apply";

/**
 * One requirement of a label or field selector. `values` is one value for `=`, `==`,
 * `!=`, `gt` (`>`), `lt` (`<`), a set for `in`/`notin`, and empty for `exists` (`key`) and
 * `!` (`!key`).
 */
export interface SelectorRequirement {
  key: string;
  operator: "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";
  values: string[];
}

/** For `exec` and `attach`: what kubectl asked to run, from the query string. */
export interface ExecOptions {
  /** `""` when kubectl did not name one (the pod's default container). */
  container: string;
  /** The repeated `command` parameters, in order; `[]` for attach. */
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** `input.request` for `input.connection.type == "kube"`. */
export interface KubeRequest {
  kind: KubeRequestKind;
  /**
   * The authorization verb, as the API server computes it: get, list, watch, create,
   * update, patch, delete, deletecollection for resources (exec, attach, portforward,
   * proxy, log are subresources with the verb of their HTTP method: `create` for POST,
   * `get` for GET, which is what WebSocket upgrades use); the lower-case HTTP method for
   * discovery, OpenAPI and other non-resource paths.
   */
  verb: string;
  /** API group, `""` for the core group (`/api/v1`) and for non-resource paths. */
  group: string;
  version: string;
  /** Plural resource name, lower case as in the path; `""` when none. */
  resource: string;
  subresource: string;
  /** `""` for cluster-scoped resources (namespaces themselves included) and non-resource paths. */
  namespace: string;
  /** `""` for collections. */
  name: string;
  /** The request path without its query, percent-decoded. */
  path: string;
  /** Upper-case HTTP method. */
  method: string;
  /** `labelSelector`, parsed; `[]` when none. */
  label_selector: SelectorRequirement[];
  /** `fieldSelector`, parsed; `[]` when none. */
  field_selector: SelectorRequirement[];
  /** `dryRun=All`: the server validates but does not persist. */
  dry_run: boolean;
  /** For PATCH: how the body applies; otherwise `null`. */
  patch_type: PatchType | null;
  /** The decoded body (JSON or YAML) of create, update and patch; otherwise `null`. */
  body: unknown;
  /** For `exec` and `attach`; otherwise `null`. */
  exec: ExecOptions | null;
  /** For `portforward`: the repeated `ports` parameters; otherwise `[]`. */
  ports: number[];
  /** `"websocket"` or `"spdy"` when the client asks to upgrade the connection; otherwise `null`. */
  upgrade: "websocket" | "spdy" | null;
  /**
   * `null`, or why the request could not be described (a malformed path, query,
   * selector or body). The other fields hold what could be read; policies should deny.
   */
  parse_error: string | null;
}

/** What `describeKubeRequest` reads: the parts of one HTTP request as a front end has them. */
export interface HttpRequestParts {
  method: string;
  /** The request target; may carry the query (`/api/v1/pods?watch=1`). */
  path: string;
  /** The query, when kept apart from `path`; joined with any query in `path`. */
  query?: string | URLSearchParams;
  /** Header names in any case; node's `IncomingHttpHeaders` fits. */
  headers?: Record<string, string | string[] | undefined>;
  /** The whole request body; `undefined`, `null` or empty for none. */
  body?: Uint8Array | string | null;
}
