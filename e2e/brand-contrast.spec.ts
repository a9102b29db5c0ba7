import { expect, test, type Page } from "@playwright/test";
import { adminSql } from "./cli.ts";
import { signedIn, tenantWithUsers } from "./fixtures.ts";
import { at, signInAgency } from "./hosts.ts";

/** How lib/tenancy/contrast.ts refuses yellow #fde047 as link text on a light page. */
const yellowRefusal = /The brand colour as link text on the page background is 1\.\d+:1; WCAG AA needs 4\.5:1/;

async function headerColour(page: Page) {
  return page
    .locator("header")
    .first()
    .evaluate((el) => getComputedStyle(el).backgroundColor);
}

test("settings refuse a brand colour below contrast beside its field and take the suggested shade in one click", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const t = await tenantWithUsers("contrast", [{ email: "ann@contrast.example", name: "Ann Admin", role: "admin" }]);
  const host = `${t}.localhost`;
  const admin = await signedIn(browser, host, "ann@contrast.example");
  await admin.goto(at(host, "/manage/settings"));
  const before = await headerColour(admin);

  // The live check is the server's: the warning shows beside the field and in the preview at once.
  const field = admin.getByLabel("Brand colour");
  await field.fill("#fde047");
  await expect(admin.getByTestId("error-primary")).toContainText(yellowRefusal);
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expect(admin.getByTestId("preview-contrast")).toContainText(yellowRefusal);

  // Saving anyway is refused beside the field; nothing is queued, the portal keeps its colour.
  await admin.getByRole("button", { name: "Save branding" }).click();
  await expect(admin.getByTestId("form-error")).toContainText("a colour is hard to read");
  await expect(admin.getByTestId("error-primary")).toContainText(yellowRefusal);
  await expect(admin.getByTestId("branding-status")).toHaveCount(0);
  expect(await headerColour(admin)).toBe(before);

  // One click fills the nearest readable shade of the same yellow; the save then goes through.
  const suggestion = admin.getByTestId("suggest-primary");
  const shade = /Use (#[0-9a-f]{6})/.exec(await suggestion.innerText())?.[1] as string;
  expect(shade).toMatch(/^#[0-9a-f]{6}$/);
  await suggestion.click();
  await expect(field).toHaveValue(shade);
  await expect(admin.getByTestId("error-primary")).toHaveCount(0);
  await expect(admin.getByTestId("preview-contrast")).toHaveCount(0);
  await admin.getByRole("button", { name: "Save branding" }).click();
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(shade.slice(i, i + 2), 16));
  await expect(admin.locator("header").first()).toHaveCSS("background-color", `rgb(${r}, ${g}, ${b})`, {
    timeout: 15_000,
  });
});

test("without JavaScript the refusal and the suggestion are plain form submits", async ({ browser }) => {
  test.setTimeout(90_000);
  const t = await tenantWithUsers("nojs", [{ email: "ned@nojs.example", name: "Ned Admin", role: "admin" }]);
  const host = `${t}.localhost`;
  const signed = await signedIn(browser, host, "ned@nojs.example");
  const context = await browser.newContext({
    storageState: await signed.context().storageState(),
    javaScriptEnabled: false,
  });
  const page = await context.newPage();
  await page.goto(at(host, "/manage/settings"));
  await page.getByLabel("Brand colour").fill("#fde047");
  await page.getByRole("button", { name: "Save branding" }).click();
  await expect(page.getByTestId("error-primary")).toContainText(yellowRefusal);
  await expect(page.getByLabel("Brand colour")).toHaveValue("#fde047");

  const suggestion = page.getByTestId("suggest-primary");
  const shade = /Use (#[0-9a-f]{6})/.exec(await suggestion.innerText())?.[1] as string;
  await suggestion.click();
  await expect(page.getByLabel("Brand colour")).toHaveValue(shade);
  await expect(page.getByTestId("branding-message")).toContainText(`${shade} filled in`);
  await expect(page.getByTestId("error-primary")).toHaveCount(0);
  // Positive control: the filled-in shade saves (the worker applies it).
  await page.getByRole("button", { name: "Save branding" }).click();
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(shade.slice(i, i + 2), 16));
  await expect
    .poll(
      async () => {
        await page.goto(at(host, "/"));
        return headerColour(page);
      },
      { timeout: 20_000 },
    )
    .toBe(`rgb(${r}, ${g}, ${b})`);
});

