/**
 * End to end on real files and real chokidar: a policy directory is edited while a
 * watcher serves decisions from it.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { PolicyWatcher } from "./watcher.js";
import { DECISION_TEST, captureLog, decisionRego, nextEvent, sleep, tempTree } from "./testkit.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
const timings: string[] = [];
afterAll(() => {
  if (timings.length) console.log(timings.join("\n"));
});

async function openDir(files: Record<string, string>, extra: Partial<Parameters<typeof PolicyWatcher.open>[0]> = {}) {
  const tree = tempTree("watch-", files);
  const log = captureLog();
  const watcher = await PolicyWatcher.open({ dir: join(tree.root, "policy"), logger: log.logger, debounceMs: 100, ...extra });
  cleanups.push(tree.remove, () => watcher.close());
  return { tree, log, watcher, dir: join(tree.root, "policy") };
}

const v = (d: { result?: unknown }) => (d.result as { v?: number } | undefined)?.v;

describe("PolicyWatcher on a directory", () => {
  it("serves the initial policy with its revision, then picks up an edit within 1 second", async () => {
    const { tree, watcher, log } = await openDir({ "policy/portcullis/decision.rego": decisionRego(1), "policy/portcullis/decision_test.rego": DECISION_TEST });
    const first = watcher.evaluate({ x: 1 });
    expect(first.error).toBeUndefined();
    expect(first.result).toEqual({ allow: true, v: 1 });
    expect(first.revision).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(first.path).toBe("portcullis/decision");
    expect(first.generation).toBe(1);
    expect(log.text()).toContain("2 tests passed");

    const started = performance.now();
    tree.write("policy/portcullis/decision.rego", decisionRego(2));
    let seen = first;
    while (v(seen) !== 2 && performance.now() - started < 5000) {
      await sleep(5);
      seen = watcher.evaluate({ x: 1 });
    }
    const elapsed = performance.now() - started;
    timings.push(`edit → first decision on the new policy: ${elapsed.toFixed(0)} ms`);
    expect(v(seen)).toBe(2);
    expect(elapsed).toBeLessThan(1000);
    expect(seen.revision).not.toBe(first.revision);
    expect(seen.generation).toBe(2);
  }, 30_000);

  it("keeps the last good policy on a compile error and on a failing test, logging why with locations", async () => {
    const { tree, watcher, log, dir } = await openDir({ "policy/portcullis/decision.rego": decisionRego(1), "policy/portcullis/decision_test.rego": DECISION_TEST });
    const good = watcher.current()!;

    let rejected = nextEvent(watcher, "rejected");
    tree.write("policy/portcullis/decision.rego", "package portcullis\n\ndecision := {\"allow\": \n");
    const broken = await rejected;
    expect(broken.stage).toBe("compile");
    expect(broken.activeRevision).toBe(good.revision);
    expect(broken.revision).not.toBe(good.revision);
    expect(broken.problems[0]!.code).toBe("rego_parse_error");
    expect(broken.problems[0]!.location?.file).toBe(join(dir, "portcullis/decision.rego"));
    expect(log.text()).toMatch(new RegExp(`${escape(join(dir, "portcullis/decision.rego"))}:\\d+:\\d+: rego_parse_error: `));
    expect(watcher.evaluate({ x: 1 })).toMatchObject({ result: { allow: true, v: 1 }, revision: good.revision });

    rejected = nextEvent(watcher, "rejected");
    // compiles, but allows everyone: test_deny fails
    tree.write("policy/portcullis/decision.rego", decisionRego(3, "true"));
    const failing = await rejected;
    expect(failing.stage).toBe("test");
    expect(failing.problems).toHaveLength(1);
    expect(failing.problems[0]).toMatchObject({ code: "test_failed", location: { file: join(dir, "portcullis/decision_test.rego"), row: 7 } });
    expect(failing.problems[0]!.message).toContain("data.portcullis_test.test_deny");
    expect(log.text()).toContain(`${join(dir, "portcullis/decision_test.rego")}:7:1: test_failed: data.portcullis_test.test_deny is undefined`);
    expect(watcher.evaluate({ x: 1 })).toMatchObject({ result: { allow: true, v: 1 }, revision: good.revision });
    expect(watcher.evaluate({ x: 2 })).toMatchObject({ result: { allow: false, v: 1 } });
    expect(watcher.current()).toBe(good);

    const reloaded = nextEvent(watcher, "reloaded");
    tree.write("policy/portcullis/decision.rego", decisionRego(4));
    const ok = await reloaded;
    expect(ok.previousRevision).toBe(good.revision);
    expect(Object.keys(ok.timings)).toEqual(["collect", "test", "compile", "load"]);
    expect(log.records.at(-1)!.message).toMatch(/\(generation 2, portcullis\/decision\.rego, \d+ ms: collect \d+, test \d+, compile \d+, load \d+, 2 tests passed\)/);
    expect(v(watcher.evaluate({ x: 1 }))).toBe(4);
  }, 30_000);

  it("lets a decision that took the policy before a swap finish on it (old revision)", async () => {
    const { tree, watcher } = await openDir({ "policy/portcullis/decision.rego": decisionRego(1) });
    // a request takes the active policy at its start, then awaits (I/O, approvals) ...
    const held = watcher.current()!;
    const inFlight = (async () => {
      await nextEvent(watcher, "reloaded");
      return held.evaluate({ x: 1 });
    })();
    tree.write("policy/portcullis/decision.rego", decisionRego(2));
    const decision = await inFlight;
    // ... and ends on the policy it started with, although a new one is active
    expect(decision).toMatchObject({ result: { v: 1 }, revision: held.revision, generation: 1 });
    const now = watcher.evaluate({ x: 1 });
    expect(now).toMatchObject({ result: { v: 2 }, generation: 2 });
    expect(now.revision).not.toBe(held.revision);
    expect(Object.isFrozen(held)).toBe(true);
  }, 30_000);

  it("fails closed until the first good policy, then serves it", async () => {
    const { tree, watcher, log } = await openDir({ "policy/portcullis/decision.rego": "package portcullis\n\ndecision := \n" });
    expect(watcher.current()).toBeNull();
    const refused = watcher.evaluate({ x: 1 });
    expect(refused.result).toBeUndefined();
    expect(refused).toMatchObject({ revision: null, generation: 0, error: { code: "policy_not_ready" } });
    expect(log.records.some((r) => r.level === "error" && r.message.includes("refusing every decision"))).toBe(true);

    const reloaded = nextEvent(watcher, "reloaded");
    tree.write("policy/portcullis/decision.rego", decisionRego(1));
    expect((await reloaded).previousRevision).toBeNull();
    expect(watcher.evaluate({ x: 1 })).toMatchObject({ result: { allow: true, v: 1 }, generation: 1 });
  }, 30_000);

  it("collapses overlapping changes: a change during a reload gets one more reload, the latest state wins", async () => {
    const { tree, watcher } = await openDir({ "policy/portcullis/decision.rego": decisionRego(1) });
    const events: string[] = [];
    watcher.on("reloaded", (e) => events.push(`${e.generation}`));
    tree.write("policy/portcullis/decision.rego", decisionRego(2));
    await sleep(150); // past the debounce: the reload of v2 is compiling now
    for (let i = 3; i <= 6; i++) tree.write("policy/portcullis/decision.rego", decisionRego(i));
    await sleep(150);
    await watcher.idle();
    expect(v(watcher.evaluate({ x: 1 }))).toBe(6);
    // v2 once, then v3..v6 in one follow-up (or two, when a write lands after it began)
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.length).toBeLessThanOrEqual(3);
  }, 30_000);

  it("ignores dot-folders, node_modules, editor files and non-policy files", async () => {
    const { tree, watcher } = await openDir({ "policy/portcullis/decision.rego": decisionRego(1) });
    let reloads = 0;
    watcher.on("reloaded", () => reloads++);
    watcher.on("rejected", () => reloads++);
    tree.write("policy/.git/x.rego", "not rego");
    tree.write("policy/node_modules/m/x.rego", "not rego");
    tree.write("policy/portcullis/.decision.rego.swp", "swap");
    tree.write("policy/portcullis/decision.rego~", "backup");
    tree.write("policy/README.md", "# docs");
    await sleep(400);
    await watcher.idle();
    expect(reloads).toBe(0);
    expect(v(watcher.evaluate({ x: 1 }))).toBe(1);
  }, 30_000);

  it("uses the git commit as the revision, `-dirty` once the work tree differs", async () => {
    const tree = tempTree("watch-git-", { "policy/portcullis/decision.rego": decisionRego(1) });
    cleanups.push(tree.remove);
    const env = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@x", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@x", GIT_CONFIG_GLOBAL: "/dev/null" };
    for (const args of [["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "p"]]) execFileSync("git", args, { cwd: tree.root, env });
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: tree.root, encoding: "utf8" }).trim();
    const watcher = await PolicyWatcher.open({ dir: join(tree.root, "policy"), logger: () => {}, debounceMs: 100 });
    cleanups.push(() => watcher.close());
    expect(watcher.evaluate({}).revision).toBe(head);
    const reloaded = nextEvent(watcher, "reloaded");
    tree.write("policy/portcullis/decision.rego", decisionRego(2));
    expect((await reloaded).revision).toBe(`${head}-dirty`);
    expect(watcher.evaluate({}).revision).toBe(`${head}-dirty`);
  }, 30_000);

  it("reports an unknown entrypoint as an error decision, and close() stops reloading", async () => {
    const { tree, watcher } = await openDir({ "policy/portcullis/decision.rego": decisionRego(1) });
    expect(watcher.evaluate({}, "data.nope.decision").error?.code).toBe("unknown_entrypoint");
    expect(watcher.evaluate({ x: 1 }, "data.portcullis.decision").result).toEqual({ allow: true, v: 1 });
    await watcher.close();
    let reloads = 0;
    watcher.on("reloaded", () => reloads++);
    tree.write("policy/portcullis/decision.rego", decisionRego(2));
    await sleep(300);
    expect(reloads).toBe(0);
    expect(v(watcher.evaluate({ x: 1 }))).toBe(1); // the last policy still decides
  }, 30_000);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
