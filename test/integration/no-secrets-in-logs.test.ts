import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../lib/db/embedded.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { testControlPlane, type TestControlPlane } from "../support/databases.ts";

/**
 * Passwords never reach a log (security case 36): the real development server (`next dev`, where
 * Next.js logs server functions and their arguments unless configured not to), a real Chromium
 * signing up and signing in with a sentinel password, and everything the server printed.
 */
let cp: TestControlPlane;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let port: number;
let slug: string;
let log = "";
// Listed in tsconfig.json's include, so `next dev` finds nothing there to rewrite.
const distDir = ".next/log-test";
const SENTINEL = `Sentinel-${randomBytes(9).toString("hex")}`;

async function waitFor(pattern: RegExp, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!pattern.test(log)) {
    if (server?.exitCode !== null) throw new Error(`next dev exited:\n${log}`);
    if (Date.now() > until) throw new Error(`timed out waiting for ${pattern} in:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  cp = await testControlPlane();
  slug = cp.slug("logs");
  await provisionTenant(cp.deps, parseTenantSpec({ slug, name: "Log Test", theme: FALLBACK_THEME }), {
    mode: "create",
  });
  port = await freePort();
  const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
  server = spawn(process.execPath, [nextBin, "dev", "--port", String(port)], {
    env: {
      ...process.env,
      NODE_ENV: "development",
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: cp.url,
      PORTICO_SECRET_KEY: cp.secretKey,
      PORTICO_SECRET_KEY_ID: "test",
      PORTICO_PUBLIC_SCHEME: "http",
      PORTICO_PUBLIC_PORT: String(port),
      PORTICO_NEXT_DIST_DIR: distDir,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout!.on("data", (c: Buffer) => (log += c.toString()));
  server.stderr!.on("data", (c: Buffer) => (log += c.toString()));
  await waitFor(/Ready in/i, 120_000);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once("exit", r));
    server.kill("SIGTERM");
    await exited;
  }
  await rm(path.resolve(distDir), { recursive: true, force: true });
  await cp?.cleanup();
});

describe("the development server's log", () => {
  it("records a sign-up and a sign-in but never the password typed into them", async () => {
    const page = await browser!.newPage();
    const origin = `http://${slug}.localhost:${port}`;
    await page.goto(`${origin}/sign-up`, { timeout: 120_000 });
    await page.getByLabel("Name").fill("Lou Logs");
    await page.getByLabel("Email").fill("lou@logs.example");
    await page.getByLabel("Password (at least 10 characters)").fill(SENTINEL);
    await page.getByRole("button", { name: "Create account" }).click();
    // The server function ran, the password sign-in followed, and the member landed in the portal.
    await page.waitForURL(`${origin}/account`, { timeout: 120_000 });

    // A wrong sign-in with the sentinel too (next-auth's credentials callback).
    const other = await browser!.newPage();
    await other.goto(`${origin}/sign-in`, { timeout: 120_000 });
    await other.getByLabel("Email").first().fill("lou@logs.example");
    await other.getByLabel("Password").fill(`${SENTINEL}-wrong`);
    const refused = other.waitForResponse(
      (r) => r.url().includes("/api/auth/callback/password") && r.request().method() === "POST",
      { timeout: 60_000 },
    );
    await other.getByRole("button", { name: "Sign in", exact: true }).click();
    await refused;

    // Positive control: the log did capture these requests.
    expect(log).toMatch(/POST \/sign-up/);
    expect(log).toMatch(/POST \/api\/auth\/callback\/password/);
    // And no password, nor any part of one.
    expect(log).not.toContain(SENTINEL);
    expect(log).not.toContain(SENTINEL.slice(9));
  }, 240_000);
});
