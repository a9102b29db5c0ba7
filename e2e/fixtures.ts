import { hash } from "@node-rs/argon2";
import { expect, type Browser, type Page } from "@playwright/test";
import { adminSql, tenantsCli } from "./cli.ts";
import { at } from "./hosts.ts";

export const PASSWORD = "portico-demo";

/**
 * A tenant of the test's own (so shared fixtures keep their exact event lists), with users who
 * sign in with PASSWORD. Returns its slug; its portal is at <slug>.localhost.
 */
export async function tenantWithUsers(
  base: string,
  users: Array<{ email: string; name: string; role: "owner" | "admin" | "staff" | "member" }>,
  plan = "standard",
): Promise<string> {
  const slug = `${base}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
  const created = tenantsCli("create", slug, "--name", `${base[0]?.toUpperCase()}${base.slice(1)} Org`, "--plan", plan);
  expect(created.code, created.out).toBe(0);
  const passwordHash = await hash(PASSWORD);
  for (const u of users) {
    await adminSql(
      `t_${slug.replaceAll("-", "_")}`,
      `INSERT INTO "User" (id, email, name, role, "passwordHash", "updatedAt") VALUES (gen_random_uuid(), $1, $2, $3, $4, now())`,
      [u.email, u.name, u.role, passwordHash],
    );
  }
  return slug;
}

export async function signedIn(browser: Browser, host: string, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(at(host, "/sign-in"));
  await page.getByLabel("Email").first().fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("account-email")).toHaveText(email);
  return page;
}
