import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { appRoutes, concretePaths, inventoryValues, type AppRoute } from "../test/support/routes.ts";
import { adminQuery, adminSql } from "./cli.ts";
import { PASSWORD, tenantWithUsers } from "./fixtures.ts";
import { at, signInAgency } from "./hosts.ts";
import { VIEWPORTS, layoutProblems, seriousAxeViolations } from "./layout-checks.ts";

/**
 * Every page of both apps, from the same route inventory the security sweep walks
 * (test/support/routes.ts), as the visitor it is made for, at a phone's and a laptop's width:
 * no horizontal overflow, no interactive elements drawn over one another, and no serious or
 * critical axe-core finding. The key pages are photographed into reports/screens/ on the way
 * (docs/screens.md). Positive controls at the end show each check catches what it is for.
 */

// In order, in one worker: one signed-in browser context per viewer, made once in beforeAll.
test.describe.configure({ mode: "default" });
test.setTimeout(120_000);

const SCREENS = path.resolve("reports/screens");
type Viewer = "tenantGuest" | "tenantOwner" | "agencyGuest" | "agencyOwner";

/** Who a page is for: sign-in, sign-up and hand-off pages for a visitor; the rest for an owner, who may see everything. */
function viewerFor(route: AppRoute): Viewer {
  const first = route.segments[0] ?? "";
  if (route.realm === "tenant")
    return ["sign-in", "sign-up", "invite", "impersonate", "impersonation"].includes(first)
      ? "tenantGuest"
      : "tenantOwner";
  return ["sign-in", "invite"].includes(first) ? "agencyGuest" : "agencyOwner";
}

const EVENT = "open-day";
const pages: AppRoute[] = appRoutes(path.resolve("app")).filter((r) => r.kind === "page");
let tenantHost = "";
let values: Record<string, string[]> = {};
/** Screenshot names of the key pages, by realm and path. */
let key: Record<string, string> = {};
const viewers = {} as Record<Viewer, Page>;
const contexts: BrowserContext[] = [];

