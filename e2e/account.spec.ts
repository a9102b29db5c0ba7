import { hash } from "@node-rs/argon2";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { adminSql, controlQuery } from "./cli.ts";
import { PASSWORD, signedIn, tenantWithUsers } from "./fixtures.ts";
import { at, direct, openOutbox, signInAgency } from "./hosts.ts";

/**
 * The account basics and server-side sessions in Chromium (docs/decisions/041): forgot/reset
 * password through the outbox, change password (the current one required; every other session
 * ends), change email (a link to the new address, a notice to the old), the sessions list across
 * browsers (one ended, or all others), and a signed-out cookie replayed. Every account is the
 * test's own, on a tenant of its own.
 */

/** Mail delivered to `to` on the tenant `slug` (the development transport writes it to the control plane). */
const mailsTo = (email: string, slug: string) =>
  controlQuery<{ subject: string; text: string }>(
    `SELECT subject, text FROM "OutboxMessage" WHERE "toAddress" = $1 AND "tenantId" = (SELECT id FROM "Tenant" WHERE slug = $2) ORDER BY at`,
    [email, slug],
  );

/** The token of the newest mail to `to` whose subject matches, once it has arrived (mail goes through the job queue). */
async function tokenFromMail(email: string, slug: string, subject: RegExp): Promise<string> {
  let token = "";
  await expect
    .poll(
      async () => {
        const mail = (await mailsTo(email, slug)).filter((m) => subject.test(m.subject)).at(-1);
        token = /token=([A-Za-z0-9_-]{43})/.exec(mail?.text ?? "")?.[1] ?? "";
        return token;
      },
      { timeout: 30_000 },
    )
    .not.toBe("");
  return token;
}

