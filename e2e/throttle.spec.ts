import { hash } from "@node-rs/argon2";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { controlQuery } from "./cli.ts";
import { PASSWORD, signedIn, tenantWithUsers } from "./fixtures.ts";
import { at, direct, signInAgency } from "./hosts.ts";

/**
 * Rate limits and lockouts on the real server, with the shipped limits (docs/decisions/019).
 * Every account here is the test's own: a lockout must not touch the shared fixtures.
 */

/** A next-auth password sign-in as a script posts it; `json` as next-auth's own client does. */
async function passwordPost(
  request: APIRequestContext,
  host: string,
  email: string,
  password: string,
  options: { headers?: Record<string, string>; json?: boolean } = {},
) {
  const [csrfUrl, csrfOptions] = direct(host, "/api/auth/csrf");
  const { csrfToken } = (await (await request.get(csrfUrl, csrfOptions)).json()) as { csrfToken: string };
  const [url, init] = direct(host, "/api/auth/callback/password", options.headers);
  return request.post(url, {
    ...init,
    form: { email, password, csrfToken, ...(options.json === false ? {} : { json: "true" }) },
  });
}

const signedInOk = async (response: Awaited<ReturnType<typeof passwordPost>>) => {
  expect(response.status()).toBe(200);
  expect(((await response.json()) as { url: string }).url).not.toContain("error=");
};

/** Audit entries and mails of one tenant (by slug), or of the agency (null). */
const lockAudit = (action: string, email: string, slug: string | null) =>
  controlQuery<{ ip: string | null; actorLabel: string }>(
    `SELECT ip, "actorLabel" FROM "AuditEntry" WHERE action = $1 AND details->>'email' = $2 AND "tenantId" IS NOT DISTINCT FROM (SELECT id FROM "Tenant" WHERE slug = $3) ORDER BY id`,
    [action, email, slug],
  );
const mailsTo = (email: string, slug: string | null) =>
  controlQuery<{ subject: string; text: string }>(
    `SELECT subject, text FROM "OutboxMessage" WHERE "toAddress" = $1 AND "tenantId" IS NOT DISTINCT FROM (SELECT id FROM "Tenant" WHERE slug = $2) ORDER BY at`,
    [email, slug],
  );

test("a script gets 429 with Retry-After on the 6th attempt, even with the right password; another account from the same address is served", async ({
  request,
}) => {
  const slug = await tenantWithUsers("thr", [
    { email: "ann@thr.example", name: "Ann", role: "member" },
    { email: "bob@thr.example", name: "Bob", role: "member" },
  ]);
  const host = `${slug}.localhost`;
  // Positive control: the right password works before any failure.
  await signedInOk(await passwordPost(request, host, "ann@thr.example", PASSWORD));
  for (let i = 1; i <= 5; i++) {
    // A forged X-Forwarded-For per attempt changes nothing: the address is the socket's.
    const wrong = await passwordPost(request, host, "ann@thr.example", "not-the-password", {
      headers: { "X-Forwarded-For": `203.0.113.${i}` },
    });
    expect(wrong.status()).toBe(401);
  }
  const sixth = await passwordPost(request, host, "ann@thr.example", PASSWORD);
  expect(sixth.status()).toBe(429);
  expect(Number(sixth.headers()["retry-after"])).toBeGreaterThan(800);
  expect(((await sixth.json()) as { message: string }).message).toMatch(
    /^Too many attempts\. Try again in 1[45] minutes\.$/,
  );
  // Without next-auth's json flag (a plain form post): the same refusal, as text.
  const plain = await passwordPost(request, host, "ann@thr.example", PASSWORD, { json: false });
  expect(plain.status()).toBe(429);
  expect(plain.headers()["retry-after"]).toBeTruthy();
  expect(await plain.text()).toMatch(/^Too many attempts\. Try again in/);

  await signedInOk(await passwordPost(request, host, "bob@thr.example", PASSWORD));

  // The owner was told, and the lockout audited with the socket's address, not the forged one.
  expect(await lockAudit("tenant-user.locked", "ann@thr.example", slug)).toEqual([
    { ip: "127.0.0.1", actorLabel: "throttle" },
  ]);
  // Mail leaves through the outbox and the job queue's worker: it arrives shortly after.
  await expect
    .poll(async () => (await mailsTo("ann@thr.example", slug)).map((m) => m.subject))
    .toEqual(["Your Thr Org account is locked for a while"]);
});

