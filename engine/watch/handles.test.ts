import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { PolicyWatcher } from "./watcher.js";
import { decisionRego, sleep, tempTree } from "./testkit.js";

/** What keeps the event loop alive, by kind (FSEventWrap = fs.watch, Timeout = timers). */
function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) out[kind] = (out[kind] ?? 0) + 1;
  return out;
}

describe("close()", () => {
  it("leaves no file watchers or timers behind, even with a reload pending", async () => {
    const tree = tempTree("watch-close-", { "policy/portcullis/decision.rego": decisionRego(1) });
    try {
      await sleep(20);
      const before = handles();
      const watcher = await PolicyWatcher.open({ dir: join(tree.root, "policy"), logger: () => {}, debounceMs: 100 });
      expect((handles().FSEventWrap ?? 0)).toBeGreaterThan(before.FSEventWrap ?? 0);
      tree.write("policy/portcullis/decision.rego", decisionRego(2)); // debounce timer armed
      await sleep(20);
      await watcher.close();
      await sleep(20);
      const after = handles();
      expect(after.FSEventWrap ?? 0).toBe(before.FSEventWrap ?? 0);
      expect(after.Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0);
    } finally {
      tree.remove();
    }
  }, 30_000);
});
