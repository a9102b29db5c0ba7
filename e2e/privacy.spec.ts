import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { PASSWORD, signedIn, tenantWithUsers } from "./fixtures.ts";
import { at } from "./hosts.ts";

/**
 * GDPR requests in Chromium (docs/decisions/051): a member downloads their data and asks for
 * erasure at /account/data; an admin carries it out at /manage/privacy; the member can no longer
 * sign in, and a member is refused the privacy page while the admin is let in.
 */
// Two sign-ins, a download and an erasure: more than the default minute on a loaded machine.
test.setTimeout(180_000);

test("a member downloads their data and asks for erasure; an admin erases them; they can no longer sign in", async ({
  browser,
}) => {
  const admin = "ada@privacy.example";
  const member = "mo@privacy.example";
  const slug = await tenantWithUsers("privacy", [
    { email: admin, name: "Ada Admin", role: "admin" },
    { email: member, name: "Mo Member", role: "member" },
  ]);
  const host = `${slug}.localhost`;

  const mine = await signedIn(browser, host, member);
  // The privacy page is for owners and admins: a member gets 403.
  const refused = await mine.goto(at(host, "/manage/privacy"));
  expect(refused?.status()).toBe(403);

  await mine.goto(at(host, "/account"));
  await mine.getByTestId("my-data-link").click();
  await expect(mine).toHaveURL(/\/account\/data$/);
  const [download] = await Promise.all([mine.waitForEvent("download"), mine.getByTestId("download-data").click()]);
  const data = JSON.parse(await readFile((await download.path())!, "utf8")) as {
    format: string;
    profile: { email: string; name: string };
    auditEntries: Array<{ action: string }>;
  };
  expect(data.format).toBe("portico.member-data/1");
  expect(data.profile).toMatchObject({ email: member, name: "Mo Member" });
  expect(data.auditEntries.map((e) => e.action)).toContain("privacy.export");
  expect(JSON.stringify(data)).not.toContain(admin);

  await mine.getByRole("button", { name: "Ask for erasure" }).click();
  await mine.getByRole("button", { name: "Yes, erase my data" }).click();
  // The page now says the request waits (the form is gone, so it cannot be sent twice), after a reload too.
  await expect(mine.getByTestId("erasure-pending")).toBeVisible();
  await expect(mine.getByRole("button", { name: "Ask for erasure" })).toHaveCount(0);
  await mine.reload();
  await expect(mine.getByTestId("erasure-pending")).toBeVisible();

  // Positive control: the admin is let in, sees the request and carries it out.
  const staff = await signedIn(browser, host, admin);
  await staff.goto(at(host, "/manage/privacy"));
  const request = staff.getByTestId("erasure-request").filter({ hasText: member });
  await expect(request).toHaveCount(1);
  await request.getByRole("button", { name: "Erase this member" }).click();
  await request.getByRole("button", { name: "Yes, erase them" }).click();
  // The request leaves the open list for the handled one, which names no one.
  await expect(staff.getByTestId("no-requests")).toBeVisible();
  await expect(staff.getByTestId("handled-requests")).toContainText("an erased member: erased on");
  await staff.reload();
  await expect(staff.getByTestId("no-requests")).toBeVisible();
  await expect(staff.getByTestId("handled-requests")).toContainText("an erased member");
  await expect(staff.getByTestId("handled-requests")).not.toContainText(member);

  // The member's open session is gone with their account, and their password opens nothing.
  await mine.goto(at(host, "/account"));
  await expect(mine).toHaveURL(/\/sign-in/);
  const again = await (await browser.newContext()).newPage();
  await again.goto(at(host, "/sign-in"));
  await again.getByLabel("Email").first().fill(member);
  await again.getByLabel("Password").fill(PASSWORD);
  await again.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(again.getByTestId("form-error")).toHaveText(/don't match an account here/);
});
