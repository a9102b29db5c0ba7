import { expect, test, type Page } from "@playwright/test";
import { adminQuery, adminSql, tenantsCli } from "./cli.ts";
import { at, signInAgency } from "./hosts.ts";

// Backups on the dashboard (decision 052): the last backup's age and size on the tenant page and
// the fleet list, Back up now, and a restore in place that brings deleted rows back.

const database = (slug: string) => `t_${slug.replaceAll("-", "_")}`;

async function operationDone(page: Page) {
  await expect(page.getByTestId("operation-status")).toHaveText("succeeded", { timeout: 60_000 });
}

test("an owner backs a tenant up, sees its age and size, and restores it in place", async ({ page }) => {
  const slug = `bk-${Date.now().toString(36)}`;
  const created = tenantsCli("create", slug, "--name", "Backup Corp", "--primary", "#0f766e");
  expect(created.code, created.out).toBe(0);
  await adminSql(
    database(slug),
    `INSERT INTO "Event" (id, slug, title, "startsAt", "endsAt", "timeZone", status, "updatedAt") VALUES (gen_random_uuid(), 'kept', 'Kept by the backup', now() + interval '5 days', now() + interval '5 days 1 hour', 'UTC', 'published', now())`,
  );

  await signInAgency(page);
  await expect(page.getByTestId("agency-user")).toBeVisible();
  await page.goto(at("admin.localhost", `/tenants/${slug}`));
  await expect(page.getByTestId("backups-last")).toContainText("never");

  await page.getByTestId("action-backup").getByRole("button", { name: "Back up now" }).click();
  await operationDone(page);

  await page.goto(at("admin.localhost", `/tenants/${slug}`));
  await expect(page.getByTestId("backups-last")).toContainText(/just now \(\d+(\.\d)? (B|KB)\)/);
  await expect(page.getByTestId("backups-missed")).toHaveCount(0);
  await expect(page.getByTestId("backup-row")).toHaveCount(1);

  await page.goto(at("admin.localhost", `/?q=${slug}`));
  const row = page.locator(`[data-testid="fleet-row"][data-slug="${slug}"]`);
  await expect(row.getByTestId("last-backup")).toContainText(/just now · \d+(\.\d)? (B|KB)/);

  await adminSql(database(slug), `DELETE FROM "Event"`);
  await page.goto(at("admin.localhost", `/tenants/${slug}`));
  const restore = page.getByTestId("backup-row").first().getByTestId("action-restore").first();
  await restore.getByRole("button", { name: "Restore" }).click();
  await expect(restore.getByTestId("confirm-text")).toBeVisible();
  await restore.getByRole("button", { name: /^Yes, / }).click();
  await operationDone(page);

  const events = await adminQuery<{ title: string }>(database(slug), `SELECT title FROM "Event"`);
  expect(events.map((e) => e.title)).toEqual(["Kept by the backup"]);
  await page.goto(at("admin.localhost", `/tenants/${slug}`));
  // The data the restore replaced is kept in a pre-restore backup.
  await expect(page.getByTestId("backup-row")).toHaveCount(2);
  await expect(page.getByTestId("backup-row").first()).toContainText("pre-restore");
});
