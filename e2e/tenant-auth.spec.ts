import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { adminSql } from "./cli.ts";
import { at, direct, holdScripts, port, openOutbox } from "./hosts.ts";

/** Sessions are per tenant: security cases 6–10 and 13, each beside a positive control. */

const PASSWORD = "portico-demo";

async function signIn(page: Page, host: string, email: string, password = PASSWORD) {
  await page.goto(at(host, "/sign-in"));
  await page.getByLabel("Email").first().fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

async function sessionCookie(context: BrowserContext, host: string) {
  return (await context.cookies(at(host))).find((c) => c.name === "portico.session");
}

test("a tenant user signs in with a password and sees their account (positive control)", async ({ page, context }) => {
  await signIn(page, "acme.localhost", "owner@acme.example");
  await expect(page).toHaveURL(at("acme.localhost", "/account"));
  await expect(page.getByTestId("account-email")).toHaveText("owner@acme.example");
  await expect(page.getByTestId("account-role")).toHaveText("owner");
  await expect(page.getByTestId("signed-in-as")).toHaveText("Ada Acme");
  const cookie = await sessionCookie(context, "acme.localhost");
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.domain).toBe("acme.localhost"); // host-only: no Domain attribute was set (case 9)
});

test("the session cookie is host-only: no Domain attribute in Set-Cookie (security case 9)", async ({ page }) => {
  const callback = page.waitForResponse((r) => r.url().includes("/api/auth/callback/password"));
  await signIn(page, "acme.localhost", "owner@acme.example");
  const header = (await (await callback).headerValue("set-cookie")) ?? "";
  expect(header).toContain("portico.session="); // positive control: this is the session cookie
  expect(header.toLowerCase()).not.toContain("domain=");
  expect(header).toMatch(/HttpOnly/i);
  expect(header).toMatch(/SameSite=Lax/i);
  await expect(page).toHaveURL(/\/account$/); // let the sign-in's navigation finish before teardown
  await expect(page.getByTestId("account-email")).toHaveText("owner@acme.example");
});

test("a password submitted before the page hydrated never reaches a URL; once it has, signing in works", async ({
  page,
}) => {
  const urls: string[] = [];
  page.on("request", (r) => urls.push(r.url()));
  const release = await holdScripts(page);
  await page.goto(at("acme.localhost", "/sign-in"), { waitUntil: "domcontentloaded" });
  await page.getByLabel("Email").first().fill("owner@acme.example");
  await page.getByLabel("Password").fill(PASSWORD);
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeDisabled();
  await page.getByLabel("Password").press("Enter"); // a browser's own submit: no script is there to stop it
  await release();
  await page.getByLabel("Email").first().fill("owner@acme.example"); // again, in case that submit reloaded the page
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("account-email")).toHaveText("owner@acme.example");
  expect(urls.some((u) => u.includes("/account"))).toBe(true); // positive control: the log saw the sign-in's navigation
  expect(urls.filter((u) => u.includes(PASSWORD) || u.includes("password="))).toEqual([]);
});

test("a wrong password or unknown email gets one clear message and no session", async ({ page, context }) => {
  for (const [email, password] of [
    ["owner@acme.example", "wrong-password"],
    ["nobody@acme.example", PASSWORD],
    ["owner@globex.example", PASSWORD],
  ]) {
    await signIn(page, "acme.localhost", email!, password);
    await expect(page.getByTestId("form-error")).toHaveText(/don't match an account here/);
    expect(await sessionCookie(context, "acme.localhost")).toBeUndefined();
  }
});

test("a session minted on acme, replayed on globex, is signed out there (security case 7)", async ({
  page,
  context,
  request,
}) => {
  await signIn(page, "acme.localhost", "owner@acme.example");
  await expect(page).toHaveURL(/\/account$/);
  const cookie = (await sessionCookie(context, "acme.localhost"))!;
  // Positive control: the copied cookie works where it was minted.
  const own = await request.get(...direct("acme.localhost", "/account", { cookie: `${cookie.name}=${cookie.value}` }));
  expect(own.status()).toBe(200);
  expect(await own.text()).toContain("owner@acme.example");
  // Copied by hand onto another tenant's host: treated as signed out, no data of either tenant.
  const replay = await request.get(
    ...direct("globex.localhost", "/account", { cookie: `${cookie.name}=${cookie.value}` }),
  );
  expect(replay.status()).toBe(307);
  expect(replay.headers()["location"]).toBe("/sign-in?callbackUrl=%2Faccount");
  await context.addCookies([{ ...cookie, domain: "globex.localhost" }]);
  await page.goto(at("globex.localhost", "/account"));
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Faccount$/);
  await expect(page.locator("body")).not.toContainText("owner@acme.example");
});

