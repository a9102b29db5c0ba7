import { expect, test, type Browser, type Page } from "@playwright/test";
import { controlQuery } from "./cli.ts";
import { PASSWORD, signedIn, tenantWithUsers } from "./fixtures.ts";
import { at } from "./hosts.ts";

/**
 * The account basics and server-side sessions in Chromium (docs/decisions/041): forgot/reset
 * password through the outbox, change password, the sessions list across two browsers, and a
 * signed-out cookie replayed. Every account is the test's own, on a tenant of its own.
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
