/**
 * Bundle mode end to end: CI drops signed bundles next to a running watcher, by atomic
 * rename and by overwriting in place; unsigned and tampered ones are refused.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readTarGz, writeBundle, writeTarGz, type SigningConfig } from "../bundle/index.js";
import { compile } from "../policy/index.js";
import { PolicyWatcher } from "./watcher.js";
import { captureLog, decisionRego, nextEvent, tempTree } from "./testkit.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

let signing: SigningConfig;
let publicKey: string;
beforeAll(() => {
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  signing = { key: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), alg: "ES256" };
  publicKey = pair.publicKey.export({ type: "spki", format: "pem" }).toString();
});

async function bundleOf(v: number, options: { signed?: boolean; revision?: string } = {}): Promise<Uint8Array> {
  const modules = [{ path: "portcullis/decision.rego", source: decisionRego(v) }];
  const wasm = await compile({ modules: modules.map((m) => ({ file: m.path, source: m.source })), entrypoints: ["portcullis/decision"] });
  return writeBundle({
    modules,
    data: { limits: { rows: v } },
    wasm,
    entrypoints: ["portcullis/decision"],
    revision: options.revision ?? `rev-${v}`,
    ...(options.signed === false ? {} : { signing }),
  });
}

describe("PolicyWatcher on a bundle file", () => {
  it("picks up valid bundles (rename and overwrite), refuses unsigned and tampered ones", async () => {
    const tree = tempTree("watch-bundle-", {});
    cleanups.push(tree.remove);
    const file = join(tree.root, "bundle.tar.gz");
    writeFileSync(file, await bundleOf(1));
    const log = captureLog();
    const watcher = await PolicyWatcher.open({ bundle: file, verification: { key: publicKey, alg: "ES256" }, logger: log.logger, debounceMs: 100, bundleName: "authz" });
    cleanups.push(() => watcher.close());
    expect(watcher.evaluate({ x: 1 })).toMatchObject({ result: { allow: true, v: 1 }, revision: "rev-1", bundle: "authz", path: "portcullis/decision" });
    expect(watcher.current()?.source).toBe("bundle");

    // CI's usual drop: write elsewhere, rename over the old bundle
    let reloaded = nextEvent(watcher, "reloaded");
    writeFileSync(join(tree.root, "bundle.tar.gz.tmp"), await bundleOf(2));
    renameSync(join(tree.root, "bundle.tar.gz.tmp"), file);
    expect(await reloaded).toMatchObject({ revision: "rev-2", previousRevision: "rev-1" });
    expect(watcher.evaluate({ x: 1 })).toMatchObject({ result: { v: 2 }, revision: "rev-2" });

    // unsigned, with a key configured
    let rejected = nextEvent(watcher, "rejected");
    writeFileSync(file, await bundleOf(3, { signed: false }));
    expect(await rejected).toMatchObject({ stage: "bundle", activeRevision: "rev-2", problems: [{ code: "bundle_unsigned" }] });
    expect(watcher.evaluate({ x: 1 })).toMatchObject({ result: { v: 2 }, revision: "rev-2" });

    // tampered: data.json edited after signing
    const entries = readTarGz(await bundleOf(4)).map((e) =>
      e.name.replace(/^\/+/, "") === "data.json" ? { ...e, data: new TextEncoder().encode('{"limits":{"rows":1000000}}') } : e,
    );
    rejected = nextEvent(watcher, "rejected");
    writeFileSync(file, writeTarGz(entries));
    const tampered = await rejected;
    expect(tampered.problems[0]).toMatchObject({ code: "bundle_file_mismatch", file: `${file}:/data.json` });
    expect(log.text()).toContain(`${file}:/data.json: bundle_file_mismatch: digest mismatch`);
    expect(watcher.evaluate({ x: 1 })).toMatchObject({ result: { v: 2 }, revision: "rev-2" });

    // garbage
    rejected = nextEvent(watcher, "rejected");
    writeFileSync(file, "not a bundle");
    expect((await rejected).problems[0]!.code).toBe("bundle_corrupt");

    // overwritten in place with a good one
    reloaded = nextEvent(watcher, "reloaded");
    writeFileSync(file, await bundleOf(5));
    expect((await reloaded).revision).toBe("rev-5");
    expect(watcher.evaluate({ x: 1 })).toMatchObject({ result: { v: 5 }, revision: "rev-5", generation: 3 });
  }, 60_000);

  it("refuses a bundle lacking the configured entrypoint and fails closed when the file is missing", async () => {
    const tree = tempTree("watch-bundle-", {});
    cleanups.push(tree.remove);
    const file = join(tree.root, "b.tar.gz");
    const log = captureLog();
    const watcher = await PolicyWatcher.open({ bundle: file, logger: log.logger, debounceMs: 100, entrypoints: ["data.other.decision"] });
    cleanups.push(() => watcher.close());
    expect(watcher.evaluate({}).error?.code).toBe("policy_not_ready");
    expect(log.records[0]!.details?.[0]).toContain("source_unreadable");

    const rejected = nextEvent(watcher, "rejected");
    writeFileSync(file, await bundleOf(1, { signed: false }));
    expect(await rejected).toMatchObject({ revision: "rev-1", problems: [{ code: "entrypoint_missing" }] });
    expect(watcher.evaluate({}, "other/decision")).toMatchObject({ revision: null, error: { code: "policy_not_ready" } });
  }, 60_000);
});
