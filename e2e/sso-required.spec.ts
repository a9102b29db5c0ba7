import { expect as baseExpect, test } from "@playwright/test";
import { adminSql, controlQuery } from "./cli.ts";
import { PASSWORD, signedIn, tenantWithUsers } from "./fixtures.ts";
import { at, signInAgency } from "./hosts.ts";

/**
 * "SSO required for verified domains" (docs/decisions/047) in Chromium: the agency owner confirms
 * the tenant's domain (decision 044), the tenant's owner cannot turn the policy on before single
 * sign-on is enabled and tested, then turns it on with herself as the break-glass owner; a member
 * at the domain is refused a password sign-in with the SSO message and the SSO button beside it,
 * while the break-glass owner still signs in with her password. Security cases 99 and 100.
 */

test.describe.configure({ mode: "serial" });

const expect = baseExpect.configure({ timeout: 30_000 });

let slug: string;
let domain: string;
let owner: string;
let member: string;
const PROVIDER = "Acme Login";

test.beforeAll(async () => {
  test.setTimeout(180_000);
  // Not a reserved name: the server runs as in production, where .example and .test are refused.
  domain = `ssoreq-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}.com`;
  owner = `olive@${domain}`;
  member = `mia@${domain}`;
  slug = await tenantWithUsers("ssoreq", [
    { email: owner, name: "Olive Owner", role: "owner" },
    { email: member, name: "Mia Member", role: "member" },
  ]);
});

test("the owner turns SSO-required on; a member at the domain is refused a password, the break-glass owner is not", async ({
  browser,
  page,
}) => {
  test.setTimeout(300_000);
  const host = `${slug}.localhost`;

  // The agency owner vouches for the domain (decision 044), with a reason for the audit log.
  await signInAgency(page);
  await page.waitForURL((u) => u.pathname === "/");
  await page.goto(at("admin.localhost", `/tenants/${slug}`));
  const confirm = page.getByTestId("confirm-domain-form");
  await confirm.getByLabel("Domain").fill(domain);
  await confirm.getByLabel("Reason (recorded in the audit log)").fill("e2e: their IT confirmed by letter");
  await confirm.getByRole("button", { name: "Confirm domain" }).click();
  await expect(confirm.getByTestId("confirm-domain-message")).toContainText(domain);

  // Before the policy: the member signs in with her password (positive control).
  const before = await signedIn(browser, host, member);
  await before.context().close();

  const ownerPage = await signedIn(browser, host, owner);
  await ownerPage.goto(at(host, "/manage/domains"));
  await expect(ownerPage.locator(`[data-domain="${domain}"]`)).toHaveAttribute("data-verified", "yes");
  const policy = ownerPage.getByTestId("sso-policy");
  await expect(policy.getByTestId("break-glass-advice")).toContainText("second factor");
  await expect(policy.getByTestId("sso-policy-connection")).toHaveAttribute("data-ok", "no");

  // No SSO connection that is enabled and tested: refused, saying what to do.
  await policy.getByLabel("Require single sign-on for verified domains").check();
  await policy.getByLabel("Break-glass owner").selectOption({ label: `Olive Owner (${owner})` });
  await policy.getByRole("button", { name: "Save sign-in policy" }).click();
  await expect(policy.getByTestId("form-error")).toContainText("Set up single sign-on in Settings");
  await expect(policy.getByTestId("sso-policy-status")).toHaveAttribute("data-state", "off");

  // An OIDC connection enabled after a successful test sign-in (set up in Settings in
  // e2e/sso-oidc.spec.ts; stored directly here, as the policy reads only that it is on and tested).
  await adminSql(
    `t_${slug.replaceAll("-", "_")}`,
    `INSERT INTO "SsoConnection" (id, kind, "displayName", issuer, "clientId", enabled, "testedAt", "updatedAt", "updatedBy")
     VALUES (gen_random_uuid(), 'oidc', $1, 'https://idp.invalid', 'portico', true, now(), now(), 'e2e')`,
    [PROVIDER],
  );
  await ownerPage.reload();
  await expect(policy.getByTestId("sso-policy-connection")).toHaveAttribute("data-ok", "yes");
  await policy.getByLabel("Require single sign-on for verified domains").check();
  await policy.getByLabel("Break-glass owner").selectOption({ label: `Olive Owner (${owner})` });
  await policy.getByRole("button", { name: "Save sign-in policy" }).click();
  await expect(policy.getByTestId("domain-message")).toContainText(`${owner} keeps password sign-in`);
  await ownerPage.reload();
  await expect(policy.getByTestId("sso-policy-status")).toHaveAttribute("data-state", "in-force");
  const [tenant] = await controlQuery<{ id: string }>(`SELECT id FROM "Tenant" WHERE slug = $1`, [slug]);
  const audited = await controlQuery<{ actorLabel: string }>(
    `SELECT "actorLabel" FROM "AuditEntry" WHERE "tenantId" = $1 AND action = 'sso-required.on'`,
    [tenant?.id],
  );
  expect(audited.map((a) => a.actorLabel)).toEqual([owner]);

  // The member's right password is refused with the SSO message; the SSO button is beside it.
  const memberPage = await (await browser.newContext()).newPage();
  await memberPage.goto(at(host, "/sign-in"));
  await memberPage.getByLabel("Email").first().fill(member);
  await memberPage.getByLabel("Password").fill(PASSWORD);
  await memberPage.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(memberPage.getByTestId("form-error")).toHaveText(
    `Your organisation requires signing in with ${PROVIDER}. Use the “Sign in with ${PROVIDER}” button.`,
  );
  await expect(memberPage.getByRole("button", { name: `Sign in with ${PROVIDER}` })).toBeVisible();
  await expect(memberPage).toHaveURL(/\/sign-in/);
  expect((await memberPage.context().cookies(at(host))).some((c) => c.name === "portico.session")).toBe(false);

  // The break-glass owner still signs in with her password (in a fresh browser).
  const breakGlass = await signedIn(browser, host, owner);
  await expect(breakGlass.getByTestId("account-role")).toHaveText("owner");
});
