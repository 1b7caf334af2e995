import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { describeKubeRequest } from "./describe.js";
import type { KubeRequest } from "./types.js";

const get = (path: string, headers: Record<string, string> = {}): KubeRequest => describeKubeRequest({ method: "GET", path, headers });

describe("describeKubeRequest: paths and verbs", () => {
  it.each([
    ["GET", "/api/v1/pods", { verb: "list", group: "", version: "v1", resource: "pods", namespace: "", name: "" }],
    ["GET", "/api/v1/namespaces/shop/pods", { verb: "list", resource: "pods", namespace: "shop", name: "" }],
    ["GET", "/api/v1/namespaces/shop/pods/web-1", { verb: "get", resource: "pods", namespace: "shop", name: "web-1" }],
    ["GET", "/api/v1/namespaces/shop/pods?watch=1", { verb: "watch", resource: "pods", namespace: "shop" }],
    ["GET", "/api/v1/namespaces/shop/pods?watch=true&resourceVersion=5", { verb: "watch" }],
    ["GET", "/api/v1/namespaces/shop/pods?watch=false", { verb: "list" }],
    ["GET", "/api/v1/watch/namespaces/shop/pods/web-1", { verb: "watch", namespace: "shop", name: "web-1" }],
    ["POST", "/api/v1/namespaces/shop/pods", { verb: "create", resource: "pods", name: "" }],
    ["PUT", "/api/v1/namespaces/shop/configmaps/c", { verb: "update", resource: "configmaps", name: "c" }],
    ["DELETE", "/api/v1/namespaces/shop/pods/web-1", { verb: "delete", name: "web-1" }],
    ["DELETE", "/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb", { verb: "deletecollection", name: "" }],
    ["DELETE", "/api/v1/namespaces/prod", { verb: "delete", resource: "namespaces", name: "prod", namespace: "" }],
    ["PUT", "/api/v1/namespaces/prod/finalize", { verb: "update", resource: "namespaces", name: "prod", subresource: "finalize", namespace: "" }],
    ["GET", "/api/v1/namespaces/prod/status", { verb: "get", resource: "namespaces", name: "prod", subresource: "status" }],
    ["GET", "/apis/apps/v1/namespaces/shop/deployments/api", { verb: "get", group: "apps", version: "v1", resource: "deployments", name: "api" }],
    ["PUT", "/apis/apps/v1/namespaces/shop/deployments/api/scale", { verb: "update", subresource: "scale" }],
    ["DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
      { verb: "delete", group: "apiextensions.k8s.io", resource: "customresourcedefinitions", name: "widgets.example.com", namespace: "" }],
    ["POST", "/api/v1/namespaces/prod/pods/web/exec?command=ls", { verb: "create", subresource: "exec", namespace: "prod", name: "web" }],
    ["GET", "/api/v1/namespaces/prod/pods/web/exec?command=ls", { verb: "get", subresource: "exec" }],
    ["POST", "/api/v1/namespaces/prod/pods/web/attach", { verb: "create", subresource: "attach" }],
    ["GET", "/api/v1/namespaces/prod/pods/web/log?container=app&follow=true", { verb: "get", subresource: "log" }],
    ["POST", "/api/v1/namespaces/prod/pods/web/portforward?ports=8080", { verb: "create", subresource: "portforward" }],
    ["GET", "/api/v1/namespaces/prod/pods/web:8080/proxy/metrics/x", { verb: "get", subresource: "proxy", name: "web:8080" }],
    ["GET", "/api/v1/nodes/node-1", { verb: "get", resource: "nodes", name: "node-1", namespace: "" }],
    ["GET", "/api/v1/namespaces/a%2Db/pods", { namespace: "a-b" }],
  ] as const)("%s %s", (method, path, want) => {
    const r = describeKubeRequest({ method, path });
    expect(r.parse_error).toBeNull();
    expect(r.kind).toBe("resource");
    expect(r).toMatchObject(want);
  });

  it.each([
    ["/api", "discovery"], ["/api/v1", "discovery"], ["/apis", "discovery"], ["/apis/apps", "discovery"],
    ["/apis/apps/v1", "discovery"], ["/version", "discovery"], ["/version/", "discovery"],
    ["/openapi/v2", "openapi"], ["/openapi/v3", "openapi"], ["/openapi/v3/apis/apps/v1?hash=ABC", "openapi"],
    ["/healthz", "non_resource"], ["/livez", "non_resource"], ["/metrics", "non_resource"], ["/", "non_resource"],
  ] as const)("classifies %s as %s", (path, kind) => {
    const r = get(path);
    expect(r.kind).toBe(kind);
    expect(r.verb).toBe("get");
    expect(r.resource).toBe("");
    expect(r.parse_error).toBeNull();
  });

  it("keeps the group and version a discovery request is about", () => {
    expect(get("/apis/apps/v1")).toMatchObject({ group: "apps", version: "v1" });
    expect(get("/api/v1")).toMatchObject({ group: "", version: "v1" });
  });

  it.each([
    ["/api/v1/namespaces/x/pods/a/b/c", /too many path segments/],
    ["/api/v1/namespaces/%zz/pods", /percent-encoding/],
    ["/api/v1/namespaces/../pods", /"\." or "\.\."/],
    ["api/v1/pods", /must start with/],
    ["/api/v1/watch", /watch path names no resource/],
    ["/apis/Bad_Group!/v1/things", /invalid group/],
  ])("reports %s as a parse error", (path, message) => {
    expect(get(path).parse_error).toMatch(message);
  });
});

