import { expect as baseExpect, test, type Browser, type Page } from "@playwright/test";
import { startOidcIdp, type TestIdp } from "../test/support/oidc-idp.ts";
import { adminQuery, controlQuery } from "./cli.ts";
import { PASSWORD, tenantWithUsers } from "./fixtures.ts";
import { at, port, signInAgency } from "./hosts.ts";

/**
 * Single sign-on per tenant with real OpenID Connect providers (`oidc-provider`, one per tenant,
 * started here on free ports; the Next server reaches them over HTTP): the owner configures it in
 * Settings (a wrong issuer and an unreachable discovery URL refused at save), tests it, turns it
 * on; a new member signs in just in time with the role their group maps to, and is the same
 * member the next time; the agency configures tenant B on its page, and a user of B's provider
 * signs in to B but is refused at A. Security cases 70, 71, 73.
 */

test.describe.configure({ mode: "serial" });

// Each step crosses Portico and a provider, often twice: give a loaded machine time.
const expect = baseExpect.configure({ timeout: 45_000 });

/** A password sign-in (the owner's), waiting as long as the steps below do. */
async function signedIn(browser: Browser, host: string, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(at(host, "/sign-in"));
  await page.getByLabel("Email").first().fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("account-email")).toHaveText(email);
  return page;
}

let idp: TestIdp;
/** Tenant B's own identity provider: another organisation's, with its own users. */
let idpB: TestIdp;
let slugA: string;
let slugB: string;
const SECRET_A = "e2e-secret-of-tenant-a";
const SECRET_B = "e2e-secret-of-tenant-b";
const callback = (slug: string) => `http://${slug}.localhost:${port}/api/auth/callback/oidc`;

test.beforeAll(async () => {
  // Two tenants created through the CLI: slow on a loaded machine.
  test.setTimeout(180_000);
  slugA = await tenantWithUsers("ssoa", [{ email: "olive@ssoa.example", name: "Olive Owner", role: "owner" }]);
  slugB = await tenantWithUsers("ssob", [{ email: "otto@ssob.example", name: "Otto Owner", role: "owner" }]);
  idp = await startOidcIdp({
    users: [
      {
        sub: "e2e-nina",
        username: "nina",
        password: "nina-pw",
        email: `nina@${slugA}.example`,
        emailVerified: true,
        name: "Nina Staff",
        groups: ["portico-staff"],
      },
    ],
    clients: [{ clientId: "tenant-a", clientSecret: SECRET_A, redirectUris: [callback(slugA)] }],
  });
  idpB = await startOidcIdp({
    users: [
      {
        sub: "e2e-bob",
        username: "bob",
        password: "bob-pw",
        email: `bob@${slugB}.example`,
        emailVerified: true,
        name: "Bob of B",
        groups: ["portico-admins"],
      },
    ],
    clients: [{ clientId: "tenant-b", clientSecret: SECRET_B, redirectUris: [callback(slugB)] }],
  });
});

test.afterAll(async () => {
  await idp?.close();
  await idpB?.close();
});

/** The IdP's own sign-in form, when it asks (a session at the IdP skips it). */
async function atIdp(page: Page, username: string, password: string) {
  await expect(page.getByRole("heading", { name: "Test identity provider" })).toBeVisible();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Continue" }).click();
}

async function fillConnection(page: Page, issuer: string, clientId: string, secret: string) {
  await page.getByLabel("Button name").fill("Corp Login");
  await page.getByLabel("Issuer URL").fill(issuer);
  await page.getByLabel("Client id").fill(clientId);
  await page.getByLabel("Client secret").fill(secret);
  await page.getByLabel("Scopes").fill("openid email profile groups");
  await page.getByLabel("Role claim").fill("groups");
  await page.getByLabel("Role mapping").fill("portico-staff = staff\nportico-admins = admin");
}

