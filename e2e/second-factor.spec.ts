import { expect, test, type Browser, type Page } from "@playwright/test";
import { generate } from "otplib";
import { adminQuery } from "./cli.ts";
import { PASSWORD, signedIn, tenantWithUsers } from "./fixtures.ts";
import { at } from "./hosts.ts";

/**
 * Two-step verification in Chromium (docs/decisions/045): a portal's owner requires it for staff;
 * open sessions are asked at their next page; people set up an authenticator app at sign-in and
 * get ten recovery codes; the next sign-in needs a code, a recovery code (once) or a passkey from
 * Chromium's virtual authenticator; members, whom the policy does not cover, are not asked.
 */

test.describe.configure({ mode: "serial" });
test.setTimeout(120_000);

/** The app's code at `epoch` (seconds; now by default). */
const codeFor = (secret: string, epoch = Math.floor(Date.now() / 1000)) =>
  generate({ secret, epoch }) as unknown as Promise<string>;

/** A code of a later time step than `usedAt`'s (that one is spent), and still within the tolerance. */
const freshCode = (secret: string, usedAt: number) => {
  const now = Math.floor(Date.now() / 1000);
  return codeFor(secret, Math.floor(now / 30) > Math.floor(usedAt / 30) ? now : usedAt + 30);
};

async function passwordStep(browser: Browser, host: string, email: string, goTo = "/account"): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(at(host, `/sign-in?callbackUrl=${encodeURIComponent(goTo)}`));
  await page.getByLabel("Email").first().fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(/\/sign-in\/second-factor\?callbackUrl=/);
  await expect(page.getByTestId("second-factor-for")).toContainText(email);
  return page;
}

/** Sets up an authenticator app on the sign-in step; returns its secret and the recovery codes. */
async function enrolAtSignIn(page: Page): Promise<{ secret: string; codes: string[]; at: number }> {
  await expect(page.getByTestId("second-factor-required")).toBeVisible();
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
  await expect(page.getByTestId("totp-enrol").locator("svg")).toBeVisible();
  const at = Math.floor(Date.now() / 1000);
  await page.getByLabel("Code from your authenticator app").fill(await codeFor(secret, at));
  await page.getByRole("button", { name: "Confirm" }).click();
  const codes = page.getByTestId("recovery-code");
  await expect(codes).toHaveCount(10);
  return { secret, codes: await codes.allTextContents(), at };
}

let host = "";
let slug = "";
const TENANT = `"tenantId" = (SELECT id FROM "Tenant" WHERE slug = $1)`;
let staff: { secret: string; codes: string[]; at: number } = { secret: "", codes: [], at: 0 };

test("an owner requires two-step for staff; open sessions and new sign-ins set it up", async ({ browser }) => {
  slug = await tenantWithUsers("twostep", [
    { email: "owner@twostep.example", name: "Olga Owner", role: "owner" },
    { email: "admin@twostep.example", name: "Adam Admin", role: "admin" },
    { email: "staff@twostep.example", name: "Stan Staff", role: "staff" },
    { email: "member@twostep.example", name: "Meg Member", role: "member" },
  ]);
  host = `${slug}.localhost`;

  // An admin may not choose the policy: only owners see it (the action is an owner's too).
  const admin = await signedIn(browser, host, "admin@twostep.example");
  await admin.goto(at(host, "/manage/settings"));
  await expect(admin.getByTestId("portal-settings")).toBeVisible();
  await expect(admin.getByTestId("second-factor-policy")).toHaveCount(0);

  // An owner without a factor of their own is told to set one up first: the policy covers them too.
  const owner = await signedIn(browser, host, "owner@twostep.example");
  await owner.goto(at(host, "/manage/settings"));
  const policy = owner.getByTestId("second-factor-policy");
  await expect(policy.getByLabel("Nobody (each person may turn it on)")).toBeChecked();
  await policy.getByLabel("Staff, admins and owners").check();
  await policy.getByRole("button", { name: "Save" }).click();
  await expect(policy.getByTestId("form-error")).toContainText(
    "Turn on two-step verification for your own account first",
  );

  // On the account page the owner sets up an app (QR code, first code, ten recovery codes)...
  await owner.goto(at(host, "/account"));
  const section = owner.getByTestId("second-factors");
  await expect(section.getByTestId("second-factor-status")).toHaveAttribute("data-enrolled", "no");
  await section.getByRole("button", { name: "Set up an authenticator app" }).click();
  const secret = (await section.getByTestId("totp-secret").textContent())!.trim();
  await section.getByLabel("Code from your authenticator app").fill(await codeFor(secret));
  await section.getByRole("button", { name: "Confirm" }).click();
  await expect(section.getByTestId("recovery-code")).toHaveCount(10);

  // ...and then may require it (the positive control of the refusal above), which is audited.
  await owner.goto(at(host, "/manage/settings"));
  await policy.getByLabel("Staff, admins and owners").check();
  await policy.getByRole("button", { name: "Save" }).click();
  await expect(policy.getByTestId("settings-message")).toBeVisible();
  const [audit] = await adminQuery<{ details: { from: string; to: string } }>(
    "portico",
    `SELECT details FROM "AuditEntry" WHERE action = 'tenant.second-factor-policy' AND ${TENANT}`,
    [slug],
  );
  expect(audit?.details).toEqual({ from: "none", to: "staff" });
  // The owner proved their factor in this session: it carries on.
  await owner.goto(at(host, "/manage"));
  await expect(owner).toHaveURL(at(host, "/manage"));

  // The admin's session, open since before the policy, is asked at its next page and sets up an app there.
  await admin.goto(at(host, "/manage"));
  await admin.waitForURL(/\/sign-in\/second-factor\?callbackUrl=%2Fmanage$/);
  await enrolAtSignIn(admin);
  await admin.getByTestId("continue").click();
  await admin.waitForURL(at(host, "/manage"));

  // Staff: the password leads to the second step, which sets up the app and shows ten codes.
  const page = await passwordStep(browser, host, "staff@twostep.example", "/manage");
  staff = await enrolAtSignIn(page);
  expect(new Set(staff.codes).size).toBe(10);
  await page.getByTestId("continue").click();
  await page.waitForURL(at(host, "/manage"));

  // Positive control of the policy: a member signs in with the password alone.
  const member = await signedIn(browser, host, "member@twostep.example");
  await expect(member.getByTestId("second-factor-status")).toHaveAttribute("data-enrolled", "no");
});

