import { expect, test } from "@playwright/test";
import { at } from "./hosts.ts";

/** Two tenants side by side: each portal shows its own branding and its own database's events. */

const acme = {
  host: "acme.localhost",
  name: "Acme Pharma Academy",
  primary: "rgb(194, 65, 12)",
  events: ["GMP Refresher for Site Leads", "Pharmacovigilance 101", "Lab Safety Day"],
};
const globex = {
  host: "globex.localhost",
  name: "Globex Capital Forum",
  primary: "rgb(15, 42, 74)",
  events: ["Interest Rate Outlook 2027", "Quarterly Compliance Briefing"],
};

for (const [tenant, other] of [
  [acme, globex],
  [globex, acme],
] as const) {
  test(`${tenant.host} shows ${tenant.name}'s branding and events, and none of ${other.name}'s`, async ({ page }) => {
    await page.goto(at(tenant.host));
    await expect(page.getByTestId("tenant-name")).toHaveText(tenant.name);
    await expect(page).toHaveTitle(tenant.name);
    const header = page.locator("header").first();
    await expect(header).toHaveCSS("background-color", tenant.primary);
    const titles = page.getByTestId("event-card").locator("h2");
    await expect(titles).toHaveText(tenant.events);
    const body = await page.locator("body").innerText();
    expect(body).not.toContain(other.name);
    for (const title of other.events) expect(body).not.toContain(title);
  });
}

test("the two portals use different fonts and logos", async ({ browser }) => {
  const page = await browser.newPage();
  await page.goto(at(acme.host));
  const acmeFont = await page.locator("[data-tenant]").evaluate((el) => getComputedStyle(el).fontFamily);
  const acmeLogo = await page.locator("header img").getAttribute("src");
  await page.goto(at(globex.host));
  const globexFont = await page.locator("[data-tenant]").evaluate((el) => getComputedStyle(el).fontFamily);
  const globexLogo = await page.locator("header img").getAttribute("src");
  expect(acmeFont).toContain("system-ui");
  expect(globexFont).toContain("Georgia");
  expect([acmeLogo, globexLogo]).toEqual(["/brand/acme.svg", "/brand/globex.svg"]);
});

test("an event page opens from the list, on the tenant's own host", async ({ page }) => {
  await page.goto(at(acme.host));
  await page.getByText("Pharmacovigilance 101").click();
  await expect(page).toHaveURL(at(acme.host, "/events/pharmacovigilance-101"));
  await expect(page.getByTestId("event-title")).toHaveText("Pharmacovigilance 101");
  await expect(page.getByText(/CET|CEST|GMT\+1/)).toBeVisible();
});

test("one tenant's event is not found on another tenant's host", async ({ page }) => {
  const own = await page.goto(at(acme.host, "/events/gmp-refresher"));
  expect(own?.status()).toBe(200); // positive control
  const response = await page.goto(at(globex.host, "/events/gmp-refresher"));
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId("tenant-name")).toHaveText(globex.name); // branded 404 for a known tenant
  await expect(page.locator("body")).not.toContainText("GMP Refresher");
});

test("draft events are not shown", async ({ page }) => {
  await page.goto(at(acme.host));
  await expect(page.getByTestId("event-card")).toHaveCount(3);
  const response = await page.goto(at(acme.host, "/events/internal-draft"));
  expect(response?.status()).toBe(404);
});

test("a custom domain serves its tenant's portal", async ({ page }) => {
  await page.goto(at("portal.globex.localhost"));
  await expect(page.getByTestId("tenant-name")).toHaveText(globex.name);
  await expect(page.getByTestId("event-card")).toHaveCount(2);
});

test("a third tenant has branding of its own", async ({ page }) => {
  await page.goto(at("initech.localhost"));
  await expect(page.getByTestId("tenant-name")).toHaveText("Initech University");
  await expect(page.locator("header").first()).toHaveCSS("background-color", "rgb(109, 40, 217)");
});