async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORTS[0] });
  contexts.push(context);
  return context.newPage();
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(240_000);
  const slug = await tenantWithUsers(
    "showcase",
    [
      { email: "owner@showcase.example", name: "Olivia Owner", role: "owner" },
      { email: "sid.staff@showcase.example", name: "Sid Staff", role: "staff" },
      {
        email: "maximiliane.mustermann-schmidt@a-long-member-address.showcase.example",
        name: "Maximiliane Mustermann-Schmidt",
        role: "member",
      },
    ],
    "premium",
  );
  tenantHost = `${slug}.localhost`;
  const db = `t_${slug.replaceAll("-", "_")}`;
  // Long titles and addresses on purpose: they are what used to run into dates and selectors.
  await adminSql(
    db,
    `INSERT INTO "Event" (id, slug, title, summary, description, "startsAt", "endsAt", "timeZone", venue, capacity, status, "updatedAt") VALUES
     (gen_random_uuid(), 'open-day', 'Pharmacovigilance essentials for regional teams: a full-day workshop', 'Signal detection, case processing and reporting duties, with worked examples.', 'Bring a laptop. Lunch is provided.', now() + interval '3 days', now() + interval '3 days 7 hours', 'Europe/Berlin', 'Conference Centre, Hall B, Friedrichstraße 100, Berlin', 40, 'published', now()),
     (gen_random_uuid(), 'board-briefing', 'Quarterly board briefing', '', '', now() + interval '9 days', now() + interval '9 days 2 hours', 'America/New_York', NULL, NULL, 'draft', now())`,
  );
  await adminSql(
    db,
    `INSERT INTO "Registration" (id, "eventId", "userId", email, name, status, "ticketCode", "updatedAt")
     SELECT gen_random_uuid(), e.id, u.id, u.email, u.name, 'confirmed', 'ShowcaseTicket' || substr(md5(u.email), 1, 12), now()
     FROM "Event" e, "User" u WHERE e.slug = 'open-day'`,
  );
  const [ticket] = await adminQuery<{ ticketCode: string }>(
    db,
    `SELECT r."ticketCode" FROM "Registration" r JOIN "User" u ON u.id = r."userId" WHERE u.email = 'owner@showcase.example'`,
  );

  viewers.tenantGuest = await newPage(browser);
  viewers.agencyGuest = await newPage(browser);
  viewers.tenantOwner = await newPage(browser);
  await viewers.tenantOwner.goto(at(tenantHost, "/sign-in"));
  await viewers.tenantOwner.getByLabel("Email").first().fill("owner@showcase.example");
  await viewers.tenantOwner.getByLabel("Password").fill(PASSWORD);
  await viewers.tenantOwner.getByRole("button", { name: "Sign in", exact: true }).click();
  // The first sign-in compiles /account under `next dev`: give it longer than an assertion.
  await expect(viewers.tenantOwner.getByTestId("account-email")).toHaveText("owner@showcase.example", {
    timeout: 60_000,
  });
  // A pending invitation, the Team row that used to run under its role selector.
  await viewers.tenantOwner.goto(at(tenantHost, "/manage/team"));
  await viewers.tenantOwner.getByTestId("invite-form").getByLabel("Name").fill("Ines Invited");
  await viewers.tenantOwner
    .getByTestId("invite-form")
    .getByLabel("Email")
    .fill("ines.invited-with-a-long-address@showcase.example");
  await viewers.tenantOwner.getByRole("button", { name: "Invite", exact: true }).click();
  await expect(viewers.tenantOwner.getByTestId("team-message")).toBeVisible();

  viewers.agencyOwner = await newPage(browser);
  await signInAgency(viewers.agencyOwner);
  await expect(viewers.agencyOwner.getByTestId("agency-user")).toBeVisible({ timeout: 60_000 });
  // A real wizard draft, so its step is a page and not a 404.
  await viewers.agencyOwner.goto(at("admin.localhost", "/tenants/new"));
  await viewers.agencyOwner.getByRole("button", { name: "Start" }).click();
  await viewers.agencyOwner.waitForURL(/\/tenants\/new\/[0-9a-f-]{36}\/[a-z]+$/);
  const [, , , draftId, step] = new URL(viewers.agencyOwner.url()).pathname.split("/");
  const [operation] = await adminQuery<{ id: string }>(
    "portico",
    // The fullest operation page when one exists: a finished provisioning, with its portal links.
    `SELECT id FROM "Operation" ORDER BY (kind IN ('provision', 'retry') AND status = 'succeeded') DESC, "createdAt" DESC LIMIT 1`,
  );

  values = inventoryValues({
    tenantSlug: slug,
    eventSlugs: [EVENT, "board-briefing"],
    ticketCode: ticket!.ticketCode,
    draftId,
    step,
    operationId: operation?.id,
  });
  key = {
    "tenant:/": "catalogue",
    [`tenant:/events/${EVENT}`]: "event",
    "tenant:/sign-in": "sign-in",
    "tenant:/account": "account",
    "tenant:/manage": "manage",
    [`tenant:/manage/events/${EVENT}/attendees`]: "attendees",
    [`tenant:/manage/events/${EVENT}/check-in`]: "check-in",
    "tenant:/manage/settings": "settings",
    "tenant:/manage/team": "team",
    "agency:/": "agency-fleet",
    [`agency:/tenants/${slug}`]: "agency-tenant",
    [`agency:/tenants/new/${draftId}/${step}`]: "agency-wizard",
  };
  mkdirSync(SCREENS, { recursive: true });
});

test.afterAll(async () => {
  for (const context of contexts) await context.close();
});