test("the wizard refuses a teal below contrast and accepts the suggested shade", async ({ page }) => {
  test.setTimeout(90_000);
  const slug = `teal-${Date.now().toString(36)}`;
  await signInAgency(page);
  await page.getByTestId("add-tenant").click();
  await page.getByRole("button", { name: "Start" }).click();
  await page.getByLabel("Organisation name").fill("Teal Co");
  await page.getByLabel("Slug").fill(slug);
  await expect(page.getByTestId("slug-status")).toHaveAttribute("data-available", "true");
  await page.getByRole("button", { name: "Next", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Domains" })).toBeVisible();
  await page.getByRole("button", { name: "Next", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Branding" })).toBeVisible();

  const field = page.getByLabel("Brand colour", { exact: true });
  await field.fill("#2dd4bf");
  await expect(page.getByTestId("error-primary")).toContainText(/link text on the page background is 1\.\d+:1/);
  await expect(page.getByTestId("preview-contrast")).toBeVisible();
  // Next is refused by the server with the same message, on the same step.
  await page.getByRole("button", { name: "Next", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Branding" })).toBeVisible();
  await expect(page.getByTestId("error-primary")).toContainText("WCAG AA needs 4.5:1");

  const suggestion = page.getByTestId("suggest-primary");
  const shade = /Use (#[0-9a-f]{6})/.exec(await suggestion.innerText())?.[1] as string;
  await suggestion.click();
  await expect(field).toHaveValue(shade);
  await expect(page.getByTestId("error-primary")).toHaveCount(0);
  await page.getByRole("button", { name: "Next", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Plan" })).toBeVisible();
});

test("the agency dashboard lists tenants whose stored colours are below contrast", async ({ page }) => {
  const failing = await tenantWithUsers("lowcontrast", []);
  const fine = await tenantWithUsers("readable", []);
  // Written straight to the control plane, as a theme saved before the rule would be.
  await adminSql("portico", `UPDATE "Tenant" SET theme = jsonb_set(theme, '{primary}', '"#fde047"') WHERE slug = $1`, [
    failing,
  ]);
  await signInAgency(page);
  // The agency host has its own icon, served as a static file.
  const icon = await page.locator('link[rel="icon"]').first().getAttribute("href");
  expect(icon).toMatch(/^\/brand\/portico\.svg/);
  const served = await page.evaluate(async (href) => {
    const r = await fetch(href);
    return [r.status, r.headers.get("content-type")];
  }, icon as string);
  expect(served).toEqual([200, "image/svg+xml"]);
  const panel = page.getByTestId("below-contrast");
  await expect(panel).toContainText("Brand colours below contrast");
  const link = panel.locator(`a[href="/tenants/${failing}"]`);
  await expect(link).toBeVisible();
  await expect(panel.locator(`a[href="/tenants/${fine}"]`)).toHaveCount(0);
  // The tenant page's preview shows the same warning.
  await link.click();
  await expect(page.getByTestId("preview-contrast")).toContainText(/link text on the page background is 1\.\d+:1/);
});

test("a German portal's settings word the refusal and the suggestion in German, live and from the server", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const t = await tenantWithUsers("kontrast", [{ email: "anja@kontrast.example", name: "Anja Admin", role: "admin" }]);
  const host = `${t}.localhost`;
  const signed = await signedIn(browser, host, "anja@kontrast.example");
  await adminSql(
    `t_${t.replaceAll("-", "_")}`,
    `INSERT INTO "PortalSettings" (id, "defaultLocale", "updatedAt") VALUES (1, 'de', now())
     ON CONFLICT (id) DO UPDATE SET "defaultLocale" = 'de'`,
  );
  const german = /Die Markenfarbe als Linktext auf dem Seitenhintergrund: 1,\d+:1; WCAG AA verlangt 4,5:1\./;

  // The live check, in the browser.
  await signed.goto(at(host, "/manage/settings"));
  const field = signed.getByLabel("Markenfarbe");
  await field.fill("#fde047");
  await expect(signed.getByTestId("error-primary")).toContainText(german);
  await expect(signed.getByTestId("error-primary")).not.toContainText(yellowRefusal);
  await expect(signed.getByTestId("preview-contrast")).toContainText("Kontrast unter WCAG AA");
  await expect(signed.getByTestId("preview-contrast")).toContainText(german);
  await expect(signed.getByTestId("suggest-primary")).toHaveText(/^#[0-9a-f]{6} verwenden$/);

  // The server's answer, without JavaScript: the refusal beside the field, then the filled-in shade.
  const context = await browser.newContext({
    storageState: await signed.context().storageState(),
    javaScriptEnabled: false,
  });
  const page = await context.newPage();
  await page.goto(at(host, "/manage/settings"));
  await page.getByLabel("Markenfarbe").fill("#fde047");
  await page.getByRole("button", { name: "Erscheinungsbild speichern" }).click();
  await expect(page.getByTestId("error-primary")).toContainText(german);
  const suggestion = page.getByTestId("suggest-primary");
  const shade = /(#[0-9a-f]{6}) verwenden/.exec(await suggestion.innerText())?.[1] as string;
  expect(shade).toMatch(/^#[0-9a-f]{6}$/);
  await suggestion.click();
  await expect(page.getByTestId("branding-message")).toHaveText(
    `${shade} eingesetzt; prüfen Sie die Vorschau und speichern Sie.`,
  );

  // Control: the same portal in English words it as before.
  await adminSql(`t_${t.replaceAll("-", "_")}`, `UPDATE "PortalSettings" SET "defaultLocale" = 'en'`);
  await signed.goto(at(host, "/manage/settings"));
  await signed.getByLabel("Brand colour").fill("#fde047");
  await expect(signed.getByTestId("error-primary")).toContainText(yellowRefusal);
  await expect(signed.getByTestId("suggest-primary")).toHaveText(/^Use #[0-9a-f]{6}$/);
});
