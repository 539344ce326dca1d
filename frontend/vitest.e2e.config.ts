import { defineConfig } from "vitest/config";

// The browser tests (e2e/run.sh starts what they need): one file at a time, in Node.
export default defineConfig({
  test: {
    environment: "node",
    include: ["e2e/**/*.e2e.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
