import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ReloadScheduler } from "./schedule.js";
import { isIgnoredPath, isPolicyFile } from "./sources.js";
import { sleep } from "./testkit.js";

/** A fake reload that records overlap and which "file state" each run saw. */
function harness(runMs: number) {
  let running = 0;
  let maxConcurrent = 0;
  let state = 0;
  const seen: number[] = [];
  const scheduler = new ReloadScheduler(async () => {
    running++;
    maxConcurrent = Math.max(maxConcurrent, running);
    await sleep(runMs / 2);
    const observed = state; // a real reload reads the files while it runs
    await sleep(runMs / 2);
    seen.push(observed);
    running--;
  }, 10);
  return {
    scheduler,
    change: () => {
      state++;
      scheduler.notify(`change ${state}`);
    },
    get state() {
      return state;
    },
    seen,
    maxConcurrent: () => maxConcurrent,
  };
}

describe("ReloadScheduler", () => {
  it("debounces a burst into one reload", async () => {
    const h = harness(4);
    for (let i = 0; i < 10; i++) h.change();
    await sleep(20);
    await h.scheduler.idle();
    expect(h.seen).toEqual([10]);
    await h.scheduler.close();
  });

  it("never overlaps reloads and always ends on the latest state (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 12 }), async (gaps) => {
        const h = harness(16);
        for (const gap of gaps) {
          h.change();
          await sleep(gap);
        }
        await sleep(15);
        await h.scheduler.idle();
        expect(h.maxConcurrent()).toBe(1);
        expect(h.seen.at(-1)).toBe(h.state);
        // each change is followed by at most one reload per run already under way
        expect(h.seen.length).toBeLessThanOrEqual(gaps.length);
        await h.scheduler.close();
      }),
      { numRuns: 15 },
    );
  }, 30_000);

  it("now() runs immediately or right after the running reload; close() cancels what waits", async () => {
    const h = harness(20);
    const first = h.scheduler.now("a");
    const second = h.scheduler.now("b"); // queued behind "a"
    await Promise.all([first, second]);
    expect(h.seen.length).toBe(2);
    h.change();
    await h.scheduler.close(); // the debounced change never runs
    await sleep(30);
    expect(h.seen.length).toBe(2);
    h.change();
    await sleep(30);
    expect(h.seen.length).toBe(2);
  });

  it("keeps going after a reload that throws", async () => {
    let calls = 0;
    const s = new ReloadScheduler(async () => {
      calls++;
      if (calls === 1) throw new Error("boom");
    }, 5);
    await s.now("x");
    await s.now("y");
    expect(calls).toBe(2);
    await s.close();
  });
});

describe("source filters", () => {
  it("ignores dot-segments, node_modules and editor files, relative to the root only", () => {
    const root = "/tmp/.hidden/policies";
    expect(isIgnoredPath(root, root)).toBe(false);
    expect(isIgnoredPath(root, `${root}/sql/deny.rego`)).toBe(false);
    expect(isIgnoredPath(root, `${root}/.git/index`)).toBe(true);
    expect(isIgnoredPath(root, `${root}/sql/.deny.rego.swp`)).toBe(true);
    expect(isIgnoredPath(root, `${root}/sql/deny.rego~`)).toBe(true);
    expect(isIgnoredPath(root, `${root}/sql/#deny.rego#`)).toBe(true);
    expect(isIgnoredPath(root, `${root}/sql/4913`)).toBe(true);
    expect(isIgnoredPath(root, `${root}/node_modules/x/a.rego`)).toBe(true);
    expect(isIgnoredPath(root, "/tmp/elsewhere.rego")).toBe(true);
  });

  it("never ignores a plain path of visible segments (property)", () => {
    const seg = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/).filter((s) => s !== "node_modules");
    fc.assert(
      fc.property(fc.array(seg, { minLength: 1, maxLength: 5 }), (segs) => {
        expect(isIgnoredPath("/r", `/r/${segs.join("/")}.rego`)).toBe(false);
        expect(isIgnoredPath("/r", `/r/${segs.join("/")}/.x`)).toBe(true);
      }),
    );
  });

  it("reacts to Rego and data files only", () => {
    expect(isPolicyFile("a/b.rego")).toBe(true);
    expect(isPolicyFile("a/data.yaml")).toBe(true);
    expect(isPolicyFile("a/data.json")).toBe(true);
    expect(isPolicyFile("a/other.json")).toBe(false);
    expect(isPolicyFile("README.md")).toBe(false);
  });
});
