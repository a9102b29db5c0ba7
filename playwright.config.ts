import { defineConfig } from "@playwright/test";

/**
 * Browser tests in Debian's Chromium (Playwright cannot download its own browser here).
 * Tenant hosts are *.localhost names, which Chromium resolves to loopback.
 */
const port = Number(process.env.E2E_PORT ?? 3100);

export default defineConfig({
  testDir: "e2e",
  // Two instances behind nginx, with a harness of their own: npm run test:cluster.
  testIgnore: "cluster/**",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    // CI keeps only its console output; traces are for local debugging.
    trace: process.env.CI ? "off" : "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    command: "node --conditions=react-server --import tsx scripts/e2e-server.ts",
    url: `http://127.0.0.1:${port}/healthz`,
    timeout: 240_000,
    reuseExistingServer: !process.env.CI,
    stdout: "pipe",
    // Warnings and errors only: one JSON line per request would bury what a failing test printed.
    // No scheduled backups: they would add load to every test run (README → Backups).
    env: {
      E2E_PORT: String(port),
      PORTICO_LOG_LEVEL: process.env.PORTICO_LOG_LEVEL ?? "warn",
      PORTICO_BACKUPS: "false",
    },
  },
});
