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
      let closed = false;
      let eventsAfterClose = 0;
      const count = () => {
        if (closed) eventsAfterClose++;
      };
      watcher.on("reloaded", count);
      watcher.on("rejected", count);
      tree.write("policy/portcullis/decision.rego", decisionRego(2)); // debounce timer armed
      await sleep(20);
      await watcher.close();
      closed = true;
      // fs.watch handles are released a tick after close, and on a loaded machine other
      // work's timers (a compile in flight) may take a moment; a leaked handle stays, and a
      // leaked timer of ours would fire a reload after close (checked below).
      const settled = () => (handles().FSEventWrap ?? 0) <= (before.FSEventWrap ?? 0) && (handles().Timeout ?? 0) <= (before.Timeout ?? 0);
      const deadline = Date.now() + 3000;
      while (!settled() && Date.now() < deadline) await sleep(20);
      expect(handles().FSEventWrap ?? 0).toBe(before.FSEventWrap ?? 0);
      expect(handles().Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0);
      await sleep(300); // longer than the debounce
      expect(eventsAfterClose).toBe(0);
    } finally {
      tree.remove();
    }
  }, 30_000);
});
