import { expect, test, type Page } from "@playwright/test";
import { at, signInAgency } from "./hosts.ts";

/**
 * Data residency (docs/decisions/053) in the browser. The e2e server configures two regions, eu
 * (the default, server "embedded") and us (server "embedded-us"): a Premium tenant's region is
 * chosen in the wizard, which refuses to go on without one, and the fleet shows and filters by it.
 */
async function next(page: Page) {
  await page.getByRole("button", { name: "Next", exact: true }).click();
}

test("the wizard asks a Premium tenant for its region, and the fleet shows and filters by it", async ({ page }) => {
  test.setTimeout(90_000);
  const slug = `resident-${Date.now().toString(36)}`;
  await signInAgency(page);
  await page.getByTestId("add-tenant").click();
  await page.getByRole("button", { name: "Start" }).click();
  await page.getByLabel("Organisation name").fill("Resident Events");
  await page.getByLabel("Slug").fill(slug);
  await expect(page.getByTestId("slug-status")).toHaveAttribute("data-available", "true");
  for (const heading of ["Domains", "Branding", "Plan"]) {
    await next(page);
    await expect(page.getByRole("heading", { name: heading })).toBeVisible();
  }

  // Standard: the default region is shown, nothing to choose (positive control for the refusal).
  await next(page);
  await expect(page.getByRole("heading", { name: "Region and database" })).toBeVisible();
  await expect(page.getByTestId("default-region")).toContainText("Europe (Frankfurt)");
  await expect(page.getByLabel("Region", { exact: true })).toHaveCount(0);

  // Premium: the region must be chosen before going on.
  await page.getByRole("button", { name: "Back" }).click();
  await expect(page.getByRole("heading", { name: "Plan" })).toBeVisible();
  await page.getByLabel("Premium").check();
  await next(page);
  await expect(page.getByRole("heading", { name: "Region and database" })).toBeVisible();
  await expect(page.getByLabel("Region", { exact: true })).toHaveValue("");
  await next(page);
  await expect(page.getByTestId("error-region")).toContainText("Choose the region the client's data stays in");
  await expect(page.getByRole("heading", { name: "Region and database" })).toBeVisible();

  // A server outside the chosen region is refused; Automatic stays inside it.
  await page.getByLabel("Region", { exact: true }).selectOption("us");
  await page.getByRole("radio", { name: /^embedded Europe/ }).check();
  await next(page);
  await expect(page.getByTestId("error-server")).toContainText("outside the tenant's region United States (Virginia)");
  await page.getByLabel("Automatic").check();
  await next(page);
  await expect(page.getByRole("heading", { name: "First admin" })).toBeVisible();
  await page.getByLabel("Name").fill("Rita Resident");
  await page.getByLabel("Email").fill(`rita@${slug}.example`);
  await next(page);

  await expect(page.getByRole("heading", { name: "Review" })).toBeVisible();
  await expect(page.getByTestId("review-region")).toHaveText("United States (Virginia) (us)");
  await page.getByRole("button", { name: "Create tenant" }).click();
  await expect(page.getByTestId("operation-status")).toHaveText("succeeded", { timeout: 30_000 });

  // The tenant's page and the fleet show its region; the fleet filters by it.
  await page.getByTestId("back-to-tenant").click();
  await expect(page.getByTestId("tenant-region")).toHaveText("United States (Virginia) (us)");
  await expect(page.getByTestId("tenant-server")).toContainText("embedded-us");
  await page.goto(at("admin.localhost", `/?q=${slug}`));
  const row = page.locator(`[data-testid="fleet-row"][data-slug="${slug}"]`);
  await expect(row.getByTestId("region")).toHaveText("us");
  await page.goto(at("admin.localhost", `/?q=${slug}&region=eu`));
  await expect(row).toHaveCount(0);
  await page.goto(at("admin.localhost", "/?region=us"));
  await expect(row).toBeVisible();
  await expect(page.locator('[data-testid="fleet-row"] [data-testid="region"]').first()).toHaveText("us");
});