/** Signs in through the form with a password; the caller checks where that lands. */
async function signInWith(page: Page, host: string, email: string, password: string) {
  await page.goto(at(host, "/sign-in"));
  await page.getByLabel("Email").first().fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/**
 * Opens the development outbox at the newest mail to `to` whose subject matches, once the job
 * queue has delivered it, and returns that mail's text part.
 */
async function outboxMail(page: Page, to: string, subject: RegExp): Promise<string> {
  await openOutbox(page, to);
  const mail = page
    .getByTestId("outbox-message")
    .filter({ has: page.getByTestId("outbox-subject").getByText(subject) });
  await expect(async () => {
    await page.reload();
    await expect(mail.first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(mail.first().getByTestId("outbox-to")).toHaveText(to);
  return (await mail.first().getByTestId("outbox-text").textContent()) ?? "";
}

async function newPage(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

/** Whether a page's session still holds: its next navigation to /account stays there. */
async function expectSignedOut(page: Page, host: string) {
  await page.goto(at(host, "/account"));
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Faccount$/);
}

test("forgot password: the link from the outbox sets a new password once, signs in fresh and ends every other session", async ({
  browser,
}) => {
  test.setTimeout(150_000); // two sign-ins, mail through the job queue and a reset, on a loaded machine
  const email = "ann@reset.example";
  const slug = await tenantWithUsers("reset", [{ email, name: "Ann Reset", role: "member" }]);
  const host = `${slug}.localhost`;
  const elsewhere = await signedIn(browser, host, email);

  const page = await newPage(browser);
  await page.goto(at(host, "/sign-in"));
  await page.getByTestId("forgot-password").click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  // An address without an account gets the very same answer.
  await page.getByLabel("Email").fill("nobody@reset.example");
  await page.getByRole("button", { name: "Email me a reset link" }).click();
  const answer = page.getByTestId("link-request-result");
  await expect(answer).toContainText("If that address has an account here");
  const unknownAnswer = await answer.textContent();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a reset link" }).click();
  await expect(answer).toHaveText(unknownAnswer!);

  const token = await tokenFromMail(email, slug, /Reset your password/);
  expect(await mailsTo("nobody@reset.example", slug)).toEqual([]);
  await page.goto(at(host, `/reset-password?token=${token}`));
  await expect(page.getByText(email, { exact: true })).toBeVisible();
  await page.getByLabel("New password").fill("a-brand-new-password");
  await page.getByLabel("Repeat the password").fill("a-brand-new-password");
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page.getByTestId("account-email")).toHaveText(email);

  // The session opened before the reset is over.
  await expectSignedOut(elsewhere, host);
  // The link works once, and says what to do instead.
  await page.goto(at(host, `/reset-password?token=${token}`));
  await expect(page.getByTestId("form-error")).toContainText("already been used");
  await expect(page.getByRole("link", { name: "Forgot password?" })).toBeVisible();
  // The new password signs in; the old one no longer does.
  const again = await newPage(browser);
  await again.goto(at(host, "/sign-in"));
  await again.getByLabel("Email").first().fill(email);
  await again.getByLabel("Password").fill(PASSWORD);
  await again.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(again.getByTestId("form-error")).toContainText("don't match");
  await again.getByLabel("Password").fill("a-brand-new-password");
  await again.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(again.getByTestId("account-email")).toHaveText(email);
});

test("a reset link of one tenant is refused on another tenant's host; on its own it works (security case 65)", async ({
  browser,
}) => {
  const email = "bo@both.example";
  const slugA = await tenantWithUsers("reseta", [{ email, name: "Bo A", role: "member" }]);
  const slugB = await tenantWithUsers("resetb", [{ email, name: "Bo B", role: "member" }]);
  const page = await newPage(browser);
  await page.goto(at(`${slugA}.localhost`, "/forgot-password"));
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a reset link" }).click();
  await expect(page.getByTestId("link-request-result")).toBeVisible();
  const token = await tokenFromMail(email, slugA, /Reset your password/);
  await page.goto(at(`${slugB}.localhost`, `/reset-password?token=${token}`));
  await expect(page.getByTestId("form-error")).toContainText("not valid for this portal");
  await expect(page.getByLabel("New password")).toHaveCount(0);
  await page.goto(at(`${slugA}.localhost`, `/reset-password?token=${token}`));
  await expect(page.getByLabel("New password")).toBeVisible();
});

test("sessions list: two browsers, this one marked; ending the other sends it to sign in", async ({ browser }) => {
  const email = "di@sessions.example";
  const slug = await tenantWithUsers("sessions", [{ email, name: "Di Sessions", role: "member" }]);
  const host = `${slug}.localhost`;
  const second = await signedIn(browser, host, email);
  const first = await signedIn(browser, host, email);
  const rows = first.getByTestId("session");
  await expect(rows).toHaveCount(2);
  await expect(first.getByTestId("this-device")).toHaveCount(1);
  await expect(rows.filter({ has: first.getByTestId("this-device") })).toContainText("Chrome on Linux");
  await rows
    .filter({ hasNot: first.getByTestId("this-device") })
    .getByRole("button", { name: "End this session" })
    .click();
  await expect(first.getByTestId("form-message")).toContainText("Signed out 1 session");
  await expect(rows).toHaveCount(1);
  await expectSignedOut(second, host);
  await first.goto(at(host, "/account"));
  await expect(first.getByTestId("account-email")).toHaveText(email); // positive control
});

test("a signed-out session's cookie, replayed, is refused (security case 66)", async ({ browser, request }) => {
  const email = "ed@signout.example";
  const slug = await tenantWithUsers("signout", [{ email, name: "Ed Signout", role: "member" }]);
  const host = `${slug}.localhost`;
  const page = await signedIn(browser, host, email);
  const cookie = (await page.context().cookies(at(host))).find((c) => c.name === "portico.session")!;
  const replay = () => request.get(...direct(host, "/account", { cookie: `${cookie.name}=${cookie.value}` }));
  const before = await replay();
  expect(before.status()).toBe(200); // positive control: the copied cookie works while signed in
  expect(await before.text()).toContain(email);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(at(host, "/"));
  const after = await replay();
  expect(after.status()).toBe(307);
  expect(after.headers()["location"]).toBe("/sign-in?callbackUrl=%2Faccount");
});

test("agency account: signing out everywhere else ends the agency user's other session", async ({ browser }) => {
  const email = `acct-${Date.now().toString(36)}@agency.localhost`;
  await adminSql(
    "portico",
    `INSERT INTO "AgencyUser" (id, email, name, role, "passwordHash", "updatedAt") VALUES (gen_random_uuid(), $1, 'Val Viewer', 'viewer', $2, now())`,
    [email, await hash("agency-account-pw-1")],
  );
  const [first, second] = [await newPage(browser), await newPage(browser)];
  for (const page of [first, second]) {
    await signInAgency(page, email, "agency-account-pw-1");
    await expect(page.getByTestId("agency-user")).toContainText("Val Viewer");
  }
  await first.getByTestId("agency-user").click();
  await expect(first).toHaveURL(at("admin.localhost", "/account"));
  await expect(first.getByTestId("session")).toHaveCount(2);
  await first.getByRole("button", { name: "End all other sessions" }).click();
  await expect(first.getByTestId("form-message")).toContainText("Signed out 1 session");
  await second.goto(at("admin.localhost", "/"));
  await expect(second).toHaveURL(/\/sign-in\?ended=1/);
  await first.goto(at("admin.localhost", "/account"));
  await expect(first.getByTestId("session")).toHaveCount(1); // positive control: this one stays
});

test("change password: a wrong current password is refused and changes nothing; the right one ends every other session", async ({
  browser,
}) => {
  test.setTimeout(180_000); // four sign-ins and a password change, on a loaded machine
  const email = "cy@password.example";
  const slug = await tenantWithUsers("password", [{ email, name: "Cy Password", role: "member" }]);
  const host = `${slug}.localhost`;
  const elsewhere = await signedIn(browser, host, email);
  const page = await signedIn(browser, host, email);
  const form = page.getByTestId("change-password");
  const change = async (current: string) => {
    await form.getByLabel("Current password").fill(current);
    await form.getByLabel("New password (at least 10 characters)").fill("cy-new-password-1");
    await form.getByLabel("Repeat the new password").fill("cy-new-password-1");
    await form.getByRole("button", { name: "Change password" }).click();
  };

  await change("not-my-password");
  await expect(form.getByTestId("form-error")).toContainText("Your current password is not right");
  await expect(form.getByTestId("form-message")).toHaveCount(0);
  // Nothing changed: the other session holds and the old password still signs in.
  await elsewhere.goto(at(host, "/account"));
  await expect(elsewhere.getByTestId("account-email")).toHaveText(email);
  const check = await newPage(browser);
  await signInWith(check, host, email, PASSWORD);
  await expect(check.getByTestId("account-email")).toHaveText(email);

  // Positive control beside it: with the right current password the change is made; the two
  // other sessions (elsewhere's and check's) end, this one stays.
  await change(PASSWORD);
  await expect(form.getByTestId("form-message")).toHaveText("Password changed. 2 other sessions were signed out.");
  await expectSignedOut(elsewhere, host);
  await expectSignedOut(check, host);
  await page.goto(at(host, "/account"));
  await expect(page.getByTestId("account-email")).toHaveText(email);
  await expect(page.getByTestId("session")).toHaveCount(1);

  // The old password no longer signs in; the new one does.
  const again = await newPage(browser);
  await signInWith(again, host, email, PASSWORD);
  await expect(again.getByTestId("form-error")).toContainText("don't match");
  await signInWith(again, host, email, "cy-new-password-1");
  await expect(again.getByTestId("account-email")).toHaveText(email);
});

test("change email: the link goes to the new address and a notice to the old; once used, only the new address signs in", async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
  const oldEmail = `fay-${tag}@old.example`;
  const newEmail = `fay-${tag}@new.example`;
  const slug = await tenantWithUsers("newmail", [{ email: oldEmail, name: "Fay Moves", role: "member" }]);
  const host = `${slug}.localhost`;
  const page = await signedIn(browser, host, oldEmail);
  const form = page.getByTestId("change-email");
  await form.getByLabel("New email address").fill(newEmail);
  await form.getByRole("button", { name: "Send a confirmation link" }).click();
  await expect(form.getByTestId("form-message")).toContainText(`We have emailed a confirmation link to ${newEmail}`);

  // The confirmation link is mailed to the new address; the old one is told, with no link.
  const outbox = await newPage(browser);
  const confirmation = await outboxMail(outbox, newEmail, /^Confirm your new email address for /);
  const link = /\/account\/email\?token=[A-Za-z0-9_-]{43}/.exec(confirmation)?.[0];
  expect(link, confirmation).toBeTruthy();
  const notice = await outboxMail(outbox, oldEmail, /is being changed$/);
  expect(notice).toContain(newEmail);
  expect(notice).not.toContain("token=");

  // Nothing changes before the link is used: the new address does not sign in yet.
  const before = await newPage(browser);
  await signInWith(before, host, newEmail, PASSWORD);
  await expect(before.getByTestId("form-error")).toContainText("don't match");

  await page.goto(at(host, link!));
  await expect(page.getByText(newEmail, { exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Confirm this address" }).click();
  await expect(page.getByTestId("form-message")).toHaveText(
    `Your email address is now ${newEmail}. Sign in with it from now on.`,
  );
  // The link works once.
  await page.goto(at(host, link!));
  await expect(page.getByTestId("form-error")).toContainText("already been used");
  await page.goto(at(host, "/account"));
  await expect(page.getByTestId("account-email")).toHaveText(newEmail);

  // The old address no longer signs in; the new one does.
  const after = await newPage(browser);
  await signInWith(after, host, oldEmail, PASSWORD);
  await expect(after.getByTestId("form-error")).toContainText("don't match");
  await signInWith(after, host, newEmail, PASSWORD);
  await expect(after.getByTestId("account-email")).toHaveText(newEmail);
});

test("sessions list: ending all other sessions sends both other browsers to sign in; this one stays", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const email = "gil@others.example";
  const slug = await tenantWithUsers("others", [{ email, name: "Gil Others", role: "member" }]);
  const host = `${slug}.localhost`;
  const [second, third] = [await signedIn(browser, host, email), await signedIn(browser, host, email)];
  const first = await signedIn(browser, host, email);
  await expect(first.getByTestId("session")).toHaveCount(3);
  await first.getByRole("button", { name: "End all other sessions" }).click();
  await expect(first.getByTestId("form-message")).toHaveText("Signed out 2 sessions.");
  await expect(first.getByTestId("session")).toHaveCount(1);
  await expect(first.getByTestId("this-device")).toHaveCount(1);
  await expect(first.getByRole("button", { name: "End all other sessions" })).toHaveCount(0);
  await expectSignedOut(second, host);
  await expectSignedOut(third, host);
  await first.goto(at(host, "/account"));
  await expect(first.getByTestId("account-email")).toHaveText(email); // positive control
});