test("a tampered or foreign-key session token is rejected (security case 8)", async ({ page, context, request }) => {
  await signIn(page, "acme.localhost", "owner@acme.example");
  await expect(page).toHaveURL(/\/account$/);
  const cookie = (await sessionCookie(context, "acme.localhost"))!;
  const flipped = cookie.value.slice(0, -4) + (cookie.value.endsWith("AAAA") ? "BBBB" : "AAAA");
  for (const value of [flipped, "eyJhbGciOiJIUzI1NiJ9.eyJ0aWQiOiJ4In0.c2ln", "garbage"]) {
    const response = await request.get(...direct("acme.localhost", "/account", { cookie: `${cookie.name}=${value}` }));
    expect(response.status(), value.slice(0, 12)).toBe(307);
  }
});

test("x-middleware-subrequest does not skip the session check (security case 13)", async ({ request }) => {
  for (const value of ["proxy:proxy:proxy:proxy:proxy", "middleware:middleware:middleware:middleware:middleware"]) {
    const response = await request.get(...direct("acme.localhost", "/account", { "x-middleware-subrequest": value }));
    expect([307, 404]).toContain(response.status());
    expect(await response.text()).not.toContain("owner@acme.example");
  }
});

test("callbackUrl cannot leave the tenant's origin (security case 6)", async ({ page }) => {
  for (const evil of ["https://evil.com", "//evil.com", "/\\evil.com", `http://globex.localhost:${port}/account`]) {
    await page.context().clearCookies();
    await page.goto(at("acme.localhost", `/sign-in?callbackUrl=${encodeURIComponent(evil)}`));
    await page.getByLabel("Email").first().fill("owner@acme.example");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(at("acme.localhost", "/account"));
  }
  // Positive control: a same-origin target is honoured.
  await page.context().clearCookies();
  await page.goto(at("acme.localhost", `/sign-in?callbackUrl=${encodeURIComponent("/events/lab-safety-day")}`));
  await page.getByLabel("Email").first().fill("owner@acme.example");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(at("acme.localhost", "/events/lab-safety-day"));
});

test("an email sign-in link, built from the tenant's registered domain, works once (security case 5)", async ({
  page,
  request,
}) => {
  await page.goto(at("globex.localhost", "/sign-in"));
  const form = page.locator("form").filter({ hasText: "Email me a sign-in link" });
  await form.getByLabel("Email").fill("owner@globex.example");
  await form.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByTestId("link-request-result")).toContainText("If that address has an account here");

  // Asked for via a spoofed forwarded host, the link must still name globex's registered domain.
  await openOutbox(page, "owner@globex.example");
  const text = await page.getByTestId("outbox-text").first().innerText();
  const link = /https?:\/\/\S+\/sign-in\/link\?token=\S+/.exec(text)?.[0];
  expect(link).toMatch(new RegExp(`^http://portal\\.globex\\.localhost:${port}/sign-in/link\\?token=`));

  await page.goto(link!);
  await page.getByRole("button", { name: "Continue to sign in" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId("account-email")).toHaveText("owner@globex.example");

  await page.context().clearCookies();
  await page.goto(link!);
  await page.getByRole("button", { name: "Continue to sign in" }).click();
  await expect(page.getByTestId("form-error")).toHaveText(/expired or was already used/);
  void request;
});

test("asking for a link for an unknown address says the same thing and sends nothing", async ({ page }) => {
  await page.goto(at("acme.localhost", "/sign-in"));
  const form = page.locator("form").filter({ hasText: "Email me a sign-in link" });
  await form.getByLabel("Email").fill("owner@globex.example"); // exists in globex only (case 10)
  await form.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByTestId("link-request-result")).toContainText("If that address has an account here");
  await openOutbox(page, "owner@globex.example");
  for (const subject of await page.getByTestId("outbox-subject").allInnerTexts()) expect(subject).not.toContain("Acme");
});

