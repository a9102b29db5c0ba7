import { expect, test, type Page } from "@playwright/test";
import { adminQuery, adminSql } from "./cli.ts";
import { signedIn, tenantWithUsers } from "./fixtures.ts";
import { at, direct } from "./hosts.ts";
import { png } from "./images.ts";

/** Distinct brands: bundled fonts, layout presets, event covers, share tags, the mobile call to action. */

const database = (slug: string) => `t_${slug.replaceAll("-", "_")}`;

async function addEvent(slug: string, event: { slug: string; title: string; days: string; capacity?: number }) {
  await adminSql(
    database(slug),
    `INSERT INTO "Event" (id, slug, title, summary, "startsAt", "endsAt", "timeZone", venue, capacity, status, "updatedAt")
     VALUES (gen_random_uuid(), $1, $2, 'A day to remember.', date_trunc('day', now()) + $3::interval, date_trunc('day', now()) + $3::interval + interval '2 hours', 'UTC', 'Hall A', $4, 'published', now())`,
    [event.slug, event.title, event.days, event.capacity ?? null],
  );
}

/** The faces the page has downloaded, and the URLs they came from. */
async function loadedFonts(page: Page) {
  return page.evaluate(async () => {
    await document.fonts.ready;
    return {
      // Development builds add Next's own overlay font (__nextjs-*), which production never serves.
      families: [...document.fonts]
        .filter((f) => f.status === "loaded" && !f.family.includes("__nextjs"))
        .map((f) => f.family.replaceAll('"', "")),
      files: performance
        .getEntriesByType("resource")
        .map((e) => e.name)
        .filter((n) => n.endsWith(".woff2") && !n.includes("/__nextjs_font/")),
      origin: location.origin,
      fontFamily: getComputedStyle(document.querySelector("[data-tenant]") as Element).fontFamily,
    };
  });
}

test("each portal renders in its own bundled font, downloaded from its own origin and no other", async ({
  browser,
}) => {
  const seen: Record<string, Awaited<ReturnType<typeof loadedFonts>>> = {};
  for (const host of ["acme.localhost", "globex.localhost", "initech.localhost"]) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(at(host));
    await expect(page.getByTestId("event-card").first()).toBeVisible();
    const fonts = await loadedFonts(page);
    // Exactly one face downloaded (the portal's own), from the portal's origin.
    expect(fonts.families, JSON.stringify(fonts)).toHaveLength(1);
    expect(fonts.files, JSON.stringify(fonts)).toHaveLength(1);
    expect(fonts.files[0]?.startsWith(`${fonts.origin}/_next/static/media/`), fonts.files[0]).toBe(true);
    // The computed family starts with that face, and the browser can draw with it.
    expect(
      fonts.fontFamily
        .replaceAll('"', "")
        .replaceAll("'", "")
        .startsWith(fonts.families[0] as string),
    ).toBe(true);
    seen[host] = fonts;
    await page.close();
  }
  const families = Object.values(seen).map((f) => f.families[0]);
  expect(new Set(families).size, JSON.stringify(families)).toBe(3); // sans, serif and rounded differ
});

