import { expect, test, type Page } from "@playwright/test";
import { adminSql } from "./cli.ts";
import { at } from "./hosts.ts";

async function signUp(page: Page, email: string) {
  await page.goto(at("initech.localhost", "/sign-up"));
  await page.getByLabel("Name").fill("Rita Revoked");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/Password/).fill("initech-secret-1");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("account-email")).toHaveText(email);
}

test("a deactivated user is signed out on their next request", async ({ browser }) => {
  const email = `deactivate-${Date.now()}@example.com`;
  const page = await browser.newPage();
  await signUp(page, email);
  const bystander = await browser.newPage();
  await signUp(bystander, `bystander-${Date.now()}@example.com`);

  await adminSql("t_initech", `UPDATE "User" SET active = false WHERE email = $1`, [email]);
  await page.goto(at("initech.localhost", "/account"));
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Faccount$/);
  await bystander.goto(at("initech.localhost", "/account"));
  await expect(bystander.getByTestId("account-name")).toHaveText("Rita Revoked"); // positive control

  // And cannot sign in again.
  await page.getByLabel("Email").first().fill(email);
  await page.getByLabel("Password").fill("initech-secret-1");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("form-error")).toContainText("don't match");
});

test("bumping a user's session version ends every session they hold", async ({ browser }) => {
  const email = `version-${Date.now()}@example.com`;
  const page = await browser.newPage();
  await signUp(page, email);
  await adminSql("t_initech", `UPDATE "User" SET "sessionVersion" = "sessionVersion" + 1 WHERE email = $1`, [email]);
  await page.goto(at("initech.localhost", "/account"));
  await expect(page).toHaveURL(/\/sign-in/);
});
