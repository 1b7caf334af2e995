/**
 * The real `kubectl` against the fake API server (fixtures/kube): the requests it makes
 * are recorded by the fixture and fed to `describeKubeRequest`, so the request shapes
 * asserted here are kubectl's own, not ones written by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { directKubeconfig, makeTestPki, startFakeKubeApi, type FakeKubeApi, type RecordedRequest, type TestPki } from "../../../fixtures/kube/index.js";
import { describeKubeRequest } from "./describe.js";
import { collectPolicyDir } from "../../../engine/bundle/index.js";
import { compile, loadPolicy, type LoadedPolicy } from "../../../engine/policy/index.js";
import { toJSON, type Value } from "../../../engine/values/index.js";
import type { KubeRequest } from "./types.js";

const TOKEN = "fake-upstream-token-1234";
let dir: string;
let pki: TestPki;
let api: FakeKubeApi;
let kubeconfig: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kubectl-fake-"));
  pki = makeTestPki(dir);
  api = await startFakeKubeApi({ tls: { cert: pki.serverCert, key: pki.serverKey, clientCa: pki.ca }, tokens: [TOKEN] });
  kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, directKubeconfig(api.url, pki.files.ca, { token: TOKEN }));
});

afterAll(async () => {
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs kubectl to its end, or until its output matches `until` (then stops it: for watches). */
function kubectl(args: string[], options: { kubeconfig?: string; stdin?: string; until?: RegExp } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    let seen = "";
    const child = execFile("kubectl", ["--kubeconfig", options.kubeconfig ?? kubeconfig, "--cache-dir", join(dir, "cache"), "--request-timeout", "10s", ...args],
      { env: { ...process.env, HOME: dir, KUBECONFIG: "" }, timeout: 20_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    if (options.stdin !== undefined) child.stdin!.end(options.stdin);
    const until = options.until;
    if (until) child.stdout!.on("data", (d: Buffer) => {
      seen += d.toString();
      if (until.test(seen)) child.kill();
    });
  });
}

/** What kubectl sent during `run`, described as the gateway will describe it. */
async function during(run: () => Promise<unknown>): Promise<{ raw: RecordedRequest[]; described: KubeRequest[] }> {
  const from = api.requests.length;
  await run();
  const raw = api.requests.slice(from);
  return { raw, described: raw.map((r) => describeKubeRequest({ method: r.method, path: r.url, headers: r.headers, body: r.body })) };
}

const resourceRequests = (rs: KubeRequest[]): KubeRequest[] => rs.filter((r) => r.kind === "resource");

