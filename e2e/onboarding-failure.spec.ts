import { expect, test, type Page } from "@playwright/test";
import { adminQuery, adminSql, tenantsCli } from "./cli.ts";
import { at, signInAgency } from "./hosts.ts";

/** Through the wizard with the fewest fields, up to its review step. */
async function fillWizard(page: Page, slug: string, name: string) {
  await page.goto(at("admin.localhost", "/tenants/new"));
  await page.getByRole("button", { name: "Start" }).click();
  await page.getByLabel("Organisation name").fill(name);
  await page.getByLabel("Slug").fill(slug);
  for (const heading of ["Domains", "Branding", "Plan", "Database"]) {
    await page.getByRole("button", { name: "Next" }).click();
    await expect(page.getByRole("heading", { name: heading })).toBeVisible();
  }
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Name").fill("Ada Admin");
  await page.getByLabel("Email").fill(`ada@${slug}.example`);
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByRole("heading", { name: "Review" })).toBeVisible();
}

/** …then submits it; leaves the page on the operation's progress. */
async function provisionThroughWizard(page: Page, slug: string, name: string) {
  await fillWizard(page, slug, name);
  await page.getByRole("button", { name: "Create tenant" }).click();
  await expect(page.getByTestId("operation-status")).toHaveText(/succeeded|failed/, { timeout: 30_000 });
}

/** A database squatting on the tenant's name with a conflicting table: its migration must fail. */
async function squat(slug: string) {
  const db = `t_${slug.replaceAll("-", "_")}`;
  await adminSql("postgres", `CREATE DATABASE ${db}`);
  await adminSql(db, `CREATE TABLE "User" (id int)`);
  return db;
}

test("a provisioning failure names the step and reason; Retry completes it once the cause is fixed (security case 21)", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const slug = `retry-${Date.now().toString(36)}`;
  const db = await squat(slug);
  await signInAgency(page);
  await expect(page.getByTestId("agency-user")).toBeVisible();
  await provisionThroughWizard(page, slug, "Retry Ltd");
  await expect(page.getByTestId("operation-status")).toHaveText("failed");
  await expect(page.getByTestId("operation-error")).toContainText('step "migrate" failed');
  await expect(page.locator('[data-step="migrate"]')).toHaveAttribute("data-state", "failed");
  await expect(page.locator('[data-step="activate"]')).toHaveAttribute("data-state", "pending");
  const portal = await page.context().newPage();
  expect((await portal.goto(at(`${slug}.localhost`)))?.status()).toBe(404); // inactive until the last step

  await adminSql(db, `DROP TABLE "User"`);
  await page.getByTestId("action-retry").getByRole("button").click();
  await expect(page.getByTestId("operation-status")).toHaveText("succeeded", { timeout: 30_000 });
  await portal.goto(at(`${slug}.localhost`));
  await expect(portal.getByTestId("tenant-name")).toHaveText("Retry Ltd");
  // The first admin from the original wizard was invited by the retry.
  const invites = await adminQuery<{ n: string }>(
    "portico",
    `SELECT count(*)::text AS n FROM "OutboxMessage" WHERE "toAddress" = $1`,
    [`ada@${slug}.example`],
  );
  expect(invites).toEqual([{ n: "1" }]);
});

test("Discard removes the database, role and domains a failed provisioning created", async ({ page }) => {
  test.setTimeout(120_000);
  const slug = `discard-${Date.now().toString(36)}`;
  const db = await squat(slug);
  await signInAgency(page);
  await expect(page.getByTestId("agency-user")).toBeVisible();
  await provisionThroughWizard(page, slug, "Discard Ltd");
  await expect(page.getByTestId("operation-status")).toHaveText("failed");
  await page.getByTestId("action-discard").getByRole("button").click();
  await expect(page.getByTestId("action-discard").getByTestId("form-error")).toContainText("to confirm");
  await page
    .getByTestId("action-discard")
    .getByLabel(/to confirm/)
    .fill(slug);
  await page.getByTestId("action-discard").getByRole("button").click();
  await expect(page.getByTestId("operation-status")).toHaveText("succeeded", { timeout: 30_000 });
  expect(await adminQuery("postgres", "SELECT 1 FROM pg_database WHERE datname = $1", [db])).toEqual([]);
  expect(await adminQuery("postgres", "SELECT 1 FROM pg_roles WHERE rolname = $1", [`${db}_app`])).toEqual([]);
  expect(await adminQuery("portico", `SELECT 1 FROM "Tenant" WHERE slug = $1`, [slug])).toEqual([]);
});

test("a slug taken while the wizard was open is refused with what to change; nothing is half-created (security case 20)", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const slug = `race-${Date.now().toString(36)}`;
  await signInAgency(page);
  await expect(page.getByTestId("agency-user")).toBeVisible();
  await fillWizard(page, slug, "Race Ltd");
  const reviewUrl = page.url();
  // Another wizard (here, the CLI) wins the slug first.
  expect(tenantsCli("create", slug, "--name", "Winner Ltd").code).toBe(0);
  await page.getByRole("button", { name: "Create tenant" }).click();
  await expect(page.getByTestId("form-error")).toContainText(
    `the slug "${slug}" was just taken; go back to Organisation and choose another`,
  );
  expect(await adminQuery("portico", `SELECT name FROM "Tenant" WHERE slug = $1`, [slug])).toEqual([
    { name: "Winner Ltd" },
  ]);

  await page.goto(reviewUrl.replace(/\/review$/, "/organisation"));
  await page.getByLabel("Slug").fill(`${slug}-2`);
  for (const heading of ["Domains", "Branding", "Plan", "Database", "First admin", "Review"]) {
    await page.getByRole("button", { name: "Next" }).click();
    await expect(page.getByRole("heading", { name: heading })).toBeVisible();
  }
  await page.getByRole("button", { name: "Create tenant" }).click();
  await expect(page.getByTestId("operation-status")).toHaveText("succeeded", { timeout: 30_000 });
  expect(await adminQuery("portico", `SELECT name FROM "Tenant" WHERE slug = $1`, [`${slug}-2`])).toEqual([
    { name: "Race Ltd" },
  ]);
});