test("the owner sets up SSO, tests it and turns it on; a new member signs in just in time as staff, twice as the same member", async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const hostA = `${slugA}.localhost`;
  const owner = await signedIn(browser, hostA, "olive@ssoa.example");
  await owner.goto(at(hostA, "/manage/settings#sso"));
  await expect(owner.getByTestId("sso-redirect-uris")).toContainText(callback(slugA));

  // A wrong issuer is refused at save, beside its field, and nothing is stored (security case 73).
  await fillConnection(owner, `${idp.issuer}/wrong`, "tenant-a", SECRET_A);
  await owner.getByRole("button", { name: "Save connection" }).click();
  await expect(owner.getByTestId("error-issuer")).toContainText("check the issuer URL");
  await expect(owner.getByTestId("sso-status")).toHaveCount(0);
  // An unreachable discovery URL (nothing listens there) is refused the same way.
  await owner.getByLabel("Issuer URL").fill("http://127.0.0.1:9");
  await owner.getByLabel("Client secret").fill(SECRET_A);
  await owner.getByRole("button", { name: "Save connection" }).click();
  await expect(owner.getByTestId("error-issuer")).toContainText("Could not reach the identity provider");
  await expect(owner.getByTestId("sso-status")).toHaveCount(0);

  await owner.getByLabel("Issuer URL").fill(idp.issuer);
  await owner.getByLabel("Client secret").fill(SECRET_A);
  await owner.getByRole("button", { name: "Save connection" }).click();
  await expect(owner.getByTestId("sso-message")).toContainText("Run a test sign-in");
  await owner.reload();
  await expect(owner.getByTestId("sso-status")).toContainText("off");
  // The secret is never shown back.
  await expect(owner.getByLabel("Client secret")).toHaveValue("");
  expect(await owner.content()).not.toContain(SECRET_A);

  // Not yet tested: it cannot be turned on, and the sign-in page does not offer it.
  await owner.getByRole("button", { name: "Turn on for members" }).click();
  await expect(owner.getByTestId("form-error").first()).toContainText("test sign-in");

  // The test runs the real flow and keeps the owner signed in as herself.
  await owner.getByRole("button", { name: "Test sign-in" }).click();
  await atIdp(owner, "nina", "nina-pw");
  await expect(owner.getByTestId("sso-test-result")).toContainText("Staff");
  await expect(owner.getByTestId("sso-tested")).toContainText("test sign-in succeeded");
  await owner.getByRole("button", { name: "Turn on for members" }).click();
  await expect(owner.getByTestId("sso-message")).toContainText("Single sign-on is on");
  const db = `t_${slugA.replaceAll("-", "_")}`;
  expect(await adminQuery(db, `SELECT 1 FROM "User" WHERE email = $1`, [`nina@${slugA}.example`])).toHaveLength(0);

  // A new member: created at the first sign-in, staff from the group, so Manage is there.
  const member = await (await browser.newContext()).newPage();
  await member.goto(at(hostA, "/sign-in"));
  // Beside the password, never instead of it: a broken provider cannot lock the portal out.
  await expect(member.getByLabel("Password")).toBeVisible();
  await member.getByRole("button", { name: "Sign in with Corp Login" }).click();
  await atIdp(member, "nina", "nina-pw");
  await expect(member.getByTestId("account-email")).toHaveText(`nina@${slugA}.example`);
  await expect(member.getByTestId("manage-link")).toBeVisible();
  const [first] = await adminQuery<{ id: string; role: string }>(db, `SELECT id, role FROM "User" WHERE email = $1`, [
    `nina@${slugA}.example`,
  ]);
  expect(first?.role).toBe("staff");

  // Signed out and in again: the same member (found by issuer and subject).
  await member.getByRole("button", { name: "Sign out" }).click();
  await member.waitForURL((u) => u.pathname === "/");
  await member.goto(at(hostA, "/sign-in"));
  await member.getByRole("button", { name: "Sign in with Corp Login" }).click();
  // The IdP may remember her (its own session) and send her straight back.
  const idpForm = member.getByRole("heading", { name: "Test identity provider" });
  await expect(member.getByTestId("account-email").or(idpForm)).toBeVisible();
  if (await idpForm.isVisible()) await atIdp(member, "nina", "nina-pw");
  await expect(member.getByTestId("account-email")).toHaveText(`nina@${slugA}.example`);
  const again = await adminQuery<{ id: string }>(db, `SELECT id FROM "User" WHERE email = $1`, [
    `nina@${slugA}.example`,
  ]);
  expect(again.map((u) => u.id)).toEqual([first?.id]);
  expect(
    await adminQuery(db, `SELECT 1 FROM "SsoIdentity" WHERE "userId" = $1 AND subject = 'e2e-nina'`, [first?.id]),
  ).toHaveLength(1);
});

