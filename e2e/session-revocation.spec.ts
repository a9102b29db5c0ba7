import { hash } from "@node-rs/argon2";
import { expect, test, type Page } from "@playwright/test";
import { adminSql } from "./cli.ts";
import { at, signInAgency } from "./hosts.ts";

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

/** next-auth's own session endpoint, read with the page's cookies. */
async function sessionJson(page: Page, host: string): Promise<Record<string, unknown>> {
  const response = await page.goto(at(host, "/api/auth/session"));
  expect(response?.status()).toBe(200);
  return (await response!.json()) as Record<string, unknown>;
}

test("/api/auth/session answers {} for a deactivated or signed-out-everywhere tenant user; an active user still gets theirs", async ({
  browser,
}) => {
  const stamp = Date.now();
  const [gone, bumped, active] = [
    `session-gone-${stamp}@example.com`,
    `session-bumped-${stamp}@example.com`,
    `session-active-${stamp}@example.com`,
  ];
  const pages = await Promise.all(
    [gone, bumped, active].map(async (email) => {
      const page = await (await browser.newContext()).newPage();
      await signUp(page, email);
      expect(await sessionJson(page, "initech.localhost")).toMatchObject({ user: { email }, uid: expect.any(String) });
      return page;
    }),
  );

  await adminSql("t_initech", `UPDATE "User" SET active = false WHERE email = $1`, [gone]);
  await adminSql("t_initech", `UPDATE "User" SET "sessionVersion" = "sessionVersion" + 1 WHERE email = $1`, [bumped]);
  expect(await sessionJson(pages[0]!, "initech.localhost")).toEqual({});
  expect(await sessionJson(pages[1]!, "initech.localhost")).toEqual({});
  expect(await sessionJson(pages[2]!, "initech.localhost")).toMatchObject({
    user: { email: active, name: "Rita Revoked" },
  }); // positive control
});

test("/api/auth/session answers {} for a deactivated agency user; an active one still gets theirs", async ({
  browser,
}) => {
  const stamp = Date.now().toString(36);
  const [gone, active] = [`gone-${stamp}@agency.localhost`, `kept-${stamp}@agency.localhost`];
  const passwordHash = await hash("agency-session-pw-1");
  for (const email of [gone, active]) {
    await adminSql(
      "portico",
      `INSERT INTO "AgencyUser" (id, email, name, role, "passwordHash", "updatedAt") VALUES (gen_random_uuid(), $1, 'Vic Viewer', 'viewer', $2, now())`,
      [email, passwordHash],
    );
  }
  const pages = await Promise.all(
    [gone, active].map(async (email) => {
      const page = await (await browser.newContext()).newPage();
      await signInAgency(page, email, "agency-session-pw-1");
      await expect(page.getByTestId("agency-user")).toContainText("Vic Viewer");
      expect(await sessionJson(page, "admin.localhost")).toMatchObject({ user: { email } });
      return page;
    }),
  );
  await adminSql(
    "portico",
    `UPDATE "AgencyUser" SET active = false, "sessionVersion" = "sessionVersion" + 1 WHERE email = $1`,
    [gone],
  );
  expect(await sessionJson(pages[0]!, "admin.localhost")).toEqual({});
  expect(await sessionJson(pages[1]!, "admin.localhost")).toMatchObject({ user: { email: active } }); // positive control
});
