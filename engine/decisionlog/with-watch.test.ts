/**
 * Decisions of a hot-reloaded policy, logged to a real file: every line names the
 * revision of the policy that actually decided, before and after a reload.
 */
import { afterEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PolicyWatcher } from "../watch/index.js";
import { decisionRego, nextEvent, tempTree } from "../watch/testkit.js";
import { DecisionLogger } from "./logger.js";
import { LineSink } from "./sink.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe("decision log of a watched policy", () => {
  it("records each decision with the revision of the policy that made it", async () => {
    const tree = tempTree("dlog-", { "policy/portcullis/decision.rego": decisionRego(1) });
    cleanups.push(tree.remove);
    const watcher = await PolicyWatcher.open({ dir: join(tree.root, "policy"), logger: () => {}, debounceMs: 100, bundleName: "policies" });
    cleanups.push(() => watcher.close());
    const file = join(tree.root, "decisions.jsonl");
    const { logger } = DecisionLogger.create({
      sink: LineSink.toFile(file),
      labels: { id: "gw-test", version: "0.1.0" },
      mask: { erase: ["/input/request/params"], mask: [{ path: "/input/identity/email", method: "hmac" }], hmacKey: "secret" },
    });

    const input = { x: 1, identity: { email: "a@example.com" }, request: { sql: "SELECT 1", params: ["p"] } };
    const held = watcher.current()!;
    const before = watcher.evaluate(input);
    logger!.log(before, input);

    const reloaded = nextEvent(watcher, "reloaded");
    tree.write("policy/portcullis/decision.rego", decisionRego(2));
    await reloaded;
    logger!.log(watcher.evaluate(input), input);
    logger!.log(held.evaluate(input), input); // a request that started before the swap
    await logger!.close();

    const lines = readFileSync(file, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines).toHaveLength(3);
    const revisions = lines.map((l) => l.bundles.policies.revision);
    expect(revisions[0]).toBe(held.revision);
    expect(revisions[1]).toBe(watcher.current()!.revision);
    expect(revisions[1]).not.toBe(revisions[0]);
    expect(revisions[2]).toBe(held.revision);
    expect(lines.map((l) => l.result.v)).toEqual([1, 2, 1]);
    for (const l of lines) {
      expect(l.path).toBe("portcullis/decision");
      expect(l.labels).toEqual({ id: "gw-test", version: "0.1.0" });
      expect(l.input.request).toEqual({ sql: "SELECT 1" });
      expect(l.input.identity.email).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
      expect(l.erased).toEqual(["/input/request/params"]);
      expect(l.masked).toEqual(["/input/identity/email"]);
      expect(l.metrics.timer_rego_query_eval_ns).toBeGreaterThan(0);
      expect(l.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    }
    expect(new Set(lines.map((l) => l.decision_id)).size).toBe(3);
  }, 30_000);
});
