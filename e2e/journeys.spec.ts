import { expect as baseExpect, test, type Browser, type Locator, type Page } from "@playwright/test";
import { adminQuery, adminSql } from "./cli.ts";
import { PASSWORD, tenantWithUsers } from "./fixtures.ts";
import { AGENCY_PASSWORD, agencyAppCode, at, direct, openOutbox } from "./hosts.ts";

/**
 * Journeys without dead ends: sign-in links and invitations land where the person was, a portal
 * in maintenance answers 503, event times also show in the viewer's zone, and the main journeys
 * work from the keyboard alone.
 */

// Several journeys here wait on a first compile under `next dev` and on argon2 sign-ins.
const expect = baseExpect.configure({ timeout: 30_000 });

/** A published event, straight into the tenant's database (test set-up only). */
async function event(tenant: string, slug: string, title: string, opts: { startsAt?: string; zone?: string } = {}) {
  await adminSql(
    `t_${tenant.replaceAll("-", "_")}`,
    `INSERT INTO "Event" (id, slug, title, summary, "startsAt", "endsAt", "timeZone", venue, capacity, status, "updatedAt")
     VALUES (gen_random_uuid(), $1, $2, 'A test event.', COALESCE($3::timestamptz, now() + interval '10 days'),
             COALESCE($3::timestamptz, now() + interval '10 days') + interval '2 hours', $4, 'Room 1', 10, 'published', now())`,
    [slug, title, opts.startsAt ?? null, opts.zone ?? "Europe/Berlin"],
  );
}

/** A member signed in with the password, in a context of their own. */
async function signedIn(browser: Browser, host: string, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(at(host, "/sign-in"));
  await page.getByLabel("Email").first().fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("account-email")).toHaveText(email);
  return page;
}

/** The sign-in link in the newest mail to `to`. */
async function signInLink(page: Page, to: string): Promise<string> {
  await openOutbox(page, to);
  const text = await page.getByTestId("outbox-text").first().innerText();
  const link = /http:\/\/\S+\/sign-in\/link\?token=[A-Za-z0-9_-]+/.exec(text)?.[0];
  expect(link, text).toBeDefined();
  return link as string;
}

/** Asks for a sign-in link on a sign-in page reached at `path`, as a signed-out visitor. */
async function askForLink(page: Page, host: string, path: string, email: string) {
  await page.goto(at(host, path));
  await page.getByLabel("Email").last().fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByTestId("link-request-result")).toContainText("If that address has an account");
}

test("an emailed sign-in link returns to the event the member was registering for; a foreign return path lands on /account", async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const t = await tenantWithUsers("kappa", [
    { email: "mia@kappa.example", name: "Mia", role: "member" },
    { email: "max@kappa.example", name: "Max", role: "member" },
  ]);
  const host = `${t}.localhost`;
  await event(t, "spring-gala", "Spring gala");
  const outbox = await (await browser.newContext()).newPage();

  // From the event: "Sign in to register" → email link → back on the event, signed in.
  const mia = await (await browser.newContext()).newPage();
  await mia.goto(at(host, "/events/spring-gala"));
  await mia.getByRole("link", { name: "Sign in to register" }).click();
  await expect(mia).toHaveURL(/\/sign-in\?callbackUrl=%2Fevents%2Fspring-gala$/);
  await askForLink(mia, host, new URL(mia.url()).pathname + new URL(mia.url()).search, "mia@kappa.example");
  await mia.goto(await signInLink(outbox, "mia@kappa.example"));
  await mia.getByRole("button", { name: "Continue to sign in" }).click();
  await expect(mia).toHaveURL(at(host, "/events/spring-gala"));
  await expect(mia.getByTestId("register-form")).toBeVisible();

  // A sign-in page sent a protocol-relative return path: the link lands on /account instead.
  const max = await (await browser.newContext()).newPage();
  await askForLink(max, host, `/sign-in?callbackUrl=${encodeURIComponent("//evil.example/x")}`, "max@kappa.example");
  await max.goto(await signInLink(outbox, "max@kappa.example"));
  await max.getByRole("button", { name: "Continue to sign in" }).click();
  await expect(max).toHaveURL(at(host, "/account"));
  await expect(max.getByTestId("account-email")).toHaveText("max@kappa.example");
});

