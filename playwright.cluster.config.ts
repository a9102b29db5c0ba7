import { defineConfig } from "@playwright/test";
import base from "./playwright.config.ts";

/**
 * The cluster tests (npm run test:cluster): two production instances behind nginx on one
 * PostgreSQL (test/support/cluster.ts), in Debian's Chromium. One worker, files in name order:
 * the last one kills an instance.
 */
const port = Number(process.env.E2E_PORT ?? 3200);

export default defineConfig({
  testDir: "e2e/cluster",
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: { ...base.use },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    command: "node --conditions=react-server --import tsx test/support/cluster.ts",
    url: `http://127.0.0.1:${port}/readyz`,
    timeout: 300_000,
    reuseExistingServer: !process.env.CI,
    stdout: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 60_000 },
    env: { E2E_PORT: String(port), PORTICO_LOG_LEVEL: process.env.PORTICO_LOG_LEVEL ?? "info" },
  },
});
