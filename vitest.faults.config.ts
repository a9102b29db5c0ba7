import path from "node:path";
import { defineConfig } from "vitest/config";

/** `npm run test:faults`: the fault tests (real servers stopped, processes killed, a soak). */
export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      "server-only": path.resolve(import.meta.dirname, "test/support/server-only.ts"),
    },
  },
  test: {
    include: ["test/faults/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: "forks",
    // One at a time: each starts its own servers and load, and they would disturb each other's figures.
    fileParallelism: false,
  },
});
