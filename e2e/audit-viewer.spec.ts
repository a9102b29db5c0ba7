import { expect, test } from "@playwright/test";
import { at, signInAgency } from "./hosts.ts";

test("the audit log viewer filters by actor, tenant, action and date, shows the chain verified, and exports CSV", async ({
  page,
}) => {
  await signInAgency(page);
  await expect(page.getByTestId("agency-user")).toBeVisible();
  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByTestId("chain-status")).toHaveAttribute("data-ok", "true");
  await expect(page.getByTestId("chain-status")).toContainText("Chain intact");

  const today = new Date().toISOString().slice(0, 10);
  await page.getByLabel("Actor").fill("owner@agency.localhost");
  await page.getByLabel("Action (prefix)").fill("agency.sign-in");
  await page.getByLabel("From").fill(today);
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByTestId("audit-rows").locator("tr").first()).toHaveAttribute("data-action", "agency.sign-in");
  const actions = await page
    .getByTestId("audit-rows")
    .locator("tr")
    .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-action")));
  expect(actions.length).toBeGreaterThan(0);
  expect(new Set(actions)).toEqual(new Set(["agency.sign-in"]));

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("audit-csv").click()]);
  const csv = Buffer.concat(await (await download.createReadStream()).toArray()).toString("utf8");
  expect(csv).toContain('"id","at","actor type","actor","action"');
  expect(csv).toContain('"owner@agency.localhost","agency.sign-in"');

  // A tenant's slice, and nonsense refused with what is wrong.
  await page.goto(at("admin.localhost", "/audit?tenant=stark"));
  await expect(page.getByTestId("audit-total")).toBeVisible();
  await page.goto(at("admin.localhost", "/audit?tenant=%27%3B%20DROP&from=2026-02-30&page=-3"));
  await expect(page.getByTestId("filter-errors")).toContainText("is not a tenant slug");
  await expect(page.getByTestId("filter-errors")).toContainText("is not a date like 2026-11-23");
  await expect(page.getByTestId("filter-errors")).toContainText("A page is a whole number from 1.");
});
