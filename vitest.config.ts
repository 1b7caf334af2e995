import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["engine/**/*.test.ts", "proxy/**/*.test.ts", "cli/**/*.test.ts", "bench/**/*.test.ts"],
    globalSetup: ["./vitest.setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