/** Opens a page at each size and returns every layout and accessibility problem found, labelled. */
async function check(page: Page, url: string, screenshot?: string): Promise<string[]> {
  const found: string[] = [];
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    const response = await page.goto(url);
    expect(response?.status(), `${url} at ${viewport.width} px`).toBeLessThan(500);
    await page.evaluate(() => document.fonts.ready);
    const where = `${new URL(page.url()).pathname} at ${viewport.width} px`;
    for (const p of await layoutProblems(page)) found.push(`${where}: ${p}`);
    for (const v of await seriousAxeViolations(page)) found.push(`${where}: ${v}`);
    if (screenshot)
      await page.screenshot({ path: path.join(SCREENS, `${screenshot}-${viewport.width}.png`), fullPage: true });
  }
  return found;
}

test("the inventory holds the pages of both apps", () => {
  expect(pages.filter((r) => r.realm === "tenant").length).toBeGreaterThan(15);
  expect(pages.filter((r) => r.realm === "agency").length).toBeGreaterThan(8);
});

// One test per page, so a failure names its file; both sizes in each.
for (const route of pages) {
  test(`${route.file} fits a phone and a laptop, with no serious accessibility finding`, async () => {
    const viewer = viewerFor(route);
    const host = route.realm === "tenant" ? tenantHost : "admin.localhost";
    const found: string[] = [];
    for (const concrete of concretePaths(route, values))
      found.push(...(await check(viewers[viewer], at(host, concrete), key[`${route.realm}:${concrete}`])));
    expect(found, `${route.file} as ${viewer}`).toEqual([]);
  });
}

test("the declared tenants' own themes pass too, on their public pages", async () => {
  test.setTimeout(300_000); // twelve page checks: three tenants, two pages, two sizes
  const found: string[] = [];
  for (const host of ["acme.localhost", "globex.localhost", "initech.localhost"])
    for (const p of ["/", "/sign-in"]) found.push(...(await check(viewers.tenantGuest, at(host, p))));
  expect(found).toEqual([]);
});

test("the small-screen menu: a disclosure button that opens before hydration and closes on navigation", async ({
  browser,
}) => {
  const page = viewers.tenantOwner;
  await page.setViewportSize(VIEWPORTS[0]);
  await page.goto(at(tenantHost, "/"));
  const button = page.getByTestId("menu-button");
  const nav = page.locator("#site-nav");
  await expect(button).toHaveAttribute("aria-controls", "site-nav");
  await expect(nav).toBeHidden();
  await button.click();
  await expect(button).toHaveAttribute("aria-expanded", "true");
  await expect(nav.getByRole("link", { name: "My registrations" })).toBeVisible();
  expect(await layoutProblems(page)).toEqual([]);
  await nav.getByRole("link", { name: "My registrations" }).click();
  await page.waitForURL((u) => u.pathname === "/registrations");
  await expect(nav).toBeHidden();
  await expect(button).toHaveAttribute("aria-expanded", "false");
  // At the laptop size there is no button: the links are in the header.
  await page.setViewportSize(VIEWPORTS[1]);
  await expect(button).toBeHidden();
  await expect(nav.getByRole("link", { name: "My registrations" })).toBeVisible();

  // Before hydration (scripts off), the same button opens the menu: it is a <details>.
  const early = await (await browser.newContext({ viewport: VIEWPORTS[0], javaScriptEnabled: false })).newPage();
  await early.goto(at(tenantHost, "/"));
  await expect(early.locator("#site-nav")).toBeHidden();
  await early.getByTestId("menu-button").click();
  await expect(early.locator("#site-nav").getByRole("link", { name: "Sign in" })).toBeVisible();
  await early.context().close();

  // The agency's "Tenants" link is on screen at a phone's width, behind the same kind of button.
  const agency = viewers.agencyOwner;
  await agency.setViewportSize(VIEWPORTS[0]);
  await agency.goto(at("admin.localhost", "/audit"));
  await agency.getByTestId("menu-button").click();
  const tenants = agency.locator("#dashboard-nav").getByRole("link", { name: "Tenants" });
  const box = await tenants.boundingBox();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(VIEWPORTS[0].width);
});

