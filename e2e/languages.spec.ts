import { expect, test, type Browser, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import path from "node:path";
import { appRoutes, concretePaths, inventoryValues } from "../test/support/routes.ts";
import { adminQuery, adminSql } from "./cli.ts";
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

type Catalogue = { [key: string]: string | Catalogue };
const catalogue = (locale: string) =>
  JSON.parse(readFileSync(path.resolve("messages", `${locale}.json`), "utf8")) as Catalogue;

function leaves(tree: Catalogue, prefix = ""): [string, string][] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === "string" ? [[`${prefix}${k}`, v] as [string, string]] : leaves(v, `${prefix}${k}.`),
  );
}

/**
 * The English catalogue's words that a page in `locale` must not show: each sentence's literal
 * parts (between its {placeholders} and <tags>) of 10 characters or more, unless the other
 * catalogue uses the same words somewhere (a brand, "WCAG AA", "Apple / other (.ics)").
 */
function englishFragments(locale: string): string[] {
  const other = new Map(leaves(catalogue(locale)));
  const otherText = [...other.values()].join("\n");
  const fragments = new Set<string>();
  for (const [key, english] of leaves(catalogue("en"))) {
    if (other.get(key) === english) continue;
    for (const part of english.split(/\{(?:[^{}]|\{[^{}]*\})*\}|<\/?\w+>/)) {
      const fragment = part.trim();
      if (fragment.length >= 10 && !otherText.includes(fragment)) fragments.add(fragment);
    }
  }
  return [...fragments];
}

/** What on the page is still English: catalogue words, English weekdays, ISO dates. */
async function englishOn(page: Page, fragments: string[]): Promise<string[]> {
  // What a reader sees, and what a screen reader or a link preview reads out.
  const text = await page.evaluate(() =>
    [
      document.title,
      document.querySelector('meta[name="description"]')?.getAttribute("content") ?? "",
      document.body.innerText,
      ...[...document.querySelectorAll("[aria-label], [placeholder], img[alt], [title]")].map((el) =>
        ["aria-label", "placeholder", "alt", "title"].map((a) => el.getAttribute(a) ?? "").join(" "),
      ),
    ]
      .join(" ")
      .replace(/\s+/g, " "),
  );
  const found = fragments.filter((f) => text.includes(f)).map((f) => `"${f}"`);
  for (const pattern of [/\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b,? \d/, /\b\d{4}-\d\d-\d\d\b/])
    for (const match of text.match(new RegExp(pattern, "g")) ?? []) found.push(`date "${match}"`);
  return found;
}

test("every portal page shows no English words in German or French, as an owner and to a visitor", async ({
  browser,
}) => {
  test.setTimeout(600_000);
  const slug = await tenantWithUsers(
    "sweep",
    [
      { email: "olga@sweep.example", name: "Olga Inhaberin", role: "owner" },
      { email: "mia@sweep.example", name: "Mia Mitglied", role: "member" },
    ],
    "premium",
  );
  const host = `${slug}.localhost`;
  const db = database(slug);
  // The tenant's own content is German, so only the product's words can be English.
  await adminSql(
    db,
    `INSERT INTO "Event" (id, slug, title, summary, description, "startsAt", "endsAt", "timeZone", venue, capacity, status, questions, "registrationOpensAt", "updatedAt") VALUES
     (gen_random_uuid(), 'fruehjahr', 'Frühjahrsforum', 'Vorträge und Austausch.', 'Bitte Laptop mitbringen.', now() + interval '3 days', now() + interval '3 days 2 hours', 'Europe/Berlin', 'Halle A', 40, 'published', '[{"id":"kost","label":"Ernährung","kind":"text","required":false,"options":[]}]', NULL, now()),
     (gen_random_uuid(), 'entwurf', 'Vorstandssitzung', '', '', now() + interval '9 days', now() + interval '9 days 2 hours', 'Europe/Berlin', NULL, NULL, 'draft', '[]', NULL, now()),
     (gen_random_uuid(), 'herbst', 'Herbstforum', '', '', now() + interval '60 days', now() + interval '60 days 2 hours', 'Europe/Berlin', 'Halle B', 10, 'published', '[]', now() + interval '30 days', now())`,
  );
  await adminSql(
    db,
    `INSERT INTO "Registration" (id, "eventId", "userId", email, name, status, "ticketCode", "updatedAt")
     SELECT gen_random_uuid(), e.id, u.id, u.email, u.name, 'confirmed', 'SweepTicket' || substr(md5(u.email), 1, 12), now()
     FROM "Event" e, "User" u WHERE e.slug = 'fruehjahr'`,
  );
  const [ticket] = await adminQuery<{ ticketCode: string }>(
    db,
    `SELECT r."ticketCode" FROM "Registration" r JOIN "User" u ON u.id = r."userId" WHERE u.email = 'olga@sweep.example'`,
  );
  const values = inventoryValues({
    tenantSlug: slug,
    eventSlugs: ["fruehjahr", "entwurf", "herbst"],
    ticketCode: ticket!.ticketCode,
  });
  const pages = appRoutes(path.resolve("app")).filter((r) => r.realm === "tenant" && r.kind === "page");
  const guestOnly = new Set(["sign-in", "sign-up", "invite", "impersonate", "impersonation"]);

  const owner = await signIn(browser, host, "olga@sweep.example");
  const guest = await (await browser.newContext()).newPage();
  /** Every page as the visitor it is for: the English words found on each. */
  async function sweep(locale: string, only?: string[]): Promise<string[]> {
    await portalDefault(slug, locale);
    const fragments = englishFragments(locale === "en" ? "de" : locale);
    const found: string[] = [];
    for (const route of pages)
      for (const p of concretePaths(route, values)) {
        if (only && !only.includes(p)) continue;
        const page = guestOnly.has(route.segments[0] ?? "") ? guest : owner;
        await page.goto(at(host, p));
        await expect(page.locator("html")).toHaveAttribute("lang", locale);
        for (const english of await englishOn(page, fragments)) found.push(`${locale} ${p}: ${english}`);
      }
    return found;
  }

  const found = [...(await sweep("de")), ...(await sweep("fr"))];
  expect(found).toEqual([]);
  // Positive control: the same check on English pages finds the catalogue's English.
  const english = await sweep("en", ["/", "/manage/settings", "/events/herbst"]);
  expect(english).toContain('en /manage/settings: "Who sees the event catalogue"');
  expect(english.some((e) => e.startsWith("en /events/herbst: date"))).toBe(true);
});
