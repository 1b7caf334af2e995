import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { kubeconfigCommand } from "./kubeconfig.js";
import { UsageError } from "../command.js";
import { makeTestPki, startFakeKubeApi, type FakeKubeApi, type TestPki } from "../../fixtures/kube/index.js";

// The fake API server stands in for the gateway's listener here: what matters is that
// kubectl, given only the written kubeconfig, reaches it over verified TLS with the token.
const TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln";
let dir: string;
let pki: TestPki;
let api: FakeKubeApi;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kubeconfig-cmd-"));
  pki = makeTestPki(dir);
  api = await startFakeKubeApi({ tls: { cert: pki.serverCert, key: pki.serverKey }, tokens: [TOKEN] });
});

afterAll(async () => {
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function kubectl(kubeconfig: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "cache"), ...args], { env: { ...process.env, HOME: dir, KUBECONFIG: "" }, timeout: 20_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe("portcullis kubeconfig", () => {
  it("writes a kubeconfig with a token file that kubectl uses against the server, CA embedded", async () => {
    const tokenFile = join(dir, "token");
    writeFileSync(tokenFile, TOKEN + "\n");
    const out = join(dir, "kc-file.yaml");
    expect(await kubeconfigCommand.run(["--connection", "prod-cluster", "--server", api.url, "--ca-file", pki.files.ca, "--token-file", tokenFile, "--namespace", "prod", "-o", out])).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const doc = parse(readFileSync(out, "utf8"));
    expect(doc["current-context"]).toBe("portcullis-prod-cluster");
    expect(doc.clusters[0].cluster.server).toBe(api.url);
    expect(Buffer.from(doc.clusters[0].cluster["certificate-authority-data"], "base64").toString()).toBe(pki.ca);
    expect(doc.users[0].user).toEqual({ tokenFile });
    const from = api.requests.length;
    const r = await kubectl(out, ["get", "pods", "-o", "name"]);
    expect(r.stderr).toBe("");
    expect(r.stdout.split("\n").filter(Boolean).sort()).toEqual(["pod/api-7f9c", "pod/worker-5d2a"]);
    expect(api.requests.slice(from).every((q) => q.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(api.requests.at(-1)!.url).toMatch(/^\/api\/v1\/namespaces\/prod\/pods/);
  });

  it("writes an exec credential plugin that runs the token command", async () => {
    const out = join(dir, "kc-exec.yaml");
    writeFileSync(join(dir, "tok.sh"), `#!/bin/sh\necho ${TOKEN}\n`, { mode: 0o755 });
    expect(await kubeconfigCommand.run(["--connection", "c1", "--server", api.url, "--ca-file", pki.files.ca, "--exec-token-command", join(dir, "tok.sh"), "-o", out])).toBe(0);
    const doc = parse(readFileSync(out, "utf8"));
    expect(doc.users[0].user.exec).toMatchObject({ apiVersion: "client.authentication.k8s.io/v1", command: "sh", interactiveMode: "Never" });
    const r = await kubectl(out, ["get", "ns", "prod", "-o", "name"]);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("namespace/prod");
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("a token command that fails makes kubectl fail, without a request", async () => {
    const out = join(dir, "kc-fail.yaml");
    await kubeconfigCommand.run(["--connection", "c1", "--server", api.url, "--ca-file", pki.files.ca, "--exec-token-command", "false", "-o", out]);
    const from = api.requests.length;
    const r = await kubectl(out, ["get", "ns"]);
    expect(r.code).not.toBe(0);
    expect(api.requests.length).toBe(from);
  });

  it.each([
    [["--server", "https://gw:6443", "--token-file", "/etc/hostname"], /--connection is required/],
    [["--connection", "a b", "--server", "https://gw:6443", "--token-file", "/etc/hostname"], /--connection/],
    [["--connection", "c"], /--server is required/],
    [["--connection", "c", "--server", "http://gw:6443", "--token-file", "/etc/hostname"], /https:\/\//],
    [["--connection", "c", "--server", "https://gw:6443"], /exactly one of/],
    [["--connection", "c", "--server", "https://gw:6443", "--token-file", "/etc/hostname", "--exec-token-command", "x"], /exactly one of/],
    [["--connection", "c", "--server", "https://gw:6443", "--token-file", "/nonexistent/token"], /no such file/],
    [["--connection", "c", "--server", "https://gw:6443", "--token-file", "/etc/hostname", "--ca-file", "/etc/hostname"], /no PEM certificate/],
  ])("refuses bad usage %j", async (args, message) => {
    await expect(kubeconfigCommand.run(args)).rejects.toThrow(UsageError);
    await expect(kubeconfigCommand.run(args)).rejects.toThrow(message);
  });
});
