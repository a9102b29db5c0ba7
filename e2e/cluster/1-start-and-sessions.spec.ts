import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import {
  ACME_MEMBER,
  CLUSTER_PASSWORD,
  UPSTREAM_HEADER,
  cluster,
  instanceAt,
  signInAgency,
  sql,
  via,
} from "./cluster.ts";

/**
 * Two production instances behind nginx (deploy/nginx/portico.conf.template), round-robin, on one
 * control plane: both start at once, and a session made on one is honoured by the other.
 */

test("two instances started together do the start-up work once: each declared tenant is made by one and found by the other", async () => {
  const logs = cluster.instances.map((i) => readFileSync(i.log, "utf8"));
  for (const slug of ["acme", "globex", "initech"]) {
    const said = logs.map((log) => new RegExp(`tenant ${slug}: (created|unchanged|FAILED)`).exec(log)?.[1]);
    // One instance created it; the other, which waited its turn, found it made.
    expect(said.sort(), `what each instance said of ${slug}`).toEqual(["created", "unchanged"]);
  }
  // They really did start together: one waited for the other's start-up work.
  expect(logs.filter((log) => log.includes("another instance is doing its start-up work")).length).toBe(1);
  expect(await sql(`SELECT slug FROM "Tenant" WHERE status = 'active' ORDER BY slug`)).toEqual([
    { slug: "acme" },
    { slug: "globex" },
    { slug: "initech" },
  ]);
  for (const log of logs) {
    expect(log).not.toMatch(/FAILED|could not resume/);
    expect(log).toContain("next-server: ready");
  }
});

/**
 * Navigates between `paths` through nginx until pages came from both instances (round-robin
 * shares every request, assets included, so two navigations in a row may meet one instance);
 * after each page `stillSignedIn` must hold.
 */
async function browseBoth(page: Page, host: string, paths: string[], stillSignedIn: () => Promise<void>) {
  const seen = new Set<string>();
  for (let i = 0; i < 24 && seen.size < 2; i++) {
    const response = await page.goto(via(host, paths[i % paths.length]));
    expect(response?.status()).toBe(200);
    const upstream = response?.headers()[UPSTREAM_HEADER];
    expect(instanceAt(upstream), `nginx named an instance (${upstream})`).toBeTruthy();
    seen.add(upstream!);
    await stillSignedIn();
  }
  expect([...seen].sort()).toEqual(cluster.instances.map((i) => `127.0.0.1:${i.port}`).sort());
  return seen;
}

test("a tenant member signs in through nginx and stays signed in on whichever instance answers", async ({ page }) => {
  // Positive control for the refusal below: the account page sends a visitor to sign in.
  await page.goto(via("acme.localhost", "/account"));
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByLabel("Email").first().fill(ACME_MEMBER);
  await page.getByLabel("Password").fill(CLUSTER_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("account-email")).toHaveText(ACME_MEMBER);
  await browseBoth(page, "acme.localhost", ["/account", "/", "/registrations"], async () => {
    if (new URL(page.url()).pathname === "/account")
      await expect(page.getByTestId("account-email")).toHaveText(ACME_MEMBER);
    await expect(page).not.toHaveURL(/\/sign-in/);
  });
  // The session is the tenant's own: the same browser is not signed into another tenant.
  await page.goto(via("globex.localhost", "/account"));
  await expect(page).toHaveURL(/\/sign-in/);
});

test("an agency owner signs in through nginx and stays signed in on whichever instance answers", async ({ page }) => {
  await page.goto(via("admin.localhost", "/"));
  await expect(page).toHaveURL(/\/sign-in/);
  await signInAgency(page);
  await browseBoth(page, "admin.localhost", ["/", "/migrations", "/audit", "/tenants/acme", "/users"], async () => {
    await expect(page.getByTestId("agency-user")).toBeVisible();
  });
});
