import { expect, test } from "@playwright/test";
import { tenantsCli } from "./cli.ts";
import { at, direct } from "./hosts.ts";

test("suspending a tenant takes effect on its next request; its sessions stop; resuming restores it (security case 11)", async ({
  page,
  browser,
}) => {
  await page.goto(at("stark.localhost", "/sign-in"));
  await page.getByLabel("Email").first().fill("owner@stark.example");
  await page.getByLabel("Password").fill("portico-demo");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("account-email")).toHaveText("owner@stark.example"); // positive control

  const other = await browser.newPage();
  await other.goto(at("acme.localhost"));
  await expect(other.getByTestId("event-card")).toHaveCount(3);

  const session = async () =>
    (await (await page.goto(at("stark.localhost", "/api/auth/session")))!.json()) as Record<string, unknown>;
  expect(await session()).toMatchObject({ user: { email: "owner@stark.example" } }); // positive control

  const suspended = tenantsCli("suspend", "stark");
  expect(suspended.out).toContain("stark suspended");
  expect(suspended.code).toBe(0);

  await expect(async () => {
    const response = await page.goto(at("stark.localhost", "/account"));
    await expect(page.getByTestId("tenant-suspended")).toBeVisible({ timeout: 1_000 });
    expect(response?.status()).toBe(503);
  }).toPass({ timeout: 10_000 });
  for (const path of ["/", "/sign-in", "/registrations", "/manage", "/tickets/x"]) {
    const response = await other.request.fetch(...direct("stark.localhost", path));
    expect(response.status(), path).toBe(503);
    expect(await response.text(), path).toContain("This portal is currently suspended");
  }
  await expect(page.getByTestId("tenant-name")).toHaveText("Stark Learning"); // branded
  await expect(page.locator("body")).not.toContainText("owner@stark.example");
  // next-auth's session endpoint says signed out too.
  expect(await session()).toEqual({});
  await page.goto(at("stark.localhost"));
  await expect(page.getByTestId("tenant-suspended")).toBeVisible();

  await other.reload();
  await expect(other.getByTestId("event-card")).toHaveCount(3); // every other tenant unaffected

  expect(tenantsCli("resume", "stark").code).toBe(0);
  await expect(async () => {
    const response = await page.goto(at("stark.localhost"));
    await expect(page.getByTestId("event-card")).toHaveCount(1, { timeout: 1_000 });
    expect(response?.status()).toBe(200); // positive control: back to serving
  }).toPass({ timeout: 10_000 });
});

test("the CLI refuses to suspend a tenant that does not exist", () => {
  const result = tenantsCli("suspend", "nobody");
  expect(result.code).toBe(2);
  expect(result.out).toContain('no tenant named "nobody"');
});