describe("kubectl against the fake API server", () => {
  it("get pods -A: discovery, then a list of core pods in every namespace", async () => {
    let out!: Awaited<ReturnType<typeof kubectl>>;
    const { described, raw } = await during(async () => (out = await kubectl(["get", "pods", "-A"])));
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS/);
    expect(out.stdout).toMatch(/prod\s+api-7f9c\s+1\/1\s+Running/);
    expect(described.every((r) => r.parse_error === null)).toBe(true);
    expect(raw.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(resourceRequests(described)).toEqual([expect.objectContaining({ verb: "list", group: "", version: "v1", resource: "pods", namespace: "", name: "" })]);
  });

  it("get secret -o yaml: a get of core secrets in the context's namespace, data returned", async () => {
    let out!: Awaited<ReturnType<typeof kubectl>>;
    const { described } = await during(async () => (out = await kubectl(["get", "secret", "db-credentials", "-n", "prod", "-o", "yaml"])));
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("kind: Secret");
    expect(out.stdout).toContain(`password: ${Buffer.from("s3cr3t-pa55").toString("base64")}`);
    expect(resourceRequests(described)).toEqual([expect.objectContaining({ verb: "get", group: "", resource: "secrets", namespace: "prod", name: "db-credentials", body: null, parse_error: null })]);
  });

  it("apply -f: a get that finds nothing, then a create whose body is the manifest", async () => {
    const manifest = join(dir, "cm.yaml");
    writeFileSync(manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: feature-flags\n  namespace: staging\ndata:\n  NEW_CHECKOUT: \"true\"\n");
    let out!: Awaited<ReturnType<typeof kubectl>>;
    const { described } = await during(async () => (out = await kubectl(["apply", "--validate=false", "-f", manifest])));
    expect(out.stderr).toBe("");
    expect(out.stdout).toMatch(/configmap\/feature-flags created/);
    const writes = resourceRequests(described).filter((r) => r.verb !== "get");
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ verb: "create", resource: "configmaps", namespace: "staging", name: "", patch_type: null, parse_error: null });
    expect(writes[0]!.body).toMatchObject({ kind: "ConfigMap", metadata: { name: "feature-flags" }, data: { NEW_CHECKOUT: "true" } });
    expect(api.store.get({ group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", singular: "", namespaced: true, shortNames: [] }, "staging", "feature-flags").data).toEqual({ NEW_CHECKOUT: "true" });
  });

  it("apply -f again with a change: a strategic merge patch", async () => {
    const manifest = join(dir, "cm.yaml");
    writeFileSync(manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: feature-flags\n  namespace: staging\ndata:\n  NEW_CHECKOUT: \"false\"\n");
    let out!: Awaited<ReturnType<typeof kubectl>>;
    const { described } = await during(async () => (out = await kubectl(["apply", "--validate=false", "-f", manifest])));
    expect(out.stderr).toBe("");
    expect(out.stdout).toMatch(/configmap\/feature-flags configured/);
    const patch = resourceRequests(described).find((r) => r.verb === "patch");
    expect(patch).toMatchObject({ resource: "configmaps", namespace: "staging", name: "feature-flags", patch_type: "strategic", parse_error: null });
    expect(patch!.body).toMatchObject({ data: { NEW_CHECKOUT: "false" } });
  });

  it("patch --type json and --dry-run=server", async () => {
    let out!: Awaited<ReturnType<typeof kubectl>>;
    const { described } = await during(async () => (out = await kubectl(["patch", "configmap", "api-config", "-n", "prod", "--type", "json", "--dry-run=server",
      "-p", '[{"op":"replace","path":"/data/LOG_LEVEL","value":"debug"}]'])));
    expect(out.code).toBe(0);
    expect(resourceRequests(described).find((r) => r.verb === "patch")).toMatchObject({ patch_type: "json", dry_run: true, body: [{ op: "replace", path: "/data/LOG_LEVEL", value: "debug" }] });
  });

  it("delete ns: a delete of the cluster-scoped namespace, then the wait until it is gone", async () => {
    // `kubectl create namespace` would send protobuf, which the fixture (and the gateway) do not read.
    writeFileSync(join(dir, "ns.json"), JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "scratch" } }));
    expect((await kubectl(["apply", "--validate=false", "-f", join(dir, "ns.json")])).stdout).toMatch(/namespace\/scratch created/);
    let out!: Awaited<ReturnType<typeof kubectl>>;
    const { described } = await during(async () => (out = await kubectl(["delete", "ns", "scratch"])));
    expect(out.stderr).toBe("");
    expect(out.stdout).toMatch(/namespace "scratch" deleted/);
    const deletes = resourceRequests(described).filter((r) => r.verb === "delete");
    expect(deletes).toEqual([expect.objectContaining({ group: "", resource: "namespaces", name: "scratch", namespace: "" })]);
    expect((await kubectl(["get", "ns", "scratch"])).stderr).toMatch(/NotFound|not found/);
  });

  it("get pods -l with a selector, and a watch stream that sees a new pod", async () => {
    const { described } = await during(() => kubectl(["get", "pods", "-n", "prod", "-l", "app in (api,web),!canary", "-o", "name"]));
    expect(resourceRequests(described)[0]!.label_selector).toEqual([
      { key: "app", operator: "in", values: ["api", "web"] },
      { key: "canary", operator: "!", values: [] },
    ]);
    let watched = "";
    const watching = during(async () => (watched = (await kubectl(["get", "pods", "-n", "staging", "--watch", "-o", "name"], { until: /pod\/newpod/ })).stdout));
    for (let i = 0; i < 50 && !api.requests.some((r) => /watch=true/.test(r.url) && r.url.includes("/namespaces/staging/pods")); i++) await new Promise((r) => setTimeout(r, 100));
    writeFileSync(join(dir, "pod.json"), JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "newpod", namespace: "staging" }, spec: { containers: [{ name: "c", image: "busybox" }] } }));
    expect((await kubectl(["apply", "--validate=false", "-f", join(dir, "pod.json")])).stdout).toMatch(/pod\/newpod created/);
    const { described: w } = await watching;
    expect(watched).toContain("pod/api-1b2c");
    expect(watched).toContain("pod/newpod");
    expect(resourceRequests(w).filter((r) => r.verb === "watch")).toEqual([expect.objectContaining({ resource: "pods", namespace: "staging", name: "" })]);
  });

  it("a client certificate authenticates; a wrong token is refused with kubectl's own message", async () => {
    const certConfig = join(dir, "kubeconfig-cert");
    writeFileSync(certConfig, directKubeconfig(api.url, pki.files.ca, { cert: pki.files.clientCert, key: pki.files.clientKey }));
    const { raw } = await during(async () => expect((await kubectl(["get", "ns", "prod", "-o", "name"], { kubeconfig: certConfig })).stdout.trim()).toBe("namespace/prod"));
    expect(raw.at(-1)!.user).toEqual({ via: "certificate", cn: "portcullis-gateway" });
    const badConfig = join(dir, "kubeconfig-bad");
    writeFileSync(badConfig, directKubeconfig(api.url, pki.files.ca, { token: "not-the-token" }));
    const bad = await kubectl(["get", "pods"], { kubeconfig: badConfig });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Unauthorized|must be logged in/);
    expect(api.requests.at(-1)!.user).toBeNull();
  });

  it("create secret generic: kubectl's typed generators send protobuf: a parse error with the type and metadata read", async () => {
    let out!: Awaited<ReturnType<typeof kubectl>>;
    const { described } = await during(async () => (out = await kubectl(["create", "secret", "generic", "x", "-n", "prod", "--from-literal=a=b"])));
    expect(out.code).not.toBe(0);
    const create = resourceRequests(described).find((r) => r.verb === "create");
    // Only the type and metadata are readable; the Secret's data is not, so this stays a parse error.
    expect(create).toMatchObject({ resource: "secrets", namespace: "prod", body: { apiVersion: "v1", kind: "Secret", metadata: { name: "x", namespace: "prod" } } });
    expect(Object.keys(create!.body as object)).toEqual(["apiVersion", "kind", "metadata"]);
    expect(create!.parse_error).toMatch(/application\/vnd\.kubernetes\.protobuf cannot be decoded .*only its apiVersion, kind and metadata were read/);
  });

  it("CRDs: a created CRD's resources are served; deleting the CRD is described in its group", async () => {
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "widgets.example.com" },
      spec: { group: "example.com", scope: "Namespaced", names: { plural: "widgets", singular: "widget", kind: "Widget" },
        versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }] },
    };
    writeFileSync(join(dir, "crd.json"), JSON.stringify(crd));
    expect((await kubectl(["apply", "--validate=false", "-f", join(dir, "crd.json")])).stdout).toMatch(/customresourcedefinition.*widgets\.example\.com created/);
    writeFileSync(join(dir, "widget.yaml"), "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: staging}\nspec: {size: 3}\n");
    const { described } = await during(() => kubectl(["apply", "--validate=false", "-f", join(dir, "widget.yaml")]));
    expect(resourceRequests(described).find((r) => r.verb === "create")).toMatchObject({ group: "example.com", version: "v1", resource: "widgets", namespace: "staging", body: { spec: { size: 3 } } });
    expect((await kubectl(["get", "widgets", "-n", "staging", "-o", "name"])).stdout.trim()).toBe("widget.example.com/w1");
    const { described: del } = await during(() => kubectl(["delete", "crd", "widgets.example.com"]));
    expect(resourceRequests(del).find((r) => r.verb === "delete")).toMatchObject({ group: "apiextensions.k8s.io", resource: "customresourcedefinitions", name: "widgets.example.com", namespace: "" });
  });

  it("logs: a get of the log subresource", async () => {
    let out!: Awaited<ReturnType<typeof kubectl>>;
    const { described } = await during(async () => (out = await kubectl(["logs", "-n", "prod", "api-7f9c", "-c", "api"])));
    expect(out.stderr + out.stdout).toBe("fake log of prod/api-7f9c/api\n");
    expect(resourceRequests(described).at(-1)).toMatchObject({ verb: "get", resource: "pods", subresource: "log", namespace: "prod", name: "api-7f9c", parse_error: null });
  });

  it("label, rollout restart, port-forward: patch types and the port-forward upgrade as kubectl sends them", async () => {
    const { described: label } = await during(() => kubectl(["label", "pod", "api-7f9c", "-n", "prod", "team=payments"]));
    expect(resourceRequests(label).find((r) => r.verb === "patch")).toMatchObject({ resource: "pods", name: "api-7f9c", patch_type: "merge", body: { metadata: { labels: { team: "payments" } } } });
    const { described: restart } = await during(() => kubectl(["rollout", "restart", "deploy/api", "-n", "prod"]));
    expect(resourceRequests(restart).find((r) => r.verb === "patch")).toMatchObject({ group: "apps", resource: "deployments", name: "api", patch_type: "strategic" });
    // The fixture refuses the stream; kubectl tries a WebSocket GET, then SPDY. Ports travel inside the stream.
    const { described: pf } = await during(() => kubectl(["port-forward", "-n", "prod", "pod/api-7f9c", "18080:80"]));
    const forwards = resourceRequests(pf).filter((r) => r.subresource === "portforward");
    expect(forwards.map((r) => [r.verb, r.upgrade])).toEqual([["get", "websocket"], ["create", "spdy"]]);
    expect(forwards.every((r) => r.parse_error === null && r.ports.length === 0)).toBe(true);
  });

  it("exec: one WebSocket GET naming the pod, container and command; the fixture answers on v5.channel.k8s.io", async () => {
    let out!: Awaited<ReturnType<typeof kubectl>>;
    const { described } = await during(async () => (out = await kubectl(["exec", "-n", "prod", "api-7f9c", "-c", "api", "--", "sh", "-c", "cat /etc/passwd"])));
    expect(out.stderr).toBe("");
    expect(out.stdout).toBe("fake-exec: sh -c cat /etc/passwd\n");
    const execs = resourceRequests(described).filter((r) => r.subresource === "exec");
    expect(execs).toEqual([expect.objectContaining({ verb: "get", method: "GET", upgrade: "websocket", resource: "pods", namespace: "prod", name: "api-7f9c", parse_error: null })]);
    expect(execs[0]!.exec).toEqual({ container: "api", command: ["sh", "-c", "cat /etc/passwd"], stdin: false, stdout: true, stderr: true, tty: false });
    expect(api.execSessions.at(-1)).toMatchObject({ protocol: "v5.channel.k8s.io", command: ["sh", "-c", "cat /etc/passwd"] });
    recorded.exec = execs[0]!;
  });

  it("exec -i: stdin reaches the container and comes back; a non-zero exit is kubectl's exit code", async () => {
    const r = await kubectl(["exec", "-i", "-n", "staging", "api-1b2c", "--", "cat"], { stdin: "hello from stdin\n" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("fake-exec: cat\nhello from stdin\n");
    expect(api.execSessions.at(-1)!.stdin).toBe("hello from stdin\n");
    const failed = await kubectl(["exec", "-n", "staging", "api-1b2c", "--", "exit", "3"]);
    expect(failed.code).toBe(3);
  });
});

