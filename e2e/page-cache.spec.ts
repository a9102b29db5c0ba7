import { expect, test, type APIRequestContext } from "@playwright/test";
import { adminQuery, adminSql, controlQuery } from "./cli.ts";
import { signedIn, tenantWithUsers } from "./fixtures.ts";
import { at, direct } from "./hosts.ts";

/**
 * The page cache and the fair share of the web server (decisions 054 and 055), against the
 * production server: anonymous public pages come from the cache with a fresh nonce each time,
 * never another tenant's or a signed-in page, and a change made in the portal reaches visitors
 * at once; a flood at one portal is refused for that portal alone.
 */

const database = (slug: string) => `t_${slug.replaceAll("-", "_")}`;
const nonceOf = (csp: string | undefined) => /'nonce-([^']+)'/.exec(csp ?? "")?.[1];

async function addEvent(slug: string, event: { slug: string; title: string }) {
  await adminSql(
    database(slug),
    `INSERT INTO "Event" (id, slug, title, summary, "startsAt", "endsAt", "timeZone", venue, status, "updatedAt")
     VALUES (gen_random_uuid(), $1, $2, 'Cached or not.', now() + interval '9 days', now() + interval '9 days 2 hours', 'UTC', 'Hall C', 'published', now())`,
    [event.slug, event.title],
  );
}

/** Asks until the page comes from the cache (the first answer fills it); returns that answer. */
async function cachedAnswer(request: APIRequestContext, host: string, path = "/") {
  for (let i = 0; i < 5; i++) {
    const response = await request.get(...direct(host, path));
    expect(response.status(), `${host}${path}`).toBe(200);
    if (response.headers()["x-portico-cache"] === "hit") return response;
  }
  throw new Error(`${host}${path} never came from the cache`);
}

test("anonymous pages come from the cache, each with its own nonce, never another tenant's", async ({ request }) => {
  // Portals of the test's own: no other test's action empties their cache meanwhile.
  const [a, b] = [await tenantWithUsers("cacha", []), await tenantWithUsers("cachb", [])];
  await addEvent(a, { slug: "alpha-day", title: "Alpha Day" });
  await addEvent(b, { slug: "beta-day", title: "Beta Day" });
  const first = await cachedAnswer(request, `${a}.localhost`);
  const second = await request.get(...direct(`${a}.localhost`, "/"));
  expect(second.headers()["x-portico-cache"]).toBe("hit");
  // A fresh nonce in the header and the same one in every script tag of the body.
  const [n1, n2] = [
    nonceOf(first.headers()["content-security-policy"]),
    nonceOf(second.headers()["content-security-policy"]),
  ];
  expect(n1).toBeTruthy();
  expect(n2).not.toBe(n1);
  const body = await second.text();
  expect(body).toContain(`nonce="${n2}"`);
  expect(body).not.toContain(n1!);
  expect(body).toContain("Alpha Day");
  // The tenant header proxy.ts gives the server never leaves it, hit or not.
  expect(first.headers()["x-portico-tenant"]).toBeUndefined();
  expect(second.headers()["x-portico-tenant"]).toBeUndefined();
  // The other portal's cached catalogue is its own.
  const other = await cachedAnswer(request, `${b}.localhost`);
  const otherBody = await other.text();
  expect(otherBody).toContain("Beta Day");
  expect(otherBody).not.toContain("Alpha Day");
});