test("a portal in maintenance answers 503 with its branded notice on every page, and serves again when cleared (positive control)", async ({
  request,
}) => {
  test.setTimeout(150_000);
  const t = await tenantWithUsers("lambda", []);
  const host = `${t}.localhost`;
  await event(t, "open-day", "Open day");
  const [tenant] = await adminQuery<{ id: string }>("portico", `SELECT id FROM "Tenant" WHERE slug = $1`, [t]);
  const setMaintenance = async (reason: string | null) => {
    await adminSql("portico", `UPDATE "Tenant" SET maintenance = $2 WHERE slug = $1`, [t, reason]);
    await adminSql("portico", `SELECT pg_notify('portico_tenant_changed', $1)`, [tenant?.id]);
  };
  const paths = ["/", "/events/open-day", "/sign-in", "/registrations", "/manage", "/no-such-page"];

  await setMaintenance("moving to another database server");
  await expect(async () => expect((await request.get(...direct(host, "/"))).status()).toBe(503)).toPass({
    timeout: 60_000,
  });
  for (const path of paths) {
    const response = await request.get(...direct(host, path));
    expect(response.status(), path).toBe(503);
    expect(response.headers()["retry-after"], path).toBe("120");
    const body = await response.text();
    expect(body, path).toContain('data-testid="tenant-maintenance"');
    expect(body, path).toContain('<span data-testid="tenant-name">Lambda Org</span>');
  }

  await setMaintenance(null);
  await expect(async () => expect((await request.get(...direct(host, "/"))).status()).toBe(200)).toPass({
    timeout: 60_000,
  });
  const page = await request.get(...direct(host, "/events/open-day"));
  expect(page.status()).toBe(200);
  expect(await page.text()).not.toContain("tenant-maintenance");
});

test("event times show in the viewer's own zone when it differs from the event's, and not when it is the same", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const t = await tenantWithUsers("mu", []);
  const host = `${t}.localhost`;
  // 13:00 UTC: 08:00 in New York (the event's zone), 14:00 in Berlin.
  await event(t, "town-hall", "Town hall", { startsAt: "2027-03-03T13:00:00Z", zone: "America/New_York" });

  const berlin = await (await browser.newContext({ timezoneId: "Europe/Berlin" })).newPage();
  await berlin.goto(at(host, "/events/town-hall"));
  await expect(berlin.getByTestId("event-when")).toContainText("08:00");
  await expect(berlin.getByTestId("viewer-time")).toHaveText("(14:00 in your time, Europe/Berlin)");

  const newYork = await (await browser.newContext({ timezoneId: "America/New_York" })).newPage();
  await newYork.goto(at(host, "/events/town-hall"));
  // Compared (the browser's zone was read after hydration) and found the same: no extra line.
  await expect(newYork.getByTestId("viewer-time")).toHaveAttribute("data-zone", "America/New_York");
  await expect(newYork.getByTestId("viewer-time")).toHaveText("");
  await expect(newYork.getByTestId("event-when")).not.toContainText("in your time");
});

// Keyboard only: no clicks from here on, only Tab, Enter, Space and typing.

/** Presses Tab until `target` has the focus, then checks the focus is visible and on screen. */
async function tabTo(page: Page, target: Locator, max = 60) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) {
      await expectVisibleFocus(target);
      return;
    }
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

/** The element has the keyboard focus, is in view, and draws a focus indicator. */
async function expectVisibleFocus(target: Locator) {
  await expect(target).toBeFocused();
  await expect(target).toBeInViewport();
  const drawn = await target.evaluate((el) => {
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
    return el.matches(":focus-visible") && (outline || s.boxShadow !== "none");
  });
  expect(drawn, `no visible focus on ${target.toString()}`).toBe(true);
}

test("keyboard only: a member signs in with a password, registers, and cancels after confirming", async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const t = await tenantWithUsers("nu", [{ email: "kim@nu.example", name: "Kim", role: "member" }]);
  const host = `${t}.localhost`;
  await event(t, "workshop", "Workshop");
  const page = await (await browser.newContext()).newPage();

  await page.goto(at(host, "/sign-in?callbackUrl=%2Fevents%2Fworkshop"));
  await tabTo(page, page.getByLabel("Email").first());
  await page.keyboard.type("kim@nu.example");
  await page.keyboard.press("Tab");
  await expectVisibleFocus(page.getByLabel("Password"));
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(at(host, "/events/workshop"));

  const register = page.getByTestId("register-form").getByRole("button", { name: "Register" });
  await expect(register).toBeEnabled();
  await tabTo(page, register);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("registration")).toHaveAttribute("data-status", "confirmed");

  // The confirmation opens with Space, moves the focus to its way back, and Enter confirms.
  const arm = page.getByRole("button", { name: "Cancel my registration…" });
  await tabTo(page, arm);
  await page.keyboard.press("Space");
  await expect(page.getByTestId("confirm-text")).toBeVisible();
  await expectVisibleFocus(page.getByRole("button", { name: "Cancel", exact: true }));
  await page.keyboard.press("Shift+Tab");
  await expectVisibleFocus(page.getByRole("button", { name: "Yes, cancel my registration" }));
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("register-form")).toBeVisible();
});

