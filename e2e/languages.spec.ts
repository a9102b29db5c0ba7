import { expect, test, type Browser, type Page } from "@playwright/test";
import { adminSql } from "./cli.ts";
import { PASSWORD, tenantWithUsers } from "./fixtures.ts";
import { at, direct } from "./hosts.ts";

// A portal's language: the portal's default (PortalSettings.defaultLocale), a visitor's picker
// cookie, a member's own choice on the account page (docs/decisions/034).

// Each test creates its own portal and signs in; the development server compiles on first use.
test.describe.configure({ timeout: 180_000 });

/** A server action's answer re-renders the whole portal in its new language: allow it time. */
const SLOW = { timeout: 40_000 };

const database = (slug: string) => `t_${slug.replaceAll("-", "_")}`;

/** A published event far enough ahead to stay "upcoming", held in Berlin (10:00–12:00 CET). */
async function withEvent(slug: string): Promise<void> {
  await adminSql(
    database(slug),
    `INSERT INTO "Event" (id, slug, title, "startsAt", "endsAt", "timeZone", venue, capacity, status, "updatedAt")
     VALUES (gen_random_uuid(), 'spring-forum', 'Spring Forum', '2031-03-04T09:00:00Z', '2031-03-04T11:00:00Z', 'Europe/Berlin', 'Hall A', 40, 'published', now())`,
  );
}

async function portalDefault(slug: string, locale: string): Promise<void> {
  await adminSql(
    database(slug),
    `INSERT INTO "PortalSettings" (id, "defaultLocale", "updatedAt") VALUES (1, $1, now())
     ON CONFLICT (id) DO UPDATE SET "defaultLocale" = $1`,
    [locale],
  );
}

/** Signs in through the form, whatever language it is shown in (the fields' names do not change). */
async function signIn(browser: Browser, host: string, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(at(host, "/sign-in"));
  await page.locator('input[name="email"]').first().fill(email);
  await page.locator('input[name="password"]').fill(PASSWORD);
  await page.locator('input[name="password"]').locator("xpath=ancestor::form").locator('button[type="submit"]').click();
  await expect(page.getByTestId("account-email")).toHaveText(email, SLOW);
  return page;
}

test("a German portal shows its catalogue and event in German, while another portal stays English", async ({
  browser,
}) => {
  const german = await tenantWithUsers("sprache", []);
  const english = await tenantWithUsers("language", []);
  await portalDefault(german, "de");
  await withEvent(german);
  await withEvent(english);

  const de = await (await browser.newContext()).newPage();
  await de.goto(at(`${german}.localhost`, "/"));
  await expect(de.locator("html")).toHaveAttribute("lang", "de");
  await expect(de.getByRole("heading", { level: 1 })).toHaveText("Kommende Veranstaltungen");
  await expect(de.getByTestId("event-card")).toContainText("Di., 4. März 2031, 10:00–12:00 MEZ");
  await de.getByRole("link", { name: /Spring Forum/ }).click();
  await expect(de.getByTestId("event-when")).toContainText("Di., 4. März 2031, 10:00–12:00 MEZ");
  await expect(de.getByTestId("places")).toHaveText("40 von 40 frei");
  await expect(de.getByTestId("calendar-links")).toContainText("Zum Kalender hinzufügen:");

  // The other portal, in the same browser at the same time: English, British dates.
  const en = await (await browser.newContext()).newPage();
  await en.goto(at(`${english}.localhost`, "/events/spring-forum"));
  await expect(en.locator("html")).toHaveAttribute("lang", "en");
  await expect(en.getByTestId("event-when")).toContainText("Tue, 4 Mar 2031, 10:00–12:00 CET");
  await expect(en.getByTestId("places")).toHaveText("40 of 40 left");
  await en.goto(at(`${english}.localhost`, "/no-such-page"));
  await expect(en.getByRole("heading", { name: "We couldn't find that page" })).toBeVisible();
  await de.goto(at(`${german}.localhost`, "/no-such-page"));
  await expect(de.getByRole("heading", { name: "Diese Seite haben wir nicht gefunden" })).toBeVisible();
});

