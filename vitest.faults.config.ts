import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

/** `npm run test:faults`: the fault tests (real servers stopped, processes killed, a soak). */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/faults/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // One at a time: each starts its own servers and load, and they would disturb each other's figures.
    fileParallelism: false,
  },
});
