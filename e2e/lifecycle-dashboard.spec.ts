import { gunzipSync } from "node:zlib";
import { expect, test, type Page } from "@playwright/test";
import { adminQuery, adminSql, tenantsCli } from "./cli.ts";
import { at, holdScripts, signInAgency } from "./hosts.ts";

async function signIn(page: Page, email?: string) {
  await signInAgency(page, email);
  await expect(page.getByTestId("agency-user")).toBeVisible(); // signed in before navigating on
}

/** Tenants of their own, so these tests never disturb the shared fixtures. */
function createTenant(base: string): string {
  const slug = `${base}-${Date.now().toString(36)}`;
  const result = tenantsCli("create", slug, "--name", `${base} Corp`, "--primary", "#0f766e");
  expect(result.code, result.out).toBe(0);
  return slug;
}

async function act(
  page: Page,
  kind: string,
  fill?: (form: ReturnType<Page["getByTestId"]>) => Promise<void>,
  confirm = false,
) {
  const form = page.getByTestId(`action-${kind}`);
  await fill?.(form);
  await form.getByRole("button").first().click();
  if (confirm) {
    // Consequential actions say what will happen and ask once more.
    await expect(form.getByTestId("confirm-text")).toBeVisible();
    await form.getByRole("button", { name: /^Yes, / }).click();
  }
  await expect(page.getByTestId("operation-status")).toHaveText(/succeeded|failed/, { timeout: 30_000 });
}

async function notify(slug: string) {
  const [tenant] = await adminQuery<{ id: string }>("portico", `SELECT id FROM "Tenant" WHERE slug = $1`, [slug]);
  await adminSql("portico", `SELECT pg_notify('portico_tenant_changed', $1)`, [tenant?.id]);
}

test("dashboard lifecycle: rename without a restart, suspend and resume, export and download, offboard with confirmation", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  const slug = createTenant("hooli");
  const portal = await browser.newPage();
  await portal.goto(at(`${slug}.localhost`));
  await expect(portal.getByTestId("tenant-name")).toHaveText("hooli Corp");

  await signIn(page);
  await page.goto(at("admin.localhost", `/tenants/${slug}`));
  await act(page, "rename", (f) => f.getByLabel("Name").fill("Hooli XYZ"));
  await expect(page.getByTestId("operation-status")).toHaveText("succeeded");
  await portal.reload();
  await expect(portal.getByTestId("tenant-name")).toHaveText("Hooli XYZ");

  // Before the page hydrates, the first step of a confirmed action is disabled, not a dead click.
  const release = await holdScripts(page);
  await page.goto(at("admin.localhost", `/tenants/${slug}`), { waitUntil: "domcontentloaded" });
  await expect(page.getByTestId("action-suspend").getByRole("button").first()).toBeDisabled();
  await release();
  // The tenant's page shows its provisioning run, step by step, and its slice of the audit log.
  await expect(page.getByTestId("provisioning-history")).toContainText("✓ reserve");
  await expect(page.getByTestId("provisioning-history")).toContainText("✓ activate");
  await expect(page.getByTestId("tenant-audit").locator('[data-action="tenant.rename"]')).toContainText(
    "owner@agency.localhost",
  );
  await act(page, "suspend", undefined, true);
  await portal.reload();
  await expect(portal.getByTestId("tenant-suspended")).toBeVisible();
  // The operation's page leads back to its tenant (not a dead end).
  await expect(page.getByTestId("back-to-tenant")).toHaveText("← Back to Hooli XYZ");
  await page.getByTestId("back-to-tenant").click();
  await expect(page).toHaveURL(at("admin.localhost", `/tenants/${slug}`));
  await act(page, "resume");
  await portal.reload();
  await expect(portal.getByTestId("tenant-suspended")).toHaveCount(0);
  await expect(portal.getByTestId("tenant-name")).toHaveText("Hooli XYZ");

  await page.goto(at("admin.localhost", `/tenants/${slug}`));
  await act(page, "export");
  await expect(page.getByTestId("operation-status")).toHaveText("succeeded");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-export").click()]);
  const archive = gunzipSync(
    await (await download.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks)),
  );
  const manifestAt = archive.indexOf('{\n  "format": "portico-tenant-export"');
  expect(manifestAt).toBeGreaterThan(0);
  expect(archive.toString("utf8")).toContain(`"slug": "${slug}"`);

  // Offboarding needs the slug typed back; then the portal is gone and so are its database and role.
  await page.goto(at("admin.localhost", `/tenants/${slug}`));
  await page.getByTestId("action-offboard").getByRole("button").click();
  await expect(page.getByTestId("action-offboard").getByTestId("form-error")).toContainText(
    `Type the tenant's slug (${slug})`,
  );
  await act(page, "offboard", (f) => f.getByLabel(/to confirm/).fill(slug));
  await expect(page.getByTestId("operation-status")).toHaveText("succeeded");
  const gone = await portal.goto(at(`${slug}.localhost`));
  expect(gone?.status()).toBe(404);
  const dbName = `t_${slug.replaceAll("-", "_")}`;
  expect(await adminQuery("postgres", "SELECT 1 FROM pg_database WHERE datname = $1", [dbName])).toEqual([]);
  expect(await adminQuery("postgres", "SELECT 1 FROM pg_roles WHERE rolname = $1", [`${dbName}_app`])).toEqual([]);
  const audit = await adminQuery<{ actorLabel: string }>(
    "portico",
    `SELECT "actorLabel" FROM "AuditEntry" WHERE action = 'tenant.offboard' AND details->>'slug' = $1`,
    [slug],
  );
  expect(audit).toEqual([{ actorLabel: "owner@agency.localhost" }]);
});