test("a visitor's language picker switches the portal and back, and survives a reload", async ({ browser }) => {
  const slug = await tenantWithUsers("picker", []);
  await withEvent(slug);
  const page = await (await browser.newContext()).newPage();
  await page.goto(at(`${slug}.localhost`, "/"));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Upcoming events");

  const picker = page.getByTestId("language-picker").getByLabel("Language");
  await picker.selectOption("fr");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Événements à venir", SLOW);
  await expect(page.locator("html")).toHaveAttribute("lang", "fr");
  await expect(page.getByTestId("event-card")).toContainText("mar. 4 mars 2031");
  await page.reload();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Événements à venir");

  await page.getByTestId("language-picker").getByLabel("Langue").selectOption("en");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Upcoming events", SLOW);
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
});

test("a member who picks French sees French after a reload and in a new session, and can follow the portal again", async ({
  browser,
}) => {
  const slug = await tenantWithUsers("choice", [{ email: "mia@choice.example", name: "Mia", role: "member" }]);
  const host = `${slug}.localhost`;
  const page = await signIn(browser, host, "mia@choice.example");
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await page.getByTestId("member-language").getByLabel("Language").selectOption("fr");
  await page.getByRole("button", { name: "Save language" }).click();
  await expect(page.getByTestId("language-saved")).toHaveText(
    "Enregistré. Le portail s'affiche désormais dans votre langue.",
    SLOW,
  );
  await page.reload();
  await expect(page.getByRole("heading", { name: "Votre compte" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "fr");
  await expect(page.getByRole("link", { name: "Mes inscriptions" })).toBeVisible();

  // A new session on another device (no cookie from this one): the choice is the account's.
  const elsewhere = await signIn(browser, host, "mia@choice.example");
  await expect(elsewhere.getByRole("heading", { name: "Votre compte" })).toBeVisible();

  // Back to the portal's own language (English here).
  await elsewhere.getByTestId("member-language").getByLabel("Langue").selectOption("");
  await elsewhere.getByRole("button", { name: "Enregistrer la langue" }).click();
  await expect(elsewhere.getByRole("heading", { name: "Your account" })).toBeVisible(SLOW);
  await elsewhere.reload();
  await expect(elsewhere.locator("html")).toHaveAttribute("lang", "en");
  await page.reload();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
});

test("the owner sets the portal's language in settings; the settings refuse a language it does not ship", async ({
  browser,
}) => {
  const slug = await tenantWithUsers("default", [{ email: "olga@default.example", name: "Olga", role: "owner" }]);
  const host = `${slug}.localhost`;
  const owner = await signIn(browser, host, "olga@default.example");
  await owner.goto(at(host, "/manage/settings"));
  const form = owner.getByTestId("portal-settings");
  await form.getByLabel("Portal language").selectOption("de");
  await form.getByRole("button", { name: "Save settings" }).click();
  await expect(owner.getByTestId("settings-message")).toHaveText("Einstellungen gespeichert.", SLOW);

  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(at(host, "/"));
  await expect(visitor.locator("html")).toHaveAttribute("lang", "de");
  await expect(visitor.getByRole("heading", { level: 1 })).toHaveText("Kommende Veranstaltungen");

  // A forged value in the form is refused in the reader's language, and nothing is stored.
  await owner.goto(at(host, "/manage/settings"));
  await owner.waitForLoadState("networkidle"); // hydrated: React keeps the added option from here
  await form.getByLabel("Sprache des Portals").evaluate((select: HTMLSelectElement) => {
    select.add(new Option("Klingon", "tlh"));
    select.value = "tlh";
  });
  await expect(form.getByLabel("Sprache des Portals")).toHaveValue("tlh");
  await form.getByRole("button", { name: "Einstellungen speichern" }).click();
  await expect(form.getByTestId("form-error")).toHaveText("Wählen Sie eine der angebotenen Sprachen.", SLOW);
  await visitor.reload();
  await expect(visitor.locator("html")).toHaveAttribute("lang", "de");
});

test("a language cookie outside the closed set is ignored and never reflected", async ({ request }) => {
  const slug = await tenantWithUsers("cookie", []);
  const forged = `"><script>alert(1)</script>`;
  const [url, options] = direct(`${slug}.localhost`, "/", { cookie: `portico-locale=${encodeURIComponent(forged)}` });
  const response = await request.get(url, options);
  expect(response.status()).toBe(200);
  const html = await response.text();
  expect(html).toContain('<html lang="en"');
  expect(html).not.toContain("<script>alert(1)</script>");
  expect(html).not.toContain(encodeURIComponent(forged));
  // Positive control: a value of the set is taken.
  const [url2, options2] = direct(`${slug}.localhost`, "/", { cookie: "portico-locale=de" });
  expect(await (await request.get(url2, options2)).text()).toContain('<html lang="de"');
});