test("a cached page hydrates under the strict CSP", async ({ page, request }) => {
  const t = await tenantWithUsers("cachh", []);
  await addEvent(t, { slug: "hydration-day", title: "Hydration Day" });
  await cachedAnswer(request, `${t}.localhost`);
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  const response = await page.goto(at(`${t}.localhost`));
  expect(response?.headers()["x-portico-cache"]).toBe("hit");
  // Client-side navigation only works once React has hydrated, i.e. once nonce'd scripts ran.
  await page.getByText("Hydration Day").click();
  await expect(page.getByTestId("event-title")).toHaveText("Hydration Day");
  expect(await page.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(1);
  expect(violations).toEqual([]);
});

test("signed-in pages are never cached, nor shown to the next visitor", async ({ browser, request }) => {
  const t = await tenantWithUsers("cach", [{ email: "mia@cach.example", name: "Mia Member", role: "member" }]);
  const host = `${t}.localhost`;
  await addEvent(t, { slug: "open-day", title: "Open Day" });
  const member = await signedIn(browser, host, "mia@cach.example");
  for (let i = 0; i < 2; i++) {
    const response = await member.goto(at(host, "/"));
    expect(response?.headers()["x-portico-cache"]).toBeUndefined();
    await expect(member.getByTestId("signed-in-as")).toHaveText("Mia Member");
  }
  // Positive control: the anonymous catalogue of the same portal is cached, without her.
  const anonymous = await cachedAnswer(request, host);
  const text = await anonymous.text();
  expect(text).toContain("Open Day");
  expect(text).not.toContain("mia@cach.example");
  expect(text).not.toContain("Mia Member");
});

test("an event edited in the portal is what the next visitor sees", async ({ browser, request }) => {
  const t = await tenantWithUsers("edit", [{ email: "sid@edit.example", name: "Sid Staff", role: "staff" }]);
  const host = `${t}.localhost`;
  await addEvent(t, { slug: "launch", title: "Launch" });
  // Cached, before the edit, on the event page and in the catalogue.
  for (const path of ["/events/launch", "/"])
    expect(await (await cachedAnswer(request, host, path)).text()).toContain("Launch");
  const staff = await signedIn(browser, host, "sid@edit.example");
  await staff.goto(at(host, "/manage/events/launch"));
  await staff.getByLabel("Title").fill("Launch, moved to Hall D");
  await staff.getByRole("button", { name: "Save changes" }).click();
  await expect(staff.getByTestId("saved")).toBeVisible();
  const saved = Date.now();
  // Within a second every page of the portal shows the change.
  for (const path of ["/events/launch", "/"]) {
    await expect
      .poll(async () => (await (await request.get(...direct(host, path))).text()).includes("Launch, moved to Hall D"), {
        timeout: 5_000,
        intervals: [50],
      })
      .toBe(true);
  }
  expect(Date.now() - saved).toBeLessThan(2_000);
  // And it is cached again after: the next visitor gets it from memory.
  const again = await request.get(...direct(host, "/events/launch"));
  expect(again.headers()["x-portico-cache"]).toBe("hit");
  expect(await again.text()).toContain("Launch, moved to Hall D");
});

test("a portal whose database goes down keeps serving its cached pages; every other page answers its notice", async ({
  request,
}) => {
  const t = await tenantWithUsers("cachd", []);
  const host = `${t}.localhost`;
  await addEvent(t, { slug: "still-on", title: "Still On" });
  expect(await (await cachedAnswer(request, host)).text()).toContain("Still On");
  const rows = await controlQuery<{ roleName: string }>(
    `SELECT "roleName" FROM "TenantDatabase" WHERE "databaseName" = $1`,
    [database(t)],
  );
  const roleName = rows[0]!.roleName;
  // The tenant's role may no longer log in, and its open connections are cut: an outage.
  await adminQuery("postgres", `ALTER ROLE "${roleName}" NOLOGIN`);
  try {
    await adminQuery("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", [
      roleName,
    ]);
    // A page not in the cache meets the outage (the first may show the page's own notice); from
    // then on the breaker answers it with 503 before any page runs.
    await expect(async () =>
      expect((await request.get(...direct(host, "/events/still-on"))).status()).toBe(503),
    ).toPass({ timeout: 20_000 });
    expect((await request.get(...direct(host, "/sign-in"))).status()).toBe(503);
    // The catalogue stored before the outage is still served, from the cache (decision 061).
    const kept = await request.get(...direct(host, "/"));
    expect(kept.status()).toBe(200);
    expect(kept.headers()["x-portico-cache"]).toBe("hit");
    expect(await kept.text()).toContain("Still On");
  } finally {
    await adminQuery("postgres", `ALTER ROLE "${roleName}" LOGIN`);
  }
  // Once the breaker's probe reaches the database again, the event page is rendered again.
  await expect(async () => expect((await request.get(...direct(host, "/events/still-on"))).status()).toBe(200)).toPass({
    timeout: 30_000,
  });
});

test("a flood at one portal is refused for that portal alone", async ({ request }) => {
  test.setTimeout(120_000);
  const t = await tenantWithUsers("flud", [], "starter");
  const host = `${t}.localhost`;
  // Learn the portal's plan (its first page), then send far more than its share at once: the
  // query string makes each a page rendered for its request, never one from the cache.
  expect((await request.get(...direct(host, "/?warm"))).status()).toBe(200);
  const responses = await Promise.all(Array.from({ length: 120 }, (_, i) => request.get(...direct(host, `/?n=${i}`))));
  const refused = responses.filter((r) => r.status() === 503 || r.status() === 429);
  expect(refused.length).toBeGreaterThan(0);
  // Refused with when to come back, for this portal only; its share was still served.
  for (const r of refused) expect(r.headers()["retry-after"]).toMatch(/^\d+$/);
  expect(await refused[0]!.text()).toMatch(/try again in \d+ s/);
  expect(responses.filter((r) => r.status() === 200).length).toBeGreaterThan(0);
  // Positive control: during the same flood another portal is served.
  const [, neighbour] = await Promise.all([
    Promise.all(Array.from({ length: 80 }, (_, i) => request.get(...direct(host, `/?m=${i}`)))),
    request.get(...direct("globex.localhost", "/?during-the-flood")),
  ]);
  expect(neighbour.status()).toBe(200);
  expect(await neighbour.text()).toContain("Quarterly Compliance Briefing");
});