describe("describeKubeRequest: query", () => {
  it("parses label and field selectors into requirements", () => {
    const r = get("/api/v1/pods?labelSelector=" + encodeURIComponent("app=web,tier!=db,env in (prod, staging),!legacy,canary") +
      "&fieldSelector=" + encodeURIComponent("status.phase!=Running,spec.nodeName=n\\,1"));
    expect(r.label_selector).toEqual([
      { key: "app", operator: "=", values: ["web"] },
      { key: "tier", operator: "!=", values: ["db"] },
      { key: "env", operator: "in", values: ["prod", "staging"] },
      { key: "legacy", operator: "!", values: [] },
      { key: "canary", operator: "exists", values: [] },
    ]);
    expect(r.field_selector).toEqual([
      { key: "status.phase", operator: "!=", values: ["Running"] },
      { key: "spec.nodeName", operator: "=", values: ["n,1"] },
    ]);
  });

  it("reports a malformed selector and keeps the rest", () => {
    const r = get("/api/v1/namespaces/a/pods?labelSelector=" + encodeURIComponent("app in (,"));
    expect(r.parse_error).toMatch(/label selector/);
    expect(r).toMatchObject({ verb: "list", resource: "pods", namespace: "a" });
    expect(get("/api/v1/pods?fieldSelector=nope").parse_error).toMatch(/no operator/);
  });

  it("reads dryRun=All", () => {
    expect(describeKubeRequest({ method: "POST", path: "/api/v1/namespaces/a/pods?dryRun=All" }).dry_run).toBe(true);
    expect(describeKubeRequest({ method: "POST", path: "/api/v1/namespaces/a/pods" }).dry_run).toBe(false);
  });

  it("reads exec's container, repeated commands and stream flags", () => {
    const r = describeKubeRequest({
      method: "GET",
      path: "/api/v1/namespaces/prod/pods/web/exec?command=sh&command=-c&command=rm+-rf+%2Ftmp%2Fx&container=app&stdin=true&stdout=true&tty=true",
      headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Protocol": "v5.channel.k8s.io" },
    });
    expect(r.exec).toEqual({ container: "app", command: ["sh", "-c", "rm -rf /tmp/x"], stdin: true, stdout: true, stderr: false, tty: true });
    expect(r.upgrade).toBe("websocket");
    expect(r.verb).toBe("get");
  });

  it("takes the query from `query` as well as from the path", () => {
    const r = describeKubeRequest({ method: "POST", path: "/api/v1/namespaces/p/pods/w/exec?command=id", query: "command=-u&container=c" });
    expect(r.exec?.command).toEqual(["id", "-u"]);
    expect(r.exec?.container).toBe("c");
  });

  it("gives attach no command, reads portforward ports and SPDY upgrades", () => {
    expect(describeKubeRequest({ method: "POST", path: "/api/v1/namespaces/p/pods/w/attach?command=ls&stdin=1" }).exec)
      .toMatchObject({ command: [], stdin: true });
    const pf = describeKubeRequest({ method: "POST", path: "/api/v1/namespaces/p/pods/w/portforward?ports=8080&ports=9090", headers: { connection: "Upgrade", upgrade: "SPDY/3.1" } });
    expect(pf.ports).toEqual([8080, 9090]);
    expect(pf.upgrade).toBe("spdy");
    expect(pf.exec).toBeNull();
    expect(describeKubeRequest({ method: "POST", path: "/api/v1/namespaces/p/pods/w/portforward?ports=http" }).parse_error).toMatch(/invalid port/);
  });
});

