import { afterAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { collectPolicyDir, gitRevision, readBundle, writeBundle, BundleError } from "./index.js";

const temps: string[] = [];
afterAll(() => temps.forEach((t) => rmSync(t, { recursive: true, force: true })));

describe("policy repository → signed bundle → gateway", () => {
  it("collects, stamps the git revision, signs, and loads back verified", async () => {
    const root = mkdtempSync(join(tmpdir(), "pipeline-"));
    temps.push(root);
    const files: Record<string, string> = {
      "policies/portcullis/decision.rego": "package portcullis\n\ndecision := {\"allow\": input.ok}\n",
      "policies/portcullis/decision_test.rego": "package portcullis_test\n\ntest_allow if data.portcullis.decision.allow with input.ok as true\n",
      "policies/portcullis/data.yaml": "limits:\n  rows: 100\n",
      "policies/data.json": '{"portcullis_test": {}}',
    };
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, p)), { recursive: true });
      writeFileSync(join(root, p), text);
    }
    const env = { ...process.env, GIT_AUTHOR_NAME: "ci", GIT_AUTHOR_EMAIL: "ci@x", GIT_COMMITTER_NAME: "ci", GIT_COMMITTER_EMAIL: "ci@x", GIT_CONFIG_GLOBAL: "/dev/null" };
    for (const args of [["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "policies"]]) execFileSync("git", args, { cwd: root, env });
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim();

    const dir = join(root, "policies");
    const collected = collectPolicyDir(dir);
    expect(collected.errors).toEqual([]);
    const revision = gitRevision(dir);
    expect(revision).toBe(head);

    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const wasm = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
    const bytes = await writeBundle({
      modules: collected.modules,
      data: collected.data,
      wasm,
      entrypoints: ["portcullis/decision"],
      revision,
      signing: { key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), alg: "ES256", keyId: "ci" },
    });
    const pub = publicKey.export({ type: "spki", format: "pem" }).toString();
    const bundle = await readBundle(bytes, { verification: { key: pub, alg: "ES256", keyId: "ci" } });
    expect(bundle.signed).toBe(true);
    expect(bundle.manifest.revision).toBe(head);
    expect(bundle.modules.map((m) => m.path)).toEqual(["portcullis/decision.rego", "portcullis/decision_test.rego"]);
    expect(bundle.data).toEqual({ portcullis: { limits: { rows: 100 } }, portcullis_test: {} });
    expect(bundle.wasm[0]!.entrypoint).toBe("portcullis/decision");

    // A gateway configured with a key refuses the same policies unsigned.
    const unsigned = await writeBundle({ modules: collected.modules, data: collected.data, wasm, entrypoints: ["portcullis/decision"], revision });
    await expect(readBundle(unsigned, { verification: { key: pub } })).rejects.toBeInstanceOf(BundleError);
  });
});