test("fleet migrations: a tenant behind shows a maintenance page until migrated; a failing tenant is recorded while the others are migrated", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  const behind = createTenant("initrode");
  const broken = createTenant("pied");
  // One tenant behind the newest migration, one whose database is gone.
  await adminSql(
    "portico",
    `UPDATE "TenantDatabase" SET "schemaVersion" = NULL WHERE "tenantId" IN (SELECT id FROM "Tenant" WHERE slug = ANY($1))`,
    [[behind, broken]],
  );
  await adminSql("postgres", `DROP DATABASE ${`t_${broken.replaceAll("-", "_")}`} WITH (FORCE)`);
  await notify(behind);
  await notify(broken);

  const portal = await browser.newPage();
  await expect(async () => {
    await portal.goto(at(`${behind}.localhost`));
    await expect(portal.getByTestId("tenant-maintenance")).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 10_000 });
  await expect(portal.getByTestId("tenant-name")).toHaveText("initrode Corp"); // branded, not a crash

  await signIn(page);
  await page.goto(at("admin.localhost", "/migrations"));
  await expect(page.locator(`[data-slug="${behind}"]`)).toContainText("pending");
  await act(page, "migrate-fleet", undefined, true);
  await expect(page.getByTestId("operation-status")).toHaveText("succeeded");
  await expect(page.getByTestId("operation-count")).toContainText("1 failed");

  await page.goto(at("admin.localhost", "/migrations"));
  await expect(page.locator(`[data-slug="${behind}"]`)).toContainText("current");
  await expect(page.locator(`[data-slug="${broken}"]`)).toContainText("does not exist");
  await expect(async () => {
    await portal.goto(at(`${behind}.localhost`));
    await expect(portal.getByTestId("tenant-maintenance")).toHaveCount(0, { timeout: 1_000 });
  }).toPass({ timeout: 10_000 });

  // A re-run retries only what is left: the broken tenant.
  await act(page, "migrate-fleet", undefined, true);
  await expect(page.getByTestId("operation-count")).toContainText("1 / 1 processed, 1 failed");
});

test("agency viewers see tenants but no lifecycle actions", async ({ page }) => {
  await signIn(page, "viewer@agency.localhost");
  await page.goto(at("admin.localhost", "/tenants/stark"));
  await expect(page.getByTestId("tenant-title")).toHaveText("Stark Learning");
  await expect(page.getByTestId("action-suspend")).toHaveCount(0);
  await page.goto(at("admin.localhost", "/migrations"));
  await expect(page.getByTestId("action-migrate-fleet")).toHaveCount(0);
});