test("the agency sets up tenant B's connection on its page, audited; B's own IdP user signs in to B (positive control)", async ({
  page,
  browser,
}) => {
  test.setTimeout(300_000);
  await signInAgency(page);
  await page.waitForURL((u) => u.pathname === "/");
  await page.goto(at("admin.localhost", `/tenants/${slugB}`));
  const section = page.getByTestId("tenant-sso");
  await fillConnection(page, `${idpB.issuer}/nope`, "tenant-b", SECRET_B);
  await section.getByRole("button", { name: "Save connection" }).click();
  await expect(section.getByTestId("error-issuer")).toBeVisible();
  await page.getByLabel("Issuer URL").fill(idpB.issuer);
  await page.getByLabel("Client secret").fill(SECRET_B);
  await section.getByRole("button", { name: "Save connection" }).click();
  await expect(section.getByTestId("sso-message")).toContainText("A tenant admin runs a test sign-in");
  const [tenant] = await controlQuery<{ id: string }>(`SELECT id FROM "Tenant" WHERE slug = $1`, [slugB]);
  const audited = await controlQuery<{ action: string; details: unknown }>(
    `SELECT action, details FROM "AuditEntry" WHERE "tenantId" = $1 AND action LIKE 'agency.tenant-sso.%'`,
    [tenant?.id],
  );
  expect(audited.map((a) => a.action)).toEqual(["agency.tenant-sso.save"]);
  expect(JSON.stringify(audited)).not.toContain(SECRET_B);

  // B's owner tests it and turns it on; then Bob, a user of B's provider, signs in to B as admin.
  const hostB = `${slugB}.localhost`;
  const owner = await signedIn(browser, hostB, "otto@ssob.example");
  await owner.goto(at(hostB, "/manage/settings#sso"));
  await owner.getByRole("button", { name: "Test sign-in" }).click();
  await atIdp(owner, "bob", "bob-pw");
  await expect(owner.getByTestId("sso-test-result")).toContainText("Admin");
  await owner.getByRole("button", { name: "Turn on for members" }).click();
  await expect(owner.getByTestId("sso-message")).toContainText("Single sign-on is on");
  const bob = await (await browser.newContext()).newPage();
  await bob.goto(at(hostB, "/sign-in"));
  await bob.getByRole("button", { name: "Sign in with Corp Login" }).click();
  await atIdp(bob, "bob", "bob-pw");
  await expect(bob.getByTestId("account-email")).toHaveText(`bob@${slugB}.example`);
  const dbB = `t_${slugB.replaceAll("-", "_")}`;
  expect(
    await adminQuery<{ role: string }>(dbB, `SELECT role FROM "User" WHERE email = $1`, [`bob@${slugB}.example`]),
  ).toEqual([{ role: "admin" }]);
});

test("a user of tenant B's provider is refused on tenant A's callback (security case 71)", async ({ browser }) => {
  test.setTimeout(240_000);
  const hostA = `${slugA}.localhost`;
  const page = await (await browser.newContext()).newPage();
  // Start tenant A's sign-in, but keep the browser from reaching the IdP: A's state, PKCE
  // challenge and nonce are now bound to this browser by A's cookies.
  let authorizeA: URL | null = null;
  await page.route(`${idp.issuer}/**`, async (route) => {
    authorizeA = new URL(route.request().url());
    await route.abort();
  });
  await page.goto(at(hostA, "/sign-in"));
  await page.getByRole("button", { name: "Sign in with Corp Login" }).click();
  await expect.poll(() => authorizeA).not.toBeNull();
  await page.unroute(`${idp.issuer}/**`);

  // Bob, a user of tenant B's own provider, signs in there for B's client, carrying A's state,
  // challenge and nonce (he signed in to B through it above: the positive control).
  const forB = new URL(authorizeA!.pathname + authorizeA!.search, idpB.issuer);
  forB.searchParams.set("client_id", "tenant-b");
  forB.searchParams.set("redirect_uri", callback(slugB));
  // B's provider sends the browser on to B's callback with a redirect, which Playwright's route
  // handlers never see (they get only the first URL of a redirect chain), so the code is read off
  // the request itself. B refuses that request before redeeming anything, as this browser holds
  // none of B's state cookies, and the browser lands on B's sign-in page, signed in nowhere.
  const toB = page.waitForRequest((request) => request.url().startsWith(`${callback(slugB)}?`));
  await page.goto(forB.toString());
  await atIdp(page, "bob", "bob-pw");
  const returnedToB = new URL((await toB).url());
  expect(returnedToB.searchParams.get("code")).toBeTruthy();
  await page.waitForURL((u) => u.host === `${slugB}.localhost:${port}` && u.pathname === "/sign-in");

  // Presented to A's callback, B's code is refused (A redeems codes only at its own provider): no session, a message on A's sign-in page.
  await page.goto(at(hostA, `/api/auth/callback/oidc${returnedToB.search}`));
  await expect(page.getByTestId("form-error").first()).toContainText("Single sign-on did not complete");
  await page.goto(at(hostA, "/account"));
  await expect(page).toHaveURL(/\/sign-in/);
  const dbA = `t_${slugA.replaceAll("-", "_")}`;
  expect(await adminQuery(dbA, `SELECT 1 FROM "User" WHERE email = $1`, [`bob@${slugB}.example`])).toHaveLength(0);
});
