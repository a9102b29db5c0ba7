import { expect, test, type Page } from "@playwright/test";
import { startSamlIdp, type SamlIdp } from "../test/support/saml-idp.ts";
import { adminQuery, adminSql } from "./cli.ts";
import { tenantWithUsers } from "./fixtures.ts";
import { at, port } from "./hosts.ts";

/**
 * SAML sign-in in Chromium (docs/decisions/043, security case 77): two tenants, each with its own
 * real IdP started here. The first sign-in creates the member with the role their IdP group maps
 * to, the second finds them, and a user of the other tenant's IdP is refused.
 */

// In order, in one worker: the tenants and IdPs are made once.
test.describe.configure({ mode: "serial" });
test.setTimeout(240_000);
// The first visit of each route compiles it under `next dev`.
const COMPILE = { timeout: 60_000 };

let idpA: SamlIdp;
let idpB: SamlIdp;
let slugA: string;
let slugB: string;
const dbOf = (slug: string) => `t_${slug.replaceAll("-", "_")}`;
const hostOf = (slug: string) => `${slug}.localhost`;
const sp = (slug: string) => ({
  entityId: `http://${hostOf(slug)}:${port}/api/auth/saml/metadata`,
  acsUrl: `http://${hostOf(slug)}:${port}/api/auth/saml/acs`,
});

async function connect(slug: string, idp: SamlIdp) {
  await adminSql(
    dbOf(slug),
    `INSERT INTO "SamlConfig" (id, enabled, "idpEntityId", "idpSsoUrl", "idpCertificate", "roleMapping", "updatedAt")
     VALUES (1, true, $1, $2, $3, $4::jsonb, now())`,
    [idp.entityId, idp.ssoUrl, idp.certificate, JSON.stringify([{ group: "events-team", role: "staff" }])],
  );
}

test.beforeAll(async () => {
  slugA = await tenantWithUsers("samla", [{ email: "owner@samla.example", name: "Owner A", role: "owner" }]);
  slugB = await tenantWithUsers("samlb", [{ email: "owner@samlb.example", name: "Owner B", role: "owner" }]);
  idpA = await startSamlIdp();
  idpB = await startSamlIdp();
  // Each IdP knows both portals, as a shared IdP product would: the portal must refuse, not the IdP.
  for (const idp of [idpA, idpB]) {
    idp.registerServiceProvider(sp(slugA));
    idp.registerServiceProvider(sp(slugB));
  }
  await connect(slugA, idpA);
  await connect(slugB, idpB);
});

test.afterAll(async () => {
  await idpA?.close();
  await idpB?.close();
});

/** At the IdP's sign-in form: signs in as `email` in `groups`; the IdP posts back to the portal. */
async function atIdp(page: Page, email: string, groups = "") {
  await expect(page.getByRole("heading", { name: "Sign in to the test IdP" })).toBeVisible(COMPILE);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Groups (comma-separated)").fill(groups);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function usersNamed(slug: string, email: string) {
  return adminQuery<{ role: string }>(dbOf(slug), `SELECT role::text AS role FROM "User" WHERE email = $1`, [email]);
}

test("the first SAML sign-in creates the member with their group's role; the second finds them", async ({
  browser,
}) => {
  const email = "sam@samla.example";
  expect(await usersNamed(slugA, email)).toEqual([]);
  for (const round of [1, 2]) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(at(hostOf(slugA), "/api/auth/saml/start?returnTo=/account"));
    await atIdp(page, email, "events-team");
    await expect(page).toHaveURL(/\/sign-in\/saml\?ticket=/, COMPILE);
    await page.getByRole("button", { name: "Continue to sign in" }).click();
    await expect(page).toHaveURL(at(hostOf(slugA), "/account"), COMPILE);
    await expect(page.getByTestId("account-email")).toHaveText(email);
    await expect(page.getByTestId("account-role")).toHaveText("staff");
    expect(await usersNamed(slugA, email), `round ${round}`).toEqual([{ role: "staff" }]);
    await context.close();
  }
});

test("a user of another tenant's IdP is refused; that tenant signs them in (positive control)", async ({ browser }) => {
  const email = "lee@samlb.example";
  const context = await browser.newContext();
  const page = await context.newPage();
  // Tenant A's own AuthnRequest, carried to tenant B's IdP, whose user signs in there.
  await page.goto(at(hostOf(slugA), "/api/auth/saml/start?returnTo=/account"));
  await expect(page.getByRole("heading", { name: "Sign in to the test IdP" })).toBeVisible(COMPILE);
  expect(page.url().startsWith(`${idpA.ssoUrl}?SAMLRequest=`)).toBe(true);
  await page.goto(page.url().replace(idpA.ssoUrl, idpB.ssoUrl));
  await atIdp(page, email);
  await expect(page.getByText("failed its signature check")).toBeVisible(COMPILE);
  expect(page.url()).toBe(sp(slugA).acsUrl);
  expect(await usersNamed(slugA, email)).toEqual([]);
  await page.goto(at(hostOf(slugA), "/account"));
  await expect(page).toHaveURL(/\/sign-in/, COMPILE);

  // The same person through their own tenant's portal.
  await page.goto(at(hostOf(slugB), "/api/auth/saml/start?returnTo=/account"));
  await atIdp(page, email);
  await page.getByRole("button", { name: "Continue to sign in" }).click();
  await expect(page).toHaveURL(at(hostOf(slugB), "/account"), COMPILE);
  await expect(page.getByTestId("account-email")).toHaveText(email);
  await expect(page.getByTestId("account-role")).toHaveText("member");
  expect(await usersNamed(slugB, email)).toEqual([{ role: "member" }]);
  await context.close();
});