test("the portal's HTML and CSS reference fonts and styles on its own origin only", async ({ request }) => {
  const html = await (await request.get(...direct("globex.localhost"))).text();
  const sheets = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => m[1] as string);
  expect(sheets.length).toBeGreaterThan(0); // positive control: there is CSS to look at
  for (const href of sheets) expect(href.startsWith("/"), href).toBe(true);
  const origin = at("globex.localhost", "/");
  let css = "";
  const urls: string[] = [];
  for (const href of sheets) {
    const text = await (await request.get(...direct("globex.localhost", href))).text();
    css += text;
    // Relative url()s resolve against the stylesheet, as the browser resolves them.
    for (const m of text.matchAll(/url\(([^)]+)\)/g))
      urls.push(new URL((m[1] as string).replace(/["']/g, ""), new URL(href, origin)).href);
  }
  expect(urls.some((u) => u.endsWith(".woff2"))).toBe(true); // the bundled faces are declared
  for (const u of urls) expect(u.startsWith(origin) || u.startsWith("data:"), u).toBe(true);
  expect(`${html}${css}`).not.toMatch(/fonts\.(googleapis|gstatic)\.com|use\.typekit|fonts\.bunny/);
});

test("a tenant switches catalogue layouts in settings: list, cover grid, agenda by day", async ({ browser }) => {
  test.setTimeout(240_000);
  const t = await tenantWithUsers("layo", [{ email: "owen@layo.example", name: "Owen Owner", role: "owner" }]);
  const host = `${t}.localhost`;
  await addEvent(t, { slug: "morning-talk", title: "Morning Talk", days: "3 days 9 hours" });
  await addEvent(t, { slug: "evening-talk", title: "Evening Talk", days: "3 days 18 hours" });
  await addEvent(t, { slug: "next-week", title: "Next Week Workshop", days: "10 days 10 hours" });
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(at(host));
  // Classic (the default for a theme stored without a layout): a list with date badges.
  await expect(visitor.getByTestId("event-list")).toHaveAttribute("data-layout", "classic");
  await expect(visitor.getByTestId("event-card")).toHaveCount(3);
  await expect(visitor.getByTestId("agenda-day")).toHaveCount(0);
  await expect(visitor.getByTestId("event-cover-fallback")).toHaveCount(0);

  const owner = await signedIn(browser, host, "owen@layo.example");
  for (const [layout, label] of [
    ["grid", "Cards with cover images"],
    ["agenda", "Compact agenda by date"],
  ] as const) {
    await owner.goto(at(host, "/manage/settings"));
    await owner.getByLabel("Catalogue layout").selectOption({ label });
    // The preview follows before anything is saved.
    await expect(owner.getByTestId("preview-catalogue")).toHaveAttribute("data-layout", layout);
    await owner.getByRole("button", { name: "Save branding" }).click();
    // Applied by the operations worker; the settings page reloads itself once it has been.
    await expect(async () => {
      await visitor.reload();
      await expect(visitor.getByTestId("event-list")).toHaveAttribute("data-layout", layout, { timeout: 2_000 });
    }).toPass({ timeout: 45_000 });
    await expect(owner.getByLabel("Catalogue layout")).toHaveValue(layout);
    await expect(visitor.getByTestId("event-card")).toHaveCount(3);
    if (layout === "grid") {
      // Every card leads with an image area: the branded stand-in, as no event has a cover yet.
      await expect(visitor.getByTestId("event-cover-fallback")).toHaveCount(3);
      await expect(visitor.getByTestId("agenda-day")).toHaveCount(0);
      await expect(owner.getByTestId("preview-cover").first()).toBeVisible();
    } else {
      // Grouped by day: two talks on one day, the workshop on another; times instead of covers.
      await expect(visitor.getByTestId("agenda-day")).toHaveCount(2);
      await expect(visitor.getByTestId("agenda-day").first().getByTestId("event-card")).toHaveCount(2);
      await expect(visitor.getByTestId("agenda-day").first().locator("time").first()).toHaveText("09:00");
      await expect(visitor.getByTestId("event-cover-fallback")).toHaveCount(0);
      await expect(owner.getByTestId("preview-agenda-day")).toHaveCount(2);
    }
  }
});

test("staff upload an event cover; wrong, oversized and fake images are refused; it is served on its tenant's host only", async ({
  browser,
  request,
}) => {
  test.setTimeout(240_000);
  const t = await tenantWithUsers("covr", [{ email: "sam@covr.example", name: "Sam Staff", role: "staff" }]);
  const host = `${t}.localhost`;
  await addEvent(t, { slug: "launch", title: "Launch", days: "5 days 10 hours" });
  const staff = await signedIn(browser, host, "sam@covr.example");
  const form = at(host, "/manage/events/launch");
  const refused = async (file: { name: string; mimeType: string; buffer: Buffer }, message: string) => {
    await staff.goto(form);
    await staff.getByLabel("Title").fill("Launch (renamed)");
    await staff.getByLabel(/Cover image/).setInputFiles(file);
    await staff.getByRole("button", { name: "Save changes" }).click();
    await expect(staff.getByTestId("error-cover")).toContainText(message, { timeout: 45_000 });
    // Nothing of the refused submission was written, not even its other fields.
    const [row] = await adminQuery<{ title: string; coverSrc: string | null }>(
      database(t),
      `SELECT title, "coverSrc" FROM "Event" WHERE slug = 'launch'`,
    );
    expect(row).toEqual({ title: "Launch", coverSrc: null });
  };
  await refused(
    { name: "cover.svg", mimeType: "image/svg+xml", buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>') },
    "not a PNG, JPEG or WebP",
  );
  await refused(
    { name: "cover.png", mimeType: "image/png", buffer: Buffer.from("this is text, not a PNG at all") },
    "not a PNG, JPEG or WebP",
  );
  const huge = Buffer.concat([png(8, 8, [1, 2, 3]), Buffer.alloc(1100 * 1024)]);
  await refused({ name: "huge.png", mimeType: "image/png", buffer: huge }, "the limit is 1024 KB");

  // Positive control: a real PNG is accepted with the rest of the form.
  await staff.goto(form);
  await staff.getByLabel("Title").fill("Launch (renamed)");
  await staff
    .getByLabel(/Cover image/)
    .setInputFiles({ name: "cover.png", mimeType: "image/png", buffer: png(160, 90, [13, 148, 136]) });
  await staff.getByRole("button", { name: "Save changes" }).click();
  await expect(staff.getByTestId("saved")).toBeVisible({ timeout: 45_000 });
  const src = await staff.getByTestId("current-cover").getAttribute("src");
  expect(src).toMatch(/^\/cover\/[0-9a-f]{64}\.png$/);

  // On the event page and in the grid, at its real size.
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(at(host, "/events/launch"));
  const cover = visitor.getByTestId("event-cover");
  await expect(cover).toHaveAttribute("src", src as string);
  await expect.poll(() => cover.evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: 45_000 }).toBe(160);

  // Served by its own tenant's host, immutable; another tenant's host has no such file.
  const own = await request.get(...direct(host, src as string));
  expect(own.status()).toBe(200);
  expect(own.headers()["content-type"]).toBe("image/png");
  expect(own.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
  expect(own.headers()["x-content-type-options"]).toBe("nosniff");
  const other = await request.get(...direct("acme.localhost", src as string));
  expect(other.status()).toBe(404);
  const unknown = await request.get(...direct(host, `/cover/${"0".repeat(64)}.png`));
  expect(unknown.status()).toBe(404);

  // Removing it brings back the branded stand-in.
  await staff.goto(form);
  await expect(staff.getByTestId("saved")).toHaveCount(0);
  await staff.getByLabel("Remove the cover").check();
  await staff.getByRole("button", { name: "Save changes" }).click();
  await expect(staff.getByTestId("saved")).toBeVisible({ timeout: 45_000 });
  await visitor.reload();
  await expect(visitor.getByTestId("event-cover")).toHaveCount(0);
  await expect(visitor.getByTestId("event-cover-fallback")).toBeVisible();
});

/** Meta tags of a page, read from its HTML as a link preview would. */
async function metaTags(request: import("@playwright/test").APIRequestContext, host: string, path: string) {
  const html = await (await request.get(...direct(host, path))).text();
  const tags: Record<string, string> = {};
  for (const m of html.matchAll(/<meta\s+(?:name|property)="([^"]+)"\s+content="([^"]*)"/g))
    tags[m[1] as string] = (m[2] as string).replaceAll("&amp;", "&");
  return tags;
}

test("catalogue and event pages carry their own tenant's description and Open Graph tags", async ({ request }) => {
  const portals = [
    {
      host: "acme.localhost",
      canonical: "learn.acme.localhost",
      name: "Acme Pharma Academy",
      event: "/events/pharmacovigilance-101",
      title: "Pharmacovigilance 101",
    },
    {
      host: "globex.localhost",
      canonical: "portal.globex.localhost",
      name: "Globex Capital Forum",
      event: "/events/rate-outlook",
      title: "Interest Rate Outlook 2027",
    },
  ];
  for (const [portal, other] of [
    [portals[0], portals[1]],
    [portals[1], portals[0]],
  ] as const) {
    const home = await metaTags(request, portal!.host, "/");
    expect(home["og:title"]).toBe(portal!.name);
    expect(home["og:site_name"]).toBe(portal!.name);
    // Links point at the portal's primary host (its custom domain), whichever host was asked.
    expect(home["og:url"]).toBe(at(portal!.canonical, "/"));
    expect(home["og:image"]).toMatch(new RegExp(`^${at(portal!.canonical, "/").replace(/[.:/]/g, "\\$&")}`));
    expect(home["description"]).toContain(portal!.name);
    expect(home["twitter:card"]).toBe("summary");
    const event = await metaTags(request, portal!.host, portal!.event);
    expect(event["og:title"]).toBe(`${portal!.title} · ${portal!.name}`);
    expect(event["og:url"]).toBe(at(portal!.canonical, portal!.event));
    expect(event["og:image"]?.startsWith(at(portal!.canonical, "/"))).toBe(true);
    expect(event["description"]?.length).toBeGreaterThan(10);
    expect(event["og:description"]).toBe(event["description"]);
    for (const value of [...Object.values(home), ...Object.values(event)]) {
      expect(value).not.toContain(other!.name);
      expect(value).not.toContain(other!.host);
    }
  }
});

test("on a phone the register button stays in view, leads to the panel, says what it will do and covers nothing", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  // The starter plan has no waitlist, so a full event has nothing to offer.
  const t = await tenantWithUsers(
    "stky",
    [{ email: "mia@stky.example", name: "Mia Member", role: "member" }],
    "starter",
  );
  const host = `${t}.localhost`;
  await addEvent(t, { slug: "open", title: "Open Seminar", days: "4 days 10 hours", capacity: 20 });
  await addEvent(t, { slug: "full", title: "Full Seminar", days: "4 days 12 hours", capacity: 0 });
  await adminSql(database(t), `UPDATE "Event" SET description = $1 WHERE slug = 'open'`, [
    Array.from({ length: 40 }, (_, i) => `Paragraph ${i + 1} of the programme.`).join("\n\n"),
  ]);
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(at(host, "/events/open"));
  const bar = page.getByTestId("sticky-register");
  const button = bar.getByRole("link", { name: "Register" });
  await expect(button).toBeInViewport();
  // A real button: filled in the brand colour, not an underlined link.
  expect(await button.evaluate((el) => getComputedStyle(el).textDecorationLine)).toBe("none");
  expect(await button.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe("rgba(0, 0, 0, 0)");
  await button.click();
  await expect(page.locator("#register")).toBeInViewport();
  // At the end of the page the bar sits in the flow: the footer is not under it.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  const footer = await page.locator("footer").last().boundingBox();
  const barBox = await bar.boundingBox();
  expect(footer && barBox && barBox.y + barBox.height <= footer.y + 0.5, JSON.stringify({ footer, barBox })).toBe(true);

  // Full without a waitlist (starter plan): no button promising a place.
  await page.goto(at(host, "/events/full"));
  await expect(page.getByTestId("event-title")).toHaveText("Full Seminar");
  await expect(page.getByTestId("sticky-register")).toHaveCount(0);

  // Wide screens do not show the bar.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(at(host, "/events/open"));
  await expect(page.getByTestId("sticky-register")).toBeHidden();

  // Registered: the bar says so instead of offering to register again.
  const member = await signedIn(browser, host, "mia@stky.example");
  await member.setViewportSize({ width: 390, height: 844 });
  await member.goto(at(host, "/events/open"));
  await member.getByTestId("sticky-register").getByRole("link", { name: "Register" }).click();
  await member.getByTestId("register-form").getByRole("button", { name: "Register" }).click();
  await expect(member.getByTestId("registration")).toHaveAttribute("data-status", "confirmed");
  await member.reload();
  await member.evaluate(() => window.scrollTo(0, 0));
  await expect(member.getByTestId("sticky-register").getByRole("link")).toHaveText("Registered");
});
