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

function kubectl(args: string[], options: { kubeconfig?: string; stdin?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile("kubectl", ["--kubeconfig", options.kubeconfig ?? kubeconfig, "--cache-dir", join(dir, "cache"), "--request-timeout", "10s", ...args],
      { env: { ...process.env, HOME: dir, KUBECONFIG: "" }, timeout: 20_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    if (options.stdin !== undefined) child.stdin!.end(options.stdin);
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
});
