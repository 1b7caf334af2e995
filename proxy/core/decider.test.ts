/**
 * The decider over a real hot-reloaded policy directory and a real decision log file:
 * decisions carry the revision and id that the log records, and everything short of a
 * well-formed decision denies.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PolicyWatcher } from "../../engine/watch/index.js";
import { DecisionLogger, LineSink } from "../../engine/decisionlog/index.js";
import { PolicyDecider } from "./decider.js";
import type { PolicyInput } from "./contracts.js";

const input = (sql: string, kind: string): PolicyInput => ({
  identity: { sub: "u1", groups: ["dev"], issuer: "https://issuer.test", agent: false, claims: {} },
  connection: { name: "db", type: "postgres", tags: { env: "test" } },
  session: { id: "s1", started_at: "2026-11-22T00:00:00Z", client_addr: "127.0.0.1:1", stats: {} },
  request: { sql, statements: [{ kind }] },
});

const POLICY = `package portcullis

deny contains sprintf("%s is not allowed", [upper(s.kind)]) if {
	some s in input.request.statements
	s.kind == "drop"
}

decision := {"allow": count(deny) == 0, "deny": [r | some r in deny], "approval": null, "mask": []}
`;

describe("PolicyDecider", () => {
  const dir = mkdtempSync(join(tmpdir(), "decider-"));
  const logPath = join(dir, "..", `decisions-${process.pid}-${Date.now()}.jsonl`);
  writeFileSync(join(dir, "policy.rego"), POLICY);
  const sink = LineSink.toFile(logPath);
  const created = DecisionLogger.create({ sink, labels: { id: "gw-test" } });
  let watcher: PolicyWatcher | undefined;
  afterAll(async () => {
    await watcher?.close();
  });

  it("allows and denies by the policy, with the revision and an id that the decision log carries", async () => {
    watcher = await PolicyWatcher.open({ dir, test: false });
    const decider = new PolicyDecider(watcher, { log: created.logger! });
    const allowed = await decider.decide(input("SELECT 1", "select"));
    const denied = await decider.decide(input("DROP TABLE t", "drop"));
    expect(allowed.outcome).toBe("allow");
    expect(denied).toMatchObject({ outcome: "deny", decision: { allow: false, deny: ["DROP is not allowed"] } });
    expect(denied.revision).toMatch(/^sha256:[0-9a-f]{12}$/);
    await created.logger!.close();
    const lines = readFileSync(logPath, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { decision_id: string; bundles: Record<string, { revision: string }>; result: { allow: boolean } });
    expect(lines.map((l) => l.decision_id)).toEqual([allowed.decision_id, denied.decision_id]);
    expect(lines[1]!.bundles).toEqual({ portcullis: { revision: denied.revision } });
    expect(lines[1]!.result.allow).toBe(false);
  });

  it("denies when no policy is loaded, when evaluation fails, and when the decision is undefined or malformed", async () => {
    const notReady = new PolicyDecider({ evaluate: () => ({ path: "portcullis/decision", revision: null, generation: 0, bundle: "p", error: { code: "policy_not_ready", message: "no policy loaded yet" }, metrics: { timer_rego_query_eval_ns: 0 } }) });
    const r1 = await notReady.decide(input("SELECT 1", "select"));
    expect(r1).toMatchObject({ outcome: "deny", revision: "none" });
    expect(r1.decision.deny[0]).toContain("no policy loaded yet");

    const undefinedResult = new PolicyDecider({ evaluate: () => ({ path: "p", revision: "r1", generation: 1, bundle: "p", metrics: { timer_rego_query_eval_ns: 0 } }) });
    expect((await undefinedResult.decide(input("SELECT 1", "select"))).decision.deny[0]).toContain("undefined");

    const malformed = new PolicyDecider({ evaluate: () => ({ path: "p", revision: "r1", generation: 1, bundle: "p", result: { allow: "yes" }, metrics: { timer_rego_query_eval_ns: 0 } }) });
    expect((await malformed.decide(input("SELECT 1", "select"))).outcome).toBe("deny");
  });
});