describe("describeKubeRequest: bodies", () => {
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "a" }, data: { k: "v" } };

  it("decodes JSON and YAML create bodies", () => {
    expect(describeKubeRequest({ method: "POST", path: "/api/v1/namespaces/a/configmaps", headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify(cm)) }).body).toEqual(cm);
    const yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: a\ndata:\n  k: v\n";
    expect(describeKubeRequest({ method: "POST", path: "/api/v1/namespaces/a/configmaps", headers: { "content-type": "application/yaml" }, body: yaml }).body).toEqual(cm);
  });

  it.each([
    ["application/json-patch+json", "json", '[{"op":"replace","path":"/data/k","value":"w"}]'],
    ["application/merge-patch+json", "merge", '{"data":{"k":"w"}}'],
    ["application/strategic-merge-patch+json", "strategic", '{"data":{"k":"w"}}'],
    ["application/apply-patch+yaml", "apply", "apiVersion: v1\nkind: ConfigMap\n"],
  ])("reads the patch type of %s", (contentType, type, body) => {
    const r = describeKubeRequest({ method: "PATCH", path: "/api/v1/namespaces/a/configmaps/c?fieldManager=kubectl", headers: { "Content-Type": contentType }, body });
    expect(r.parse_error).toBeNull();
    expect(r.verb).toBe("patch");
    expect(r.patch_type).toBe(type);
    expect(r.body).not.toBeNull();
  });

  it.each([
    ["application/json", "{nope", /not valid JSON/],
    ["application/yaml", "a: [1\n", /not valid YAML/],
    ["application/yaml", "a: 1\n---\nb: 2\n", /2 YAML documents/],
    ["application/vnd.kubernetes.protobuf", "k8s\0…", /cannot be decoded/],
    ["text/plain", "hello", /cannot be decoded/],
  ])("reports a %s body it cannot read", (contentType, body, message) => {
    const r = describeKubeRequest({ method: "POST", path: "/api/v1/namespaces/a/configmaps", headers: { "content-type": contentType }, body });
    expect(r.parse_error).toMatch(message);
    expect(r.body).toBeNull();
    expect(r.verb).toBe("create");
  });

  it("reports a PATCH without a known patch type and bodies that are not UTF-8", () => {
    expect(describeKubeRequest({ method: "PATCH", path: "/api/v1/namespaces/a/configmaps/c", headers: { "content-type": "application/json" }, body: "{}" }).parse_error).toMatch(/patch Content-Type/);
    expect(describeKubeRequest({ method: "POST", path: "/api/v1/namespaces/a/configmaps", headers: { "content-type": "application/json" }, body: new Uint8Array([0xff, 0xfe]) }).parse_error).toMatch(/UTF-8/);
  });

  it("ignores bodies of reads and gives an empty body null", () => {
    expect(describeKubeRequest({ method: "GET", path: "/api/v1/pods", body: "{}" }).body).toBeNull();
    expect(describeKubeRequest({ method: "POST", path: "/api/v1/namespaces/a/pods", body: "" })).toMatchObject({ body: null, parse_error: null });
  });
});

describe("describeKubeRequest: property", () => {
  const segment = fc.oneof(fc.constantFrom("api", "apis", "v1", "apps", "namespaces", "pods", "watch", "exec", "proxy", "status", "", ".", "..", "%", "%2F", "a b"), fc.string());
  const path = fc.array(segment, { maxLength: 9 }).map((s) => "/" + s.join("/"));
  const query = fc.array(fc.tuple(fc.constantFrom("watch", "labelSelector", "fieldSelector", "dryRun", "command", "container", "ports", "stdin", "x"), fc.string()), { maxLength: 6 })
    .map((pairs) => new URLSearchParams(pairs).toString());
  const body = fc.oneof(fc.constant(undefined), fc.string(), fc.uint8Array({ maxLength: 64 }), fc.json());
  const method = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "get", "", "BAD METHOD");
  const contentType = fc.constantFrom("application/json", "application/yaml", "application/merge-patch+json", "application/apply-patch+yaml", "application/vnd.kubernetes.protobuf", "", "text/plain");

  it("never throws, always returns every field, and is plain JSON", () => {
    fc.assert(fc.property(method, fc.oneof(path, fc.string()), query, body, contentType, (m, p, q, b, ct) => {
      const r = describeKubeRequest({ method: m, path: p + (q ? "?" + q : ""), headers: { "content-type": ct }, body: b });
      expect(Object.keys(r).sort()).toEqual(["body", "dry_run", "exec", "field_selector", "group", "kind", "label_selector", "method", "name",
        "namespace", "parse_error", "patch_type", "path", "ports", "resource", "subresource", "upgrade", "verb", "version"]);
      expect(typeof r.verb).toBe("string");
      expect(r.parse_error === null || typeof r.parse_error === "string").toBe(true);
      expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    }), { numRuns: 2000 });
  });

  it("round-trips names it was given", () => {
    const name = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
    fc.assert(fc.property(name, name, fc.constantFrom("pods", "secrets", "configmaps"), (ns, n, resource) => {
      const r = describeKubeRequest({ method: "DELETE", path: `/api/v1/namespaces/${ns}/${resource}/${encodeURIComponent(n)}` });
      expect(r).toMatchObject({ verb: "delete", namespace: ns, resource, name: n, parse_error: null });
    }));
  });
});