test("the skip link is the first thing a keyboard reaches, and jumps to the content", async () => {
  for (const [page, url] of [
    [viewers.tenantOwner, at(tenantHost, "/manage")],
    // Not the fleet page: it may refresh itself as figures arrive, which moves focus back to the top.
    [viewers.agencyOwner, at("admin.localhost", "/migrations")],
  ] as const) {
    await page.setViewportSize(VIEWPORTS[1]);
    await page.goto(url);
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to content" });
    await expect(skip).toBeFocused();
    await expect(skip).toBeInViewport();
    // The brand's focus ring: a solid outline, not the browser's default.
    expect(await skip.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe("solid");
    await page.keyboard.press("Enter");
    await expect(page.locator("main#main")).toBeFocused();
  }
});

test("tables become stacked cards on a phone: one label and value per line", async () => {
  const page = viewers.tenantOwner;
  await page.setViewportSize(VIEWPORTS[0]);
  await page.goto(at(tenantHost, `/manage/events/${EVENT}/attendees`));
  const row = page.getByTestId("attendees").locator("tr").first();
  const cells = row.locator("td");
  const boxes = await cells.evaluateAll((tds) => tds.map((td) => td.getBoundingClientRect().toJSON() as DOMRect));
  // Each cell is a full-width line below the one before: nothing side by side to collide.
  for (let i = 1; i < boxes.length; i++) expect(boxes[i]!.top).toBeGreaterThanOrEqual(boxes[i - 1]!.bottom - 1);
  expect(await cells.first().evaluate((td) => getComputedStyle(td, "::before").content)).toBe('"Name"');
  await page.setViewportSize(VIEWPORTS[1]);
  const wide = await cells.evaluateAll((tds) => tds.map((td) => td.getBoundingClientRect().top));
  expect(new Set(wide.map(Math.round)).size).toBe(1); // a table row again at the laptop size
});

test("positive controls: the same checks catch an injected overflow, overlap and unlabelled field", async () => {
  const page = viewers.tenantGuest;
  await page.setViewportSize(VIEWPORTS[0]);
  await page.goto(at(tenantHost, "/sign-in"));
  await page.waitForLoadState("networkidle"); // hydrated: React no longer replaces what is added below
  expect(await layoutProblems(page)).toEqual([]);
  expect(await seriousAxeViolations(page)).toEqual([]);

  await page.evaluate(() => {
    const wide = document.createElement("div");
    wide.style.width = "600px";
    wide.textContent = "a wide banner";
    document.querySelector("main")!.append(wide);
  });
  const overflow = await layoutProblems(page);
  expect(overflow.join("\n")).toContain("the page is");
  expect(overflow.join("\n")).toContain("past the 390 px viewport");

  await page.goto(at(tenantHost, "/sign-in"));
  await page.waitForLoadState("networkidle"); // hydrated: React no longer replaces what is added below
  await page.evaluate(() => {
    // A button laid over the first field, as a badly placed absolute element would be.
    const field = document.querySelector("main input")!.getBoundingClientRect();
    const cover = document.createElement("button");
    cover.textContent = "Covering";
    cover.style.cssText = `position:absolute;left:${field.left + scrollX}px;top:${field.top + scrollY}px;width:${field.width}px;height:${field.height}px`;
    document.body.append(cover);
  });
  const overlap = await layoutProblems(page);
  expect(overlap.join("\n")).toMatch(/overlap by \d+×\d+ px/);

  await page.goto(at(tenantHost, "/sign-in"));
  await page.waitForLoadState("networkidle"); // hydrated: React no longer replaces what is added below
  await page.evaluate(() => {
    const input = document.createElement("input");
    input.type = "text";
    document.querySelector("main")!.append(input);
  });
  await expect(page.locator("main > input")).toHaveCount(1); // still there when axe looks
  expect((await seriousAxeViolations(page)).join("\n")).toMatch(/critical label:/);
});