/** Requests captured above, decided by the default policy library (policies/) through the built CLI. */
const recorded: { exec?: KubeRequest } = {};

// policies/ compiled once, in process, as `portcullis eval -d policies … data.portcullis.decision`
// does (the built CLI in dist/ is rebuilt under us by other test runs in this checkout).
describe("the default policy library on recorded kubectl requests", { timeout: 120_000 }, () => {
  let policy: LoadedPolicy;
  beforeAll(async () => {
    const collected = collectPolicyDir("policies");
    expect(collected.errors).toEqual([]);
    const wasm = await compile({ modules: collected.modules.map((m) => ({ file: m.path, source: m.source })), entrypoints: ["portcullis/decision"] });
    policy = await loadPolicy(wasm, { data: collected.data });
  }, 120_000);

  const decide = (request: KubeRequest, who: { groups?: string[]; agent?: boolean } = {}, tags: Record<string, string> = {}): unknown => {
    const input = {
      identity: { sub: "alice", email: "alice@example.com", groups: who.groups ?? ["developers"], issuer: "https://idp.example", agent: who.agent ?? false, claims: {} },
      connection: { name: "cluster", type: "kube", tags },
      session: { id: "s-1", started_at: "2026-01-01T00:00:00Z", client_addr: "127.0.0.1", application_name: "kubectl", stats: {} },
      request,
    };
    const results = policy.evaluate(input, "portcullis/decision").map((v: Value) => toJSON(v) as { result: unknown });
    expect(results).toHaveLength(1);
    return results[0]!.result;
  };
  const delNs = describeKubeRequest({ method: "DELETE", path: "/api/v1/namespaces/prod" });

  it("deletes of namespaces are denied; reading a Secret needs sre approval (agents: denied)", async () => {
    const { described } = await during(() => kubectl(["get", "secret", "db-credentials", "-n", "prod", "-o", "yaml"]));
    const getSecret = resourceRequests(described)[0]!;
    expect(decide(delNs)).toMatchObject({ allow: false, deny: ["deleting namespaces is not allowed"] });
    expect(decide(getSecret)).toMatchObject({ allow: true, deny: [], approval: { approvers: ["sre"], reason: "reading Secrets" } });
    expect(decide(getSecret, { agent: true })).toMatchObject({ allow: false, deny: ["agents may not read Secrets"] });
  });

  it("exec into the production namespace needs sre approval; agents are denied", () => {
    const exec = recorded.exec ?? describeKubeRequest({ method: "GET", path: "/api/v1/namespaces/prod/pods/api-7f9c/exec?command=sh&container=api&stdout=true" });
    expect(decide(exec, {}, { env: "production" })).toMatchObject({ deny: [], approval: { approvers: ["sre"], reason: "exec into production namespace prod" } });
    expect(decide(exec, { agent: true }, { env: "production" })).toMatchObject({ allow: false, deny: ["agents may not exec into pods"] });
  });
});
