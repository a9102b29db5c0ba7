import { readdirSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { adminQuery, runScript } from "./cli.ts";
import { at, direct, signInAgency } from "./hosts.ts";

const latestTenantMigration = readdirSync("prisma/tenant/migrations")
  .filter((n) => /^\d{14}_/.test(n))
  .sort()
  .at(-1)!;

test.beforeEach(async ({ page }, testInfo) => {
  if (testInfo.title.startsWith("[signed out]")) return;
  await signInAgency(page);
  await expect(page.getByTestId("agency-user")).toContainText("Olive Owner");
});

test("[signed out] the agency view requires an agency sign-in", async ({ page, request }) => {
  const response = await request.get(...direct("admin.localhost"));
  expect(response.status()).toBe(307);
  expect(response.headers()["location"]).toBe("/sign-in?callbackUrl=%2F");
  await page.goto(at("admin.localhost"));
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.locator("body")).not.toContainText("Acme Pharma Academy");
});

test("[signed out] a wrong agency password is refused; tenant credentials do not work here", async ({ page }) => {
  await signInAgency(page, "owner@agency.localhost", "not-the-password");
  await expect(page.getByTestId("form-error")).toContainText("don't match");
  await signInAgency(page, "owner@acme.example", "portico-demo");
  await expect(page.getByTestId("form-error")).toContainText("don't match");
});

test("[signed out] a tenant staff session is worthless on the agency host (security case 12)", async ({
  page,
  context,
  request,
}) => {
  await page.goto(at("acme.localhost", "/sign-in"));
  await page.getByLabel("Email").first().fill("sam@acme.example");
  await page.getByLabel("Password").fill("portico-demo");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("account-role")).toHaveText("staff"); // positive control on its own host
  const cookie = (await context.cookies(at("acme.localhost"))).find((c) => c.name === "portico.session")!;
  for (const name of ["portico.session", "portico-agency.session"]) {
    const response = await request.get(...direct("admin.localhost", "/", { cookie: `${name}=${cookie.value}` }));
    expect(response.status(), name).toBe(307);
    expect(await response.text()).not.toContain("Acme Pharma Academy");
  }
  const api = await request.get(
    ...direct("acme.localhost", "/api/auth/session", { cookie: `portico-agency.session=${cookie.value}` }),
  );
  expect(await api.text()).not.toContain("agency");
});

test("agency sign-ins and cross-tenant reads are in the audit log, and the chain verifies", async ({ page }) => {
  await expect(page.getByTestId("fleet-row").first()).toBeVisible();
  const entries = await adminQuery<{ action: string; actorLabel: string }>(
    "portico",
    // Fleet views are recorded once an hour per person, so look at the last hour, not the last few lines.
    `SELECT action, "actorLabel" FROM "AuditEntry" WHERE "actorLabel" = 'owner@agency.localhost' AND at > now() - interval '1 hour' ORDER BY id DESC`,
  );
  expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(["agency.sign-in", "fleet.read"]));
  const verified = runScript("audit.ts", "verify", "--json");
  expect(verified.code).toBe(0);
  expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true });
});

test("a viewer can see the overview", async ({ browser }) => {
  const page = await browser.newPage();
  await signInAgency(page, "viewer@agency.localhost");
  await expect(page.getByTestId("agency-user")).toContainText("viewer");
  await expect(page.getByTestId("fleet-row").first()).toBeVisible();
});

test("the agency view lists every tenant with its status, domains, server, schema and event count", async ({
  page,
}) => {
  await expect(page.getByRole("heading", { name: "Tenants" })).toBeVisible();
  // Other tests add tenants of their own meanwhile: the fixtures must all be there.
  for (const slug of ["acme", "globex", "initech", "stark", "umbrella"])
    await expect(page.locator(`[data-testid="fleet-row"][data-slug="${slug}"]`)).toHaveCount(1);

  // Event counts are read from each tenant's own database: all events, drafts included.
  const expected = { acme: "4", globex: "2", initech: "3" } as const;
  for (const [slug, count] of Object.entries(expected)) {
    const row = page.locator(`[data-testid="fleet-row"][data-slug="${slug}"]`);
    await expect(row).toHaveAttribute("data-health", "healthy");
    await expect(row.getByTestId("event-count")).toHaveText(count);
    await expect(row).toContainText("active");
    await expect(row).toContainText("embedded");
    await expect(row).toContainText(latestTenantMigration);
    await expect(row).toContainText(`${slug}.localhost`);
  }
  await expect(page.locator('[data-slug="globex"]')).toContainText("portal.globex.localhost");
});

test("a tenant with a broken database shows as degraded without breaking the page", async ({ page }) => {
  const row = page.locator('[data-testid="fleet-row"][data-slug="umbrella"]');
  await expect(row).toHaveAttribute("data-health", "degraded");
  await expect(row).toContainText("degraded");
  await expect(page.locator('[data-slug="acme"]')).toHaveAttribute("data-health", "healthy");
});

test("tenant links in the agency view open the branded portals", async ({ page }) => {
  await page.locator('[data-slug="initech"]').getByRole("link", { name: "initech.localhost" }).click();
  await expect(page.getByTestId("tenant-name")).toHaveText("Initech University");
});
