import { expect, test, type Page } from "@playwright/test";
import { samlSigningKey, startSamlIdp, type SamlIdp } from "../test/support/saml-idp.ts";
import { adminQuery, adminSql, controlQuery } from "./cli.ts";
import { signedIn, tenantWithUsers } from "./fixtures.ts";
import { at, port, signInAgency } from "./hosts.ts";

/**
 * SAML sign-in in Chromium (docs/decisions/043, security cases 77, 94–98): two tenants, each with
 * its own real IdP started here. Tenant A's owner connects A's IdP through the settings form (an
 * expired certificate refused at save), runs the test sign-in and turns it on; the first sign-in
 * from the sign-in page's button creates the member with the role their IdP group maps to, the
 * second finds them, and a user of the other tenant's IdP is refused (and audited). The agency
 * edits tenant B's connection on its page.
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
  // A is connected by its owner through the form (the first test); B directly.
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

test("the owner connects the IdP in Settings: checked at save, tested, then turned on", async ({ browser }) => {
  const host = hostOf(slugA);
  const owner = await signedIn(browser, host, "owner@samla.example");
  await owner.goto(at(host, "/manage/settings#saml"));
  const section = owner.locator("#saml");
  // What to give the IdP: this portal's names on its registered host.
  await expect(section.getByTestId("saml-sp-acs-url")).toHaveText(sp(slugA).acsUrl, COMPILE);
  await expect(section.getByTestId("saml-sp-entity-id")).toHaveText(sp(slugA).entityId);
  await expect(section.getByTestId("saml-sp-metadata-url")).toHaveText(sp(slugA).entityId);

  // An expired certificate is refused beside its field; what was typed stays, nothing is stored.
  const expired = samlSigningKey({ notBefore: new Date("2024-01-01Z"), notAfter: new Date("2025-06-30T12:00:00Z") });
  await section.getByLabel("Name on the sign-in button").fill("Acme SAML");
  await section.getByLabel("IdP entity id").fill(idpA.entityId);
  await section.getByLabel("IdP single sign-on URL").fill(idpA.ssoUrl);
  await section.getByLabel("IdP signing certificate").fill(expired.certificate);
  await section.getByLabel("Group mapping").fill("events-team = staff");
  await section.getByRole("button", { name: "Save SAML connection" }).click();
  await expect(section.getByTestId("error-idpCertificate")).toHaveText(
    "The certificate expired on 2025-06-30; upload the IdP's current one.",
  );
  await expect(section.getByLabel("IdP entity id")).toHaveValue(idpA.entityId);
  await expect(section.getByLabel("Group mapping")).toHaveValue("events-team = staff");
  expect(await adminQuery(dbOf(slugA), `SELECT 1 FROM "SamlConfig"`)).toEqual([]);

  // The IdP's current certificate (positive control): saved, off until tested.
  await section.getByLabel("IdP signing certificate").fill(idpA.certificate);
  await section.getByRole("button", { name: "Save SAML connection" }).click();
  await expect(section.getByTestId("saml-message")).toContainText("Run a test sign-in");
  await owner.reload();
  await expect(section.getByTestId("saml-status")).toContainText("off");
  await expect(section.getByTestId("saml-certificate-fingerprint")).toHaveText(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  await expect(section.getByTestId("saml-certificate-subject")).toContainText("CN=");

  // Not tested yet: it cannot be turned on, and the sign-in page does not offer it.
  await section.getByRole("button", { name: "Turn on for members" }).click();
  await expect(section.getByTestId("form-error").first()).toContainText("test sign-in");
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(at(host, "/sign-in"));
  await expect(visitor.getByLabel("Password")).toBeVisible(COMPILE);
  await expect(visitor.getByTestId("saml-sign-in")).toHaveCount(0);

  // The test runs the real flow at the IdP; the owner stays herself and no one is created.
  await section.getByRole("button", { name: "Test sign-in" }).click();
  await atIdp(owner, "tester@samla.example", "events-team");
  await expect(owner.getByTestId("saml-test-result")).toContainText("Staff", COMPILE);
  await expect(owner.getByTestId("saml-tested")).toContainText("test sign-in succeeded");
  expect(await usersNamed(slugA, "tester@samla.example")).toEqual([]);
  await owner.locator("#saml").getByRole("button", { name: "Turn on for members" }).click();
  await expect(owner.getByTestId("saml-message")).toContainText("SAML sign-in is on");

  // Offered beside the password, never instead of it.
  await visitor.reload();
  await expect(visitor.getByRole("link", { name: "Sign in with Acme SAML" })).toBeVisible();
  await expect(visitor.getByLabel("Password")).toBeVisible();
  await owner.context().close();
  await visitor.context().close();
});

test("the first SAML sign-in creates the member with their group's role; the second finds them", async ({
  browser,
}) => {
  const email = "sam@samla.example";
  expect(await usersNamed(slugA, email)).toEqual([]);
  for (const round of [1, 2]) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(at(hostOf(slugA), "/sign-in?callbackUrl=/account"));
    await page.getByRole("link", { name: "Sign in with Acme SAML" }).click();
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
  // The refusal is in tenant A's audit trail, with its reason.
  const [tenantA] = await controlQuery<{ id: string }>(`SELECT id FROM "Tenant" WHERE slug = $1`, [slugA]);
  const refused = await controlQuery<{ details: { code: string; reason: string } }>(
    `SELECT details FROM "AuditEntry" WHERE "tenantId" = $1 AND action = 'tenant.saml.refused'`,
    [tenantA?.id],
  );
  expect(refused.map((r) => r.details.code)).toEqual(["bad-signature"]);
  expect(refused[0]?.details.reason).toContain("failed its signature check");
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

test("the agency edits tenant B's SAML connection on its page, audited against B", async ({ page, browser }) => {
  await signInAgency(page);
  await page.waitForURL((u) => u.pathname === "/");
  await page.goto(at("admin.localhost", `/tenants/${slugB}`));
  const section = page.getByTestId("tenant-saml");
  await expect(section.getByTestId("saml-sp-acs-url")).toHaveText(sp(slugB).acsUrl, COMPILE);
  await expect(section.getByLabel("IdP entity id")).toHaveValue(idpB.entityId);
  // A bad URL is refused beside its field; the IdP stays as it was.
  await section.getByLabel("IdP single sign-on URL").fill("http://idp.example/sso");
  await section.getByRole("button", { name: "Save SAML connection" }).click();
  await expect(section.getByTestId("error-idpSsoUrl")).toContainText("https://");
  expect(await adminQuery(dbOf(slugB), `SELECT "idpSsoUrl" FROM "SamlConfig"`)).toEqual([{ idpSsoUrl: idpB.ssoUrl }]);
  // Only the button's name (positive control): saved, still on, no new test needed.
  await section.getByLabel("IdP single sign-on URL").fill(idpB.ssoUrl);
  await section.getByLabel("Name on the sign-in button").fill("Globex SAML");
  await section.getByRole("button", { name: "Save SAML connection" }).click();
  await expect(section.getByTestId("saml-message")).toHaveText("Saved.");
  const [tenant] = await controlQuery<{ id: string }>(`SELECT id FROM "Tenant" WHERE slug = $1`, [slugB]);
  const audited = await controlQuery<{ action: string }>(
    `SELECT action FROM "AuditEntry" WHERE "tenantId" = $1 AND action LIKE 'agency.tenant-saml.%'`,
    [tenant?.id],
  );
  expect(audited.map((a) => a.action)).toEqual(["agency.tenant-saml.save"]);
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(at(hostOf(slugB), "/sign-in"));
  await expect(visitor.getByRole("link", { name: "Sign in with Globex SAML" })).toBeVisible(COMPILE);
  await visitor.context().close();
});
