import { expect, test } from "@playwright/test";
import { signedIn, tenantWithUsers } from "./fixtures.ts";
import { at, signInAgency } from "./hosts.ts";

// The tenant's own audit trail (decision 048): an admin changes something and finds it in
// /manage/audit and its CSV; another tenant's admin does not; an agency impersonation shows up
// with its reason; staff are refused.

test("an admin sees their change and the agency's impersonation in the portal's trail; another tenant does not", async ({
  browser,
  page,
}) => {
  test.setTimeout(120_000);
  const a = await tenantWithUsers("trail", [
    { email: "ada@trail.example", name: "Ada Admin", role: "admin" },
    { email: "stu@trail.example", name: "Stu Staff", role: "staff" },
  ]);
  const b = await tenantWithUsers("other", [{ email: "bo@other.example", name: "Bo Admin", role: "admin" }]);
  const hostA = `${a}.localhost`;
  const hostB = `${b}.localhost`;

  const admin = await signedIn(browser, hostA, "ada@trail.example");
  await admin.goto(at(hostA, "/manage/settings"));
  await admin.getByLabel("Email sender name").fill("Trail Team");
  await admin.getByRole("button", { name: "Save settings" }).click();
  await expect(admin.getByTestId("settings-message")).toHaveText("Settings saved.");

  await admin.getByRole("link", { name: "Audit trail" }).click();
  await expect(admin).toHaveURL(/\/manage\/audit$/);
  await expect(admin.getByTestId("audit-verified")).toContainText(/Verified: \d+ entr/);
  const entries = admin.getByTestId("audit-entries");
  await expect(entries.locator('tr[data-action="settings.save"]')).toContainText("ada@trail.example");
  await expect(entries.locator('tr[data-action="auth.sign-in"]').first()).toBeVisible();

  await admin.getByLabel("Category").selectOption("settings");
  await admin.getByRole("button", { name: "Filter" }).click();
  const shown = await entries.locator("tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-action")));
  expect(new Set(shown)).toEqual(new Set(["settings.save"]));

  const [download] = await Promise.all([admin.waitForEvent("download"), admin.getByTestId("audit-csv").click()]);
  const csv = Buffer.concat(await (await download.createReadStream()).toArray()).toString("utf8");
  expect(csv).toContain('"id","at","actor type","actor","action"');
  expect(csv).toContain('"member","Ada Admin <ada@trail.example>","settings.save"');

  // Another tenant's admin: their own trail, none of A's entries.
  const other = await signedIn(browser, hostB, "bo@other.example");
  await other.goto(at(hostB, "/manage/audit"));
  await expect(other.getByTestId("audit-verified")).toBeVisible();
  await expect(other.getByTestId("audit-entries").locator('tr[data-action="auth.sign-in"]')).toContainText(
    "bo@other.example",
  );
  await expect(other.getByTestId("audit-entries")).not.toContainText("ada@trail.example");
  await expect(other.getByTestId("audit-entries").locator('tr[data-action="settings.save"]')).toHaveCount(0);
  const [otherDownload] = await Promise.all([other.waitForEvent("download"), other.getByTestId("audit-csv").click()]);
  const otherCsv = Buffer.concat(await (await otherDownload.createReadStream()).toArray()).toString("utf8");
  expect(otherCsv).toContain("bo@other.example");
  expect(otherCsv).not.toContain("ada@trail.example");

  // Staff may run events, not read the trail (page and CSV).
  const staff = await signedIn(browser, hostA, "stu@trail.example");
  expect((await staff.goto(at(hostA, "/manage/audit")))?.status()).toBe(403);
  // From the page's own origin (a 403 with no body is no page for the browser to show).
  expect(await staff.evaluate(async () => (await fetch("/manage/audit.csv")).status)).toBe(403);

  // The agency opens A's portal as Ada: A's trail says who, as whom and why.
  await signInAgency(page);
  await page.goto(at("admin.localhost", `/tenants/${a}`));
  const form = page.getByTestId("impersonate-form");
  await form.getByLabel("Reason").fill("ticket 5150: sender name check");
  await form.getByRole("button", { name: "Open portal as admin" }).click();
  await expect(page).toHaveURL(new RegExp(`^http://${a}\\.localhost:\\d+/impersonate\\?token=`));
  await admin.goto(at(hostA, "/manage/audit?actor=agency"));
  const impersonation = admin.getByTestId("audit-entries").locator('tr[data-action="agency.impersonate"]');
  await expect(impersonation).toContainText("agency: owner@agency.localhost");
  await expect(impersonation).toContainText("ticket 5150: sender name check");
  await expect(impersonation).toContainText("ada@trail.example");
  await other.goto(at(hostB, "/manage/audit?actor=agency"));
  await expect(other.getByTestId("audit-entries").locator('tr[data-action="agency.impersonate"]')).toHaveCount(0);
});
