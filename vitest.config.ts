import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      // `server-only` throws outside React's server build; tests are server code by definition.
      "server-only": path.resolve(import.meta.dirname, "test/support/server-only.ts"),
    },
  },
  test: {
    include: ["lib/**/*.test.ts", "test/**/*.test.ts", "bench/**/*.test.ts"],
    // The fault tests need a production build and take minutes: `npm run test:faults`.
    exclude: ["test/faults/**", "**/node_modules/**"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Processes the tests start (the CLI, the fault tests' servers) keep no spare databases on
    // the shared test server: test/integration/spare-databases.test.ts owns them there.
    // The structured log (lib/observability/logger.ts) says only what went wrong during tests; the
    // tests that read it choose their own level.
    env: { PORTICO_SPARE_DATABASES: "0", PORTICO_LOG_LEVEL: "warn" },
  },
});
