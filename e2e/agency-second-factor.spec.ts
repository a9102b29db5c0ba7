import { hash } from "@node-rs/argon2";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { nextCode } from "./agency-totp.ts";
import { controlQuery } from "./cli.ts";
import { at } from "./hosts.ts";

/**
 * The agency's second factor in Chromium (docs/decisions/046): an operator's first sign-in sets
 * up an authenticator app before any dashboard page, with ten recovery codes shown once; the next
 * sign-in asks for a code; a recovery code works once and is refused the second time.
 */

test.describe.configure({ mode: "serial" });
test.setTimeout(120_000);

const PASSWORD = "agency-operator-pw-1";
const email = `oper-${Date.now().toString(36)}@agency.localhost`;
let secret = "";
let recoveryCodes: string[] = [];

/** The password step in a fresh browser, headed for `goTo`; ends on the second step. */
async function passwordStep(browser: Browser, goTo = "/migrations"): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(at("admin.localhost", goTo));
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(/\/sign-in\/second-factor\?callbackUrl=/);
  await expect(page.getByTestId("second-factor-for")).toContainText(email);
  return page;
}

/** The next code the server takes from the operator's app (a code counts once). */
async function appCode(): Promise<string> {
  const [row] = await controlQuery<{ step: string | null }>(
    `SELECT t."lastUsedStep"::text AS step FROM "AgencyTotp" t JOIN "AgencyUser" u ON u.id = t."agencyUserId" WHERE u.email = $1`,
    [email],
  );
  const next = await nextCode(secret, row?.step ? Number(row.step) : null);
  if (next.waitMs > 0) await new Promise((r) => setTimeout(r, next.waitMs));
  return next.code;
}

test.beforeAll(async () => {
  await controlQuery(
    `INSERT INTO "AgencyUser" (id, email, name, role, "passwordHash", "updatedAt") VALUES (gen_random_uuid(), $1, 'Opal Operator', 'operator', $2, now())`,
    [email, await hash(PASSWORD)],
  );
});

test("an operator's first sign-in sets up an authenticator app before any dashboard page", async ({ browser }) => {
  const page = await passwordStep(browser);
  // Half signed in: every private page sends it back here, the dashboard is not shown.
  await page.goto(at("admin.localhost", "/users"));
  await expect(page).toHaveURL(/\/sign-in\/second-factor\?callbackUrl=/);
  await expect(page.getByTestId("agency-user")).toHaveCount(0);
  await page.goto(at("admin.localhost", "/sign-in/second-factor?callbackUrl=%2Fmigrations"));

  await expect(page.getByTestId("second-factor-required")).toBeVisible();
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  secret = (await page.getByTestId("totp-secret").textContent())!.trim();
  await expect(page.getByTestId("totp-enrol").locator("svg")).toBeVisible();
  // A wrong code is refused with what to do; the right one confirms the app.
  await page.getByLabel("Code from your authenticator app").fill("000000");
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByTestId("form-error")).toContainText("not right");
  await page.getByLabel("Code from your authenticator app").fill(await appCode());
  await page.getByRole("button", { name: "Confirm" }).click();
  const codes = page.getByTestId("recovery-code");
  await expect(codes).toHaveCount(10);
  recoveryCodes = await codes.allTextContents();
  await page.getByTestId("continue").click();
  await expect(page).toHaveURL(at("admin.localhost", "/migrations"));
  await expect(page.getByTestId("agency-user")).toBeVisible();

  // The account page says the role requires it, and counts the recovery codes.
  await page.goto(at("admin.localhost", "/account"));
  await expect(page.getByTestId("second-factor-status")).toHaveAttribute("data-enrolled", "yes");
  await expect(page.getByTestId("recovery-left")).toContainText("10 recovery codes left");
});

test("the next sign-in asks for a code from the app", async ({ browser }) => {
  const page = await passwordStep(browser);
  await expect(page.getByTestId("second-factor-required")).toHaveCount(0);
  await page.getByLabel("Code from your authenticator app").fill(await appCode());
  await page.getByTestId("totp-form").getByRole("button", { name: "Verify" }).click();
  await expect(page).not.toHaveURL(/\/sign-in/);
  await expect(page.getByTestId("agency-user")).toBeVisible();
});

test("a recovery code works once, then is refused", async ({ browser }) => {
  const use = async (page: Page) => {
    const form = page.getByTestId("recovery-form");
    await form.getByText("Use a recovery code instead").click();
    await form.getByLabel("Recovery code").fill(recoveryCodes[0]!);
    await form.getByRole("button", { name: "Verify" }).click();
  };
  const first = await passwordStep(browser);
  await use(first);
  await expect(first).not.toHaveURL(/\/sign-in/);
  await expect(first.getByTestId("agency-user")).toBeVisible();

  const second = await passwordStep(browser);
  await use(second);
  await expect(second.getByTestId("recovery-form").getByTestId("form-error")).toContainText(
    "That recovery code is not right or was already used. Each code works once.",
  );
  await second.goto(at("admin.localhost", "/migrations"));
  await expect(second).toHaveURL(/\/sign-in\/second-factor/);
});
