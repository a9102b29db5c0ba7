import { expect, test } from "@playwright/test";
import { at, signInAgency } from "./hosts.ts";

/**
 * Tenants as code on the dashboard (decision 020): a declared tenant's page lists the fields its
 * file sets, their value in the file and now, and whether they still come from the code.
 */
test("a declared tenant's page shows which fields are declared in code", async ({ page }) => {
  await signInAgency(page, "viewer@agency.localhost");
  await page.waitForURL((u) => !u.pathname.startsWith("/sign-in"));
  await page.goto(at("admin.localhost", "/tenants/initech"));
  const section = page.getByTestId("declared-fields");
  await expect(section.getByRole("heading")).toContainText("Declared in code: tenants/initech.ts");
  await expect(section.getByTestId("declared-name")).toContainText("Initech University");
  await expect(section.getByTestId("declared-name")).toContainText("declared in code");
  await expect(section.getByTestId("declared-primary")).toContainText("declared in code");

  // A tenant made in the wizard or the CLI has no declaration, and no such section (control).
  await page.goto(at("admin.localhost", "/tenants/stark"));
  await expect(page.getByTestId("tenant-title")).toBeVisible();
  await expect(page.getByTestId("declared-fields")).toHaveCount(0);
});
