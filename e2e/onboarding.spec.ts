import { expect, test, type Page } from "@playwright/test";
import { at, holdScripts, signInAgency, openOutbox } from "./hosts.ts";
import { png } from "./images.ts";

async function next(page: Page) {
  await page.getByRole("button", { name: "Next", exact: true }).click();
}

test("the onboarding wizard: a new tenant live on its subdomain with its branding; its first admin accepts the invitation and signs in", async ({
  page,
  browser,
}) => {
  test.setTimeout(90_000);
  const slug = `wonka-${Date.now().toString(36)}`;
  await signInAgency(page);
  await page.getByTestId("add-tenant").click();
  await page.getByRole("button", { name: "Start" }).click();

  // Organisation: live slug check refuses taken and reserved slugs.
  await expect(page.getByRole("heading", { name: "Organisation" })).toBeVisible();
  await page.getByLabel("Organisation name").fill("Wonka Industries");
  await page.getByLabel("Slug").fill("acme");
  await expect(page.getByTestId("slug-status")).toContainText('"acme" is taken');
  await page.getByLabel("Slug").fill("t");
  await expect(page.getByTestId("slug-status")).toContainText("router uses the path /t");
  await page.getByLabel("Slug").fill("admin");
  await expect(page.getByTestId("slug-status")).toContainText("reserved");
  await next(page);
  await expect(page.getByTestId("error-slug")).toContainText("reserved");
  await page.getByLabel("Slug").fill(slug);
  await expect(page.getByTestId("slug-status")).toHaveAttribute("data-available", "true");
  await next(page);

  // Nothing is lost on reload, and Back returns with the values kept.
  await expect(page.getByRole("heading", { name: "Domains" })).toBeVisible();
  await page.getByLabel(/Custom domains/).fill("not a domain!");
  await next(page);
  await expect(page.getByTestId("error-domains")).toContainText("not a valid domain name");
  await page.getByLabel(/Custom domains/).fill("");
  await page.getByRole("button", { name: "Back" }).click();
  await expect(page.getByRole("heading", { name: "Organisation" })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Organisation name")).toHaveValue("Wonka Industries");
  await expect(page.getByLabel("Slug")).toHaveValue(slug);
  await next(page);
  await expect(page.getByRole("heading", { name: "Domains" })).toBeVisible();
  await next(page);

  // Branding, with a live preview; an oversized or non-image logo is refused.
  await expect(page.getByRole("heading", { name: "Branding" })).toBeVisible();
  await page.getByLabel("Brand colour", { exact: true }).fill("#7c3aed");
  await expect(page.getByTestId("preview-header")).toHaveCSS("background-color", "rgb(124, 58, 237)");
  await expect(page.getByTestId("preview-name")).toHaveText("Wonka Industries");
  await page.getByLabel(/^Logo \(PNG/).setInputFiles({
    name: "huge.png",
    mimeType: "image/png",
    buffer: Buffer.concat([png(8, 8, [0, 0, 0]), Buffer.alloc(300 * 1024)]),
  });
  await expect(page.getByTestId("error-logo")).toContainText("the limit is 256 KB");
  await page.getByLabel(/^Logo \(PNG/).setInputFiles({
    name: "logo.svg",
    mimeType: "image/png",
    buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
  });
  await next(page);
  await expect(page.getByTestId("error-logo")).toContainText("not a PNG, JPEG or WebP");
  await page
    .getByLabel(/^Logo \(PNG/)
    .setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: png(48, 48, [124, 58, 237]) });
  await page.getByLabel("Logo description").fill("Wonka logo");
  await next(page);

  await expect(page.getByRole("heading", { name: "Plan" })).toBeVisible();
  await page.getByLabel("Premium").check();
  await next(page);
  await expect(page.getByRole("heading", { name: "Database" })).toBeVisible();
  // Premium includes data residency: the region is chosen (e2e/residency.spec.ts).
  await page.getByLabel("Region", { exact: true }).selectOption("eu");
  await page.getByLabel("Automatic").check();
  await next(page);
  await expect(page.getByRole("heading", { name: "First admin" })).toBeVisible();
  await page.getByLabel("Name").fill("Charlie Bucket");
  await page.getByLabel("Email").fill("not-an-email");
  await next(page);
  await expect(page.getByTestId("error-adminEmail")).toContainText("email address");
  await page.getByLabel("Email").fill("charlie@wonka.example");
  await next(page);

  await expect(page.getByRole("heading", { name: "Review" })).toBeVisible();
  const reviewUrl = page.url();
  await expect(page.getByTestId("review")).toContainText(`${slug}.localhost`);
  await expect(page.getByTestId("review")).toContainText("charlie@wonka.example");
  await page.getByRole("button", { name: "Create tenant" }).click();

  // Each step shows as it completes; the portal link appears at the end.
  await expect(page.getByTestId("operation-status")).toHaveText("succeeded", { timeout: 30_000 });
  for (const step of ["reserve", "create-role", "create-database", "migrate", "seed", "invite", "activate"]) {
    await expect(page.locator(`[data-step="${step}"]`)).toHaveAttribute("data-state", "done");
  }
  const operationUrl = page.url();
  // After provisioning: open the portal, or go on to the tenant's page; never a dead end.
  await expect(page.getByTestId("open-portal")).toHaveAttribute(
    "href",
    new RegExp(`^http://${slug}\\.localhost(:\\d+)?/$`),
  );
  await page.getByTestId("back-to-tenant").click();
  await expect(page).toHaveURL(new RegExp(`/tenants/${slug}$`));
  // The uploaded logo shows in the agency's preview, served on the agency host to agency users.
  const previewLogo = page.getByTestId("portal-preview").locator("img");
  await expect(previewLogo).toHaveAttribute("src", /^\/logo\/[0-9a-f]{64}\.png$/);
  await expect.poll(() => previewLogo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(48);
  const logoPath = (await previewLogo.getAttribute("src")) as string;
  const anonymous = await (await (await browser.newContext()).newPage()).goto(at("admin.localhost", logoPath));
  expect(anonymous?.status()).toBe(404);
  // And in the fleet list, with the brand's colours beside the name.
  await page.goto(at("admin.localhost", `/?q=${slug}`));
  const row = page.locator(`[data-testid="fleet-row"][data-slug="${slug}"]`);
  await expect(row.getByTestId("fleet-logo")).toHaveAttribute("src", logoPath);
  await expect(row.getByTestId("fleet-swatches").locator("span").first()).toHaveAttribute(
    "aria-label",
    "primary #7c3aed",
  );

  // The submitted draft leads back to its operation, never to a second tenant.
  await page.goto(reviewUrl);
  await expect(page).toHaveURL(operationUrl);
  await page.goto(at("admin.localhost", "/tenants/new"));
  await expect(page.getByText("Wonka Industries")).toHaveCount(0); // no longer an unfinished draft

  // The portal is live on its subdomain with its branding and uploaded logo.
  const portal = await browser.newPage();
  await portal.goto(at(`${slug}.localhost`));
  await expect(portal.getByTestId("tenant-name")).toHaveText("Wonka Industries");
  await expect(portal.locator("header").first()).toHaveCSS("background-color", "rgb(124, 58, 237)");
  const logo = portal.locator("header img").first();
  await expect(logo).toHaveAttribute("src", /^\/logo\/[0-9a-f]{64}\.png$/);
  await expect.poll(() => logo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(48);

  // The first admin's invitation, from the outbox, works once.
  await openOutbox(page, "charlie@wonka.example");
  const text = await page.getByTestId("outbox-text").first().innerText();
  const link = /http:\/\/\S+\/invite\?token=[A-Za-z0-9_-]+/.exec(text)?.[0];
  expect(link).toContain(`${slug}.localhost`);
  await portal.goto(link as string);
  await portal.getByLabel("New password").fill("chocolate-river-1");
  await portal.getByLabel("Repeat the password").fill("chocolate-river-1");
  await portal.getByRole("button", { name: "Set password" }).click();
  // Signed in at once (security case 50) and landed where an admin's invitation leads.
  await expect(portal).toHaveURL(/\/manage$/);
  await portal.goto(at(`${slug}.localhost`, "/account"));
  await expect(portal.getByTestId("account-email")).toHaveText("charlie@wonka.example");
  // The password chosen works too.
  await portal.context().clearCookies();
  await portal.goto(at(`${slug}.localhost`, "/sign-in"));
  await portal.getByLabel("Email").first().fill("charlie@wonka.example");
  await portal.getByLabel("Password").fill("chocolate-river-1");
  await portal.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(portal).toHaveURL(/\/account$/);
  await portal.goto(link as string);
  await expect(portal.getByTestId("invite-invalid")).toBeVisible();
});

test("the wizard before hydration: a slug typed is still checked, a colour typed is previewed, an oversized logo is refused", async ({
  page,
}) => {
  await signInAgency(page);
  await page.getByTestId("add-tenant").click();
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByRole("heading", { name: "Organisation" })).toBeVisible();
  const release = await holdScripts(page);
  await page.goto(page.url(), { waitUntil: "domcontentloaded" });
  await page.getByLabel("Organisation name").fill("Early Typing Ltd");
  await page.getByLabel("Slug").fill("acme");
  await expect(page.getByTestId("slug-status")).toHaveCount(0); // no script has run yet
  await release();
  await expect(page.getByTestId("slug-status")).toContainText('"acme" is taken');
  await expect(page.getByText("acme.localhost")).toBeVisible();
  await expect(page.getByLabel("Slug")).toHaveValue("acme");

  // On the branding step, a colour typed and a logo chosen before hydration: previewed and checked.
  await page.getByLabel("Slug").fill(`early-${Date.now().toString(36)}`);
  await expect(page.getByTestId("slug-status")).toHaveAttribute("data-available", "true");
  await next(page);
  await expect(page.getByRole("heading", { name: "Domains" })).toBeVisible();
  await next(page);
  await expect(page.getByRole("heading", { name: "Branding" })).toBeVisible();
  const releaseBranding = await holdScripts(page);
  await page.goto(page.url(), { waitUntil: "domcontentloaded" });
  await page.getByLabel("Brand colour", { exact: true }).fill("#7c3aed");
  await page.getByLabel(/^Logo \(PNG/).setInputFiles({
    name: "huge.png",
    mimeType: "image/png",
    buffer: Buffer.concat([png(8, 8, [0, 0, 0]), Buffer.alloc(300 * 1024)]),
  });
  await releaseBranding();
  await expect(page.getByTestId("preview-header")).toHaveCSS("background-color", "rgb(124, 58, 237)");
  await expect(page.getByTestId("error-logo")).toContainText("the limit is 256 KB");
});

test("agency viewers cannot open the wizard", async ({ page }) => {
  await signInAgency(page, "viewer@agency.localhost");
  await expect(page.getByTestId("agency-user")).toContainText("viewer");
  await expect(page.getByTestId("add-tenant")).toHaveCount(0);
  const response = await page.goto(at("admin.localhost", "/tenants/new"));
  expect(response?.status()).toBe(403);
});