test("a member signs up; the same email on another tenant is a separate account (security case 10)", async ({
  browser,
}) => {
  const email = `member-${Date.now()}@example.com`;
  const first = await browser.newPage();
  await first.goto(at("initech.localhost", "/sign-up"));
  await first.getByLabel("Name").fill("Mia Member");
  await first.getByLabel("Email").fill(email);
  await first.getByLabel(/Password/).fill("initech-secret-1");
  await first.getByRole("button", { name: "Create account" }).click();
  await expect(first).toHaveURL(at("initech.localhost", "/account"));
  await expect(first.getByTestId("account-role")).toHaveText("member");

  const second = await browser.newPage();
  await second.goto(at("acme.localhost", "/sign-up"));
  await second.getByLabel("Name").fill("Mia Elsewhere");
  await second.getByLabel("Email").fill(email);
  await second.getByLabel(/Password/).fill("acme-secret-22");
  await second.getByRole("button", { name: "Create account" }).click();
  await expect(second.getByTestId("account-name")).toHaveText("Mia Elsewhere");

  // Initech's password does not open the Acme account, and vice versa.
  const third = await browser.newPage();
  await signIn(third, "acme.localhost", email, "initech-secret-1");
  await expect(third.getByTestId("form-error")).toHaveText(/don't match an account here/);

  // Signing up twice in one tenant is refused with a message that helps.
  await first.context().clearCookies();
  await first.goto(at("initech.localhost", "/sign-up"));
  await first.getByLabel("Name").fill("Mia Again");
  await first.getByLabel("Email").fill(email);
  await first.getByLabel(/Password/).fill("initech-secret-1");
  await first.getByRole("button", { name: "Create account" }).click();
  await expect(first.getByTestId("form-error")).toHaveText(/already exists here/);
});

test("signing out ends the session", async ({ page, context }) => {
  await signIn(page, "initech.localhost", "dean@initech.example");
  await expect(page).toHaveURL(/\/account$/);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(at("initech.localhost", "/"));
  await page.goto(at("initech.localhost", "/account"));
  await expect(page).toHaveURL(/\/sign-in/);
  void context;
});

test("an expired sign-in link is refused with a message that says what to do", async ({ page }) => {
  await page.goto(at("acme.localhost", "/sign-in"));
  const form = page.locator("form").filter({ hasText: "Email me a sign-in link" });
  await form.getByLabel("Email").fill("sam@acme.example");
  await form.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByTestId("link-request-result")).toContainText("If that address has an account here");
  await adminSql(
    "t_acme",
    `UPDATE "LoginToken" SET "expiresAt" = now() - interval '1 minute' WHERE email = $1 AND "usedAt" IS NULL`,
    ["sam@acme.example"],
  );

  await openOutbox(page, "sam@acme.example");
  const link = /https?:\/\/\S+\/sign-in\/link\?token=\S+/.exec(
    await page.getByTestId("outbox-text").first().innerText(),
  )?.[0];
  expect(link).toMatch(new RegExp(`^http://learn\\.acme\\.localhost:${port}/`)); // acme's primary registered domain
  await page.goto(link!);
  await page.getByRole("button", { name: "Continue to sign in" }).click();
  await expect(page.getByTestId("form-error")).toHaveText(/expired or was already used\. Ask for a new one/);
  expect((await page.context().cookies()).some((c) => c.name === "portico.session")).toBe(false);
});

test("a tenant that takes no sign-ups says so, and its sign-up action refuses too", async ({ page }) => {
  await page.goto(at("globex.localhost", "/sign-in"));
  await expect(page.getByRole("link", { name: "Create an account" })).toHaveCount(0);
  await page.goto(at("globex.localhost", "/sign-up"));
  await expect(page.locator("main")).toContainText("does not take sign-ups here");
  await expect(page.getByRole("button", { name: "Create account" })).toHaveCount(0);
  // Positive control: acme does take them.
  await page.goto(at("acme.localhost", "/sign-in"));
  await expect(page.getByRole("link", { name: "Create an account" })).toBeVisible();
});