test("a person sees the refusal on the sign-in form, and an admin lifts the lock from the Team page", async ({
  page,
  browser,
  request,
}) => {
  const slug = await tenantWithUsers("thrui", [
    { email: "owner@thrui.example", name: "Olga Owner", role: "owner" },
    { email: "cy@thrui.example", name: "Cy", role: "member" },
  ]);
  const host = `${slug}.localhost`;
  await page.goto(at(host, "/sign-in"));
  const email = page.getByLabel("Email").first();
  const password = page.getByLabel("Password");
  const button = page.getByRole("button", { name: "Sign in", exact: true });
  // Each attempt waits for its answer: the previous attempt's message is still on screen until then.
  const attempt = async (value: string) => {
    await password.fill(value);
    const answered = page.waitForResponse((r) => r.url().includes("/api/auth/callback/password"));
    await button.click();
    return (await answered).status();
  };
  await email.fill("cy@thrui.example");
  for (let i = 1; i <= 4; i++) {
    expect(await attempt(`wrong-${i}`)).toBe(401);
    await expect(page.getByTestId("form-error")).toHaveText(/don't match an account here/);
  }
  expect(await attempt("wrong-5")).toBe(401);
  await expect(page.getByTestId("form-error")).toHaveText(/^Too many attempts\. Try again in 1[45] minutes\.$/);
  await expect(button).toBeEnabled();
  expect(await attempt(PASSWORD)).toBe(429);
  await expect(page.getByTestId("form-error")).toHaveText(/^Too many attempts\. Try again in 1[45] minutes\.$/);
  await expect(page).toHaveURL(/\/sign-in/);

  const admin = await signedIn(browser, host, "owner@thrui.example");
  await admin.goto(at(host, "/manage/team"));
  const locked = admin.getByTestId("locked-accounts");
  await expect(locked.locator("li")).toHaveCount(1);
  await locked.locator('li[data-email="cy@thrui.example"]').getByRole("button", { name: "Unlock" }).click();
  await expect(admin.getByTestId("unlock-message")).toHaveText("cy@thrui.example can sign in again.");
  expect(await lockAudit("tenant-user.unlocked", "cy@thrui.example", slug)).toEqual([
    { ip: "127.0.0.1", actorLabel: "owner@thrui.example" },
  ]);

  await signedInOk(await passwordPost(request, host, "cy@thrui.example", PASSWORD));
});

test("email sign-in links are capped per account: the sixth request in 15 minutes sends nothing", async ({ page }) => {
  const slug = await tenantWithUsers("thrln", [{ email: "dee@thrln.example", name: "Dee", role: "member" }]);
  await page.goto(at(`${slug}.localhost`, "/sign-in"));
  const form = page.locator("form").filter({ hasText: "Email me a sign-in link" });
  for (let i = 1; i <= 6; i++) {
    await form.getByLabel("Email").fill("dee@thrln.example");
    await form.getByRole("button", { name: "Email me a sign-in link" }).click();
    await expect(page.getByTestId("link-request-result")).toHaveText(
      i <= 5 ? /If that address has an account here/ : /^Too many attempts\. Try again in 1[45] minutes\.$/,
    );
  }
  await expect.poll(async () => (await mailsTo("dee@thrln.example", slug)).length).toBe(5);
  // The sixth would have been sent by now with the others: nothing more arrives.
  await new Promise((r) => setTimeout(r, 1_000));
  expect(await mailsTo("dee@thrln.example", slug)).toHaveLength(5);
});

test("agency sign-in locks the same way, and an agency owner lifts it", async ({ request, page }) => {
  const email = `locked-${Date.now().toString(36)}@agency.localhost`;
  await controlQuery(
    `INSERT INTO "AgencyUser" (id, email, name, role, "passwordHash", "updatedAt") VALUES (gen_random_uuid(), $1, 'Lou Locked', 'viewer', $2, now())`,
    [email, await hash(PASSWORD)],
  );
  for (let i = 0; i < 5; i++)
    expect((await passwordPost(request, "admin.localhost", email, "not-the-password")).status()).toBe(401);
  const refused = await passwordPost(request, "admin.localhost", email, PASSWORD);
  expect(refused.status()).toBe(429);
  expect(refused.headers()["retry-after"]).toBeTruthy();
  await expect
    .poll(async () => (await mailsTo(email, null)).map((m) => m.subject))
    .toEqual(["Your agency dashboard account is locked for a while"]);

  await signInAgency(page);
  await expect(page).not.toHaveURL(/\/sign-in/);
  await page.goto(at("admin.localhost", "/users"));
  await page
    .getByTestId("locked-accounts")
    .locator(`li[data-email="${email}"]`)
    .getByRole("button", { name: "Unlock" })
    .click();
  await expect(page.getByTestId("unlock-message")).toHaveText(`${email} can sign in again.`);
  expect(await lockAudit("agency-user.unlocked", email, null)).toEqual([
    { ip: "127.0.0.1", actorLabel: "owner@agency.localhost" },
  ]);
  await signedInOk(await passwordPost(request, "admin.localhost", email, PASSWORD));
});
