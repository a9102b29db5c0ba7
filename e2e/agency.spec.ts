import { readdirSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { at } from "./hosts.ts";

const latestTenantMigration = readdirSync("prisma/tenant/migrations").filter((n) => /^\d{14}_/.test(n)).sort().at(-1)!;

test("the agency view lists every tenant with its status, domains, server, schema and event count", async ({ page }) => {
  await page.goto(at("admin.localhost"));
  await expect(page.getByRole("heading", { name: "Tenants" })).toBeVisible();
  const rows = page.getByTestId("fleet-row");
  await expect(rows).toHaveCount(4);

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
  await page.goto(at("admin.localhost"));
  const row = page.locator('[data-testid="fleet-row"][data-slug="umbrella"]');
  await expect(row).toHaveAttribute("data-health", "degraded");
  await expect(row).toContainText("degraded");
  await expect(page.locator('[data-slug="acme"]')).toHaveAttribute("data-health", "healthy");
});

test("tenant links in the agency view open the branded portals", async ({ page }) => {
  await page.goto(at("admin.localhost"));
  await page.locator('[data-slug="initech"]').getByRole("link", { name: "initech.localhost" }).click();
  await expect(page.getByTestId("tenant-name")).toHaveText("Initech University");
});