test("the next sign-in needs a fresh code; a used one, a wrong one and a reused recovery code are refused", async ({
  browser,
}) => {
  const page = await passwordStep(browser, host, "staff@twostep.example", "/manage");
  // Half signed in: the private pages send it back here, whatever it asks for; the last one asked
  // for is where the second step leads.
  for (const path of ["/account", "/manage/team", "/registrations", "/manage"]) {
    await page.goto(at(host, path));
    await page.waitForURL(/\/sign-in\/second-factor\?callbackUrl=/);
  }
  const form = page.getByTestId("totp-form");
  const attempt = async (code: string) => {
    await form.getByLabel("Code from your authenticator app").fill(code);
    await form.getByRole("button", { name: "Verify" }).click();
  };
  await attempt("000000");
  await expect(form.getByTestId("form-error")).toContainText("not right");
  // The code the enrolment used counts no more (a fresh page, so the error is this attempt's).
  await page.reload();
  await attempt(await codeFor(staff.secret, staff.at));
  await expect(form.getByTestId("form-error")).toContainText("not right, or was already used");
  await expect(page).toHaveURL(/\/sign-in\/second-factor/);
  // A fresh one lets them in, to where they were going.
  await attempt(await freshCode(staff.secret, staff.at));
  await page.waitForURL(at(host, "/manage"));

  // A recovery code works once.
  const first = await passwordStep(browser, host, "staff@twostep.example", "/account");
  await first.getByText("Use a recovery code instead").click();
  await first.getByLabel("Recovery code").fill(staff.codes[0]!);
  await first.getByTestId("recovery-form").getByRole("button", { name: "Verify" }).click();
  await first.waitForURL(at(host, "/account"));
  await expect(first.getByTestId("recovery-left")).toHaveText("9 recovery codes left.");

  const again = await passwordStep(browser, host, "staff@twostep.example", "/account");
  await again.getByText("Use a recovery code instead").click();
  await again.getByLabel("Recovery code").fill(staff.codes[0]!);
  await again.getByTestId("recovery-form").getByRole("button", { name: "Verify" }).click();
  await expect(again.getByTestId("recovery-form").getByTestId("form-error")).toContainText("already used");
  // Positive control: the next code of the list is accepted on the same page.
  await again.getByLabel("Recovery code").fill(staff.codes[1]!.toLowerCase().replaceAll("-", " "));
  await again.getByTestId("recovery-form").getByRole("button", { name: "Verify" }).click();
  await again.waitForURL(at(host, "/account"));
});

test("a passkey added on the account page is the second step of the next sign-in", async ({ browser }) => {
  // Signed in fully (a recovery code), the staff member adds a passkey from Chromium's virtual authenticator.
  const page = await passwordStep(browser, host, "staff@twostep.example", "/account");
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  await page.getByText("Use a recovery code instead").click();
  await page.getByLabel("Recovery code").fill(staff.codes[2]!);
  await page.getByTestId("recovery-form").getByRole("button", { name: "Verify" }).click();
  await page.waitForURL(at(host, "/account"));
  const add = page.getByTestId("add-passkey");
  await add.getByLabel("Passkey name").fill("Virtual key");
  await add.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.getByTestId("passkey")).toContainText("Virtual key");

  // Sign out and in again in the same browser (the authenticator holds the key): the passkey is the step.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(at(host, "/"));
  await page.goto(at(host, "/sign-in?callbackUrl=%2Fmanage"));
  await page.getByLabel("Email").first().fill("staff@twostep.example");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(/\/sign-in\/second-factor/);
  await page.getByRole("button", { name: "Use a passkey" }).click();
  await page.waitForURL(at(host, "/manage"));

  const [row] = await adminQuery<{ n: string }>(
    "portico",
    `SELECT count(*)::text AS n FROM "AuditEntry" WHERE action = 'tenant-user.second-factor' AND details->>'kind' = 'passkey' AND ${TENANT}`,
    [slug],
  );
  expect(row?.n).toBe("1");
});