test("keyboard only: staff check a ticket in by its code; the same code again is a distinct warning", async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const t = await tenantWithUsers("xi", [
    { email: "sue@xi.example", name: "Sue", role: "staff" },
    { email: "ann@xi.example", name: "Ann", role: "member" },
  ]);
  const host = `${t}.localhost`;
  await event(t, "gig", "Gig");
  const ann = await signedIn(browser, host, "ann@xi.example");
  await ann.goto(at(host, "/events/gig"));
  await ann.getByTestId("register-form").getByRole("button", { name: "Register" }).click();
  await ann.getByTestId("ticket-link").click();
  const code = await ann.getByTestId("ticket-code").innerText();

  const sue = await signedIn(browser, host, "sue@xi.example");
  await sue.goto(at(host, "/manage/events/gig/check-in"));
  const field = sue.getByLabel("Ticket code");
  await expect(field).toBeFocused(); // the door's page starts in the code field
  await sue.keyboard.type(code);
  await sue.keyboard.press("Enter");
  const ok = sue.getByTestId("check-in-result");
  await expect(ok).toContainText("Ann checked in.");
  const background = (l: Locator) => l.evaluate((e) => getComputedStyle(e).backgroundColor);
  const good = await background(ok);

  await expect(field).toBeFocused(); // still in the field for the next ticket
  await sue.keyboard.type(code);
  await sue.keyboard.press("Enter");
  const repeat = sue.getByTestId("check-in-repeat");
  await expect(repeat).toHaveAttribute("role", "alert");
  await expect(repeat.getByRole("heading")).toHaveText(/^Already checked in at \d{2}:\d{2}$/);
  await expect(repeat).toContainText("Do not let a second person in on it.");
  expect(await background(repeat)).not.toBe(good); // not the good check-in's green
  await expect(ok).toHaveCount(0);
});

test("keyboard only: an agency owner signs in and walks the onboarding wizard to a live tenant", async ({ page }) => {
  test.setTimeout(300_000);
  const slug = `kbd-${Date.now().toString(36)}`;
  await page.goto(at("admin.localhost", "/sign-in"));
  await tabTo(page, page.getByLabel("Email"));
  await page.keyboard.type("owner@agency.localhost");
  await page.keyboard.press("Tab");
  await expectVisibleFocus(page.getByLabel("Password"));
  await page.keyboard.type(AGENCY_PASSWORD);
  await page.keyboard.press("Enter");
  // The owner's second step (docs/decisions/046), by keyboard too.
  await page.waitForURL((u) => u.pathname === "/sign-in/second-factor");
  await tabTo(page, page.getByLabel("Code from your authenticator app"));
  await page.keyboard.type(await agencyAppCode());
  await page.keyboard.press("Enter");

  await tabTo(page, page.getByTestId("add-tenant"));
  await page.keyboard.press("Enter");
  await tabTo(page, page.getByRole("button", { name: "Start" }));
  await page.keyboard.press("Enter");

  const next = page.getByRole("button", { name: "Next", exact: true });
  await expect(page.getByRole("heading", { name: "Organisation" })).toBeVisible();
  await tabTo(page, page.getByLabel("Organisation name"));
  await page.keyboard.type("Keyboard Events");
  await tabTo(page, page.getByLabel("Slug"));
  await page.keyboard.type(slug);
  await expect(page.getByTestId("slug-status")).toHaveAttribute("data-available", "true");
  await page.keyboard.press("Enter"); // Enter in a field means Next
  for (const step of ["Domains", "Branding", "Plan", "Database"]) {
    await expect(page.getByRole("heading", { name: step })).toBeVisible();
    await tabTo(page, next);
    await page.keyboard.press("Enter");
  }
  await expect(page.getByRole("heading", { name: "First admin" })).toBeVisible();
  await tabTo(page, page.getByLabel("Name"));
  await page.keyboard.type("Kit Keys");
  await tabTo(page, page.getByLabel("Email"));
  await page.keyboard.type("kit@keyboard.example");
  await page.keyboard.press("Enter");

  await expect(page.getByRole("heading", { name: "Review" })).toBeVisible();
  await tabTo(page, page.getByRole("button", { name: "Create tenant" }));
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("operation-status")).toHaveText("succeeded", { timeout: 60_000 });
});
