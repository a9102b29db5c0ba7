import { expect, test } from "@playwright/test";
import { signedIn, tenantWithUsers } from "./fixtures.ts";
import { at, holdScripts, openOutbox } from "./hosts.ts";

test("a tenant admin previews and saves branding (every page shows it at once) and makes the catalogue members-only", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const t = await tenantWithUsers("zeta", [{ email: "ann@zeta.example", name: "Ann Admin", role: "admin" }]);
  const host = `${t}.localhost`;
  const admin = await signedIn(browser, host, "ann@zeta.example");
  // Typed before the page hydrated (scripts held back): the preview still follows once they run.
  const release = await holdScripts(admin);
  await admin.goto(at(host, "/manage/settings"), { waitUntil: "domcontentloaded" });
  await admin.getByLabel("Portal name").fill("Zeta Learning");
  await admin.getByLabel("Brand colour").fill("#b91c1c");
  await release();
  // The preview changes before anything is saved; the real header does not.
  await expect(admin.getByTestId("preview-header")).toHaveCSS("background-color", "rgb(185, 28, 28)");
  await expect(admin.getByTestId("preview-name")).toHaveText("Zeta Learning");
  await expect(admin.getByTestId("tenant-name")).toHaveText("Zeta Org");
  await admin.getByRole("button", { name: "Save branding" }).click();
  await expect(admin.getByTestId("tenant-name")).toHaveText("Zeta Learning", { timeout: 15_000 });
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(at(host));
  await expect(visitor.getByTestId("tenant-name")).toHaveText("Zeta Learning");
  await expect(visitor.locator("header").first()).toHaveCSS("background-color", "rgb(185, 28, 28)");

  // An invalid colour is refused beside its field with a reason, and nothing changes.
  await admin.goto(at(host, "/manage/settings"));
  await admin.getByLabel("Brand colour").fill("red");
  await admin.getByRole("button", { name: "Save branding" }).click();
  await expect(admin.getByTestId("error-primary")).toContainText("use a six-digit hex colour");
  await expect(admin.getByTestId("branding-status")).toHaveCount(0);
  await visitor.reload();
  await expect(visitor.locator("header").first()).toHaveCSS("background-color", "rgb(185, 28, 28)");

  await admin.goto(at(host, "/manage/settings"));
  await admin.getByLabel("Signed-in members only").check();
  await admin.getByRole("button", { name: "Save settings" }).click();
  await expect(admin.getByTestId("settings-message")).toHaveText("Settings saved.");
  await visitor.reload();
  await expect(visitor.getByTestId("members-only")).toBeVisible();
});

test("team: an admin invites staff by email; the invitation works once; the last owner cannot be removed", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const t = await tenantWithUsers("eta", [{ email: "olga@eta.example", name: "Olga Owner", role: "owner" }]);
  const host = `${t}.localhost`;
  const owner = await signedIn(browser, host, "olga@eta.example");
  await owner.goto(at(host, "/manage/team"));
  const invite = owner.getByTestId("invite-form");
  await invite.getByLabel("Name").fill("Stan Staff");
  await invite.getByLabel("Email").fill("stan@eta.example");
  await invite.getByRole("button", { name: "Invite" }).click();
  await expect(invite.getByTestId("team-message")).toHaveText("Invitation sent.");

  const outbox = await (await browser.newContext()).newPage();
  await openOutbox(outbox, "stan@eta.example");
  const link = /http:\/\/\S+\/invite\?token=[A-Za-z0-9_-]+/.exec(
    await outbox.getByTestId("outbox-text").first().innerText(),
  )?.[0];
  expect(link).toContain(host);
  const stan = await (await browser.newContext()).newPage();
  await stan.goto(link as string);
  await stan.getByLabel("New password").fill("stan-password-1");
  await stan.getByLabel("Repeat the password").fill("stan-password-1");
  await stan.getByRole("button", { name: "Set password" }).click();
  // Accepting signs staff in and lands on the staff area, never asking for the email again.
  await expect(stan).toHaveURL(/\/manage$/);
  await expect(stan.getByTestId("manage-link")).toBeVisible();
  await stan.goto(link as string);
  await expect(stan.getByTestId("invite-invalid")).toBeVisible();
  // Staff may run events but not the team.
  expect((await stan.goto(at(host, "/manage/team")))?.status()).toBe(403);

  await owner.reload();
  const self = owner.locator('[data-email="olga@eta.example"]');
  await self.getByRole("button", { name: "Remove…" }).click();
  await expect(self.getByTestId("confirm-text")).toContainText("signed out at once");
  await self.getByRole("button", { name: /^Yes, remove / }).click();
  await expect(self.getByTestId("form-error")).toHaveText(
    "This is the portal's last owner: make someone else an owner first.",
  );
});
