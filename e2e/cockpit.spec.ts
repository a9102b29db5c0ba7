import { expect, test, type Page } from "@playwright/test";
import { adminClient, adminQuery, adminSql } from "./cli.ts";
import { tenantWithUsers } from "./fixtures.ts";
import { at, signInAgency } from "./hosts.ts";

// The agency cockpit (decision 012): the fleet overview's figures, a degraded tenant, the charts,
// impersonation, and agency users. Tests that change data use tenants of their own.

const database = (slug: string) => `t_${slug.replaceAll("-", "_")}`;

async function asOwner(page: Page) {
  await signInAgency(page);
  await expect(page.getByTestId("agency-user")).toContainText("Olive Owner");
}

async function audited(action: string, tenantSlug?: string) {
  return adminQuery<{ action: string; actorLabel: string; details: Record<string, unknown> }>(
    "portico",
    `SELECT action, "actorLabel", details FROM "AuditEntry" WHERE action = $1 ${tenantSlug ? `AND "tenantId" = (SELECT id FROM "Tenant" WHERE slug = $2)` : ""} ORDER BY id`,
    tenantSlug ? [action, tenantSlug] : [action],
  );
}

/** A tenant with one event and `n` registrations made today. */
async function tenantWithRegistrations(base: string, n: number): Promise<string> {
  const slug = await tenantWithUsers(base, [
    { email: "admin@x.example", name: "Ada Admin", role: "admin" },
    { email: "m@x.example", name: "Mo", role: "member" },
  ]);
  await adminSql(
    database(slug),
    `INSERT INTO "Event" (id, slug, title, "startsAt", "endsAt", "timeZone", status, "updatedAt") VALUES (gen_random_uuid(), 'launch', 'Launch', now() + interval '5 days', now() + interval '5 days 1 hour', 'UTC', 'published', now())`,
  );
  for (let i = 0; i < n; i++) {
    await adminSql(
      database(slug),
      `INSERT INTO "Registration" (id, "eventId", email, name, status, "ticketCode", "updatedAt") SELECT gen_random_uuid(), id, $1, 'R', 'confirmed', $2, now() FROM "Event" WHERE slug = 'launch'`,
      [`r${i}@x.example`, `${slug}-${i}`],
    );
  }
  return slug;
}

test("the overview shows each tenant's figures from its own database, with search, filters and sorting", async ({
  page,
}) => {
  const slug = await tenantWithRegistrations("figures", 3);
  await asOwner(page);
  await page.goto(at("admin.localhost", `/?q=${slug}&fresh=1`));
  const row = page.locator(`[data-testid="fleet-row"][data-slug="${slug}"]`);
  await expect(page.getByTestId("fleet-row")).toHaveCount(1);
  await expect(row).toHaveAttribute("data-health", "healthy");
  await expect(row.getByTestId("plan")).toHaveText("standard");
  await expect(row.getByTestId("member-count")).toHaveText("2");
  await expect(row.getByTestId("event-count")).toHaveText("1");
  await expect(row.getByTestId("registrations-30d")).toHaveText("3");
  await expect(row.getByTestId("db-size")).toHaveText(/\d+(\.\d)? MB/);
  await expect(row.getByTestId("last-activity")).toHaveText("just now");
  await expect(page.getByTestId("fan-out")).toContainText("Figures are at most 30 seconds old.");
  await expect(page.getByTestId("fan-out-details")).toContainText("1 read just now");

  // The same figures PostgreSQL reports for that database.
  const [size] = await adminQuery<{ mb: string }>(
    "postgres",
    `SELECT round(pg_database_size($1) / 1048576.0)::text AS mb`,
    [database(slug)],
  );
  expect(Number((await row.getByTestId("db-size").textContent())!.split(" ")[0])).toBeCloseTo(Number(size!.mb), -1);

  // Filter by plan: every row shown is on that plan.
  await page.goto(at("admin.localhost", "/?plan=premium"));
  const plans = await page.locator('[data-testid="fleet-row"] [data-testid="plan"]').allTextContents();
  expect(plans.length).toBeGreaterThan(0);
  expect(new Set(plans)).toEqual(new Set(["premium"]));

  // Sort by members, most first: the column reads in non-increasing order.
  await page.goto(at("admin.localhost", "/?status=active&sort=members&dir=desc"));
  const members = (await page.locator('[data-testid="fleet-row"] [data-testid="member-count"]').allTextContents())
    .filter((t) => t !== "—")
    .map(Number);
  expect(members.length).toBeGreaterThan(2);
  expect(members).toEqual([...members].sort((a, b) => b - a));
  await expect(page.getByTestId("sort-members")).toContainText("▼");

  // The views were audited as a cross-tenant read, once an hour per person (the first view's
  // tenants; test/integration/fleet-fan-out.test.ts checks the hour).
  const reads = await audited("fleet.read");
  expect(reads.some((r) => r.actorLabel === "owner@agency.localhost" && Array.isArray(r.details.shown))).toBe(true);
});

test("nonsense filters are refused with a sentence each; the overview still renders", async ({ page }) => {
  await asOwner(page);
  await page.goto(at("admin.localhost", "/?status=alive&sort=DROP%20TABLE&per=7&page=-1&health=meh"));
  const problems = page.getByTestId("fleet-problems");
  await expect(problems).toContainText(
    'Status "alive" is not one of provisioning, active, suspended, failed, offboarded',
  );
  await expect(problems).toContainText('Cannot sort by "DROP TABLE"');
  await expect(problems).toContainText("7 tenants per page is not offered");
  await expect(page.locator('[data-testid="fleet-row"][data-slug="acme"]')).toBeVisible();
  await page.goto(at("admin.localhost", "/?page=999"));
  await expect(page.getByTestId("fleet-problems")).toContainText("There is no page 999");
  await page.goto(at("admin.localhost", "/?q=no-such-tenant-anywhere"));
  await expect(page.getByTestId("fleet-empty")).toBeVisible();
});

test("a tenant whose database hangs or is stopped shows as degraded with the reason; the page still renders", async ({
  page,
}) => {
  const hung = await tenantWithUsers("hung", []);
  const stopped = await tenantWithUsers("stopped", []);
  await asOwner(page);
  const locker = await adminClient(database(hung));
  try {
    await locker.query("BEGIN");
    await locker.query(`LOCK TABLE "Event" IN ACCESS EXCLUSIVE MODE`);
    await adminSql("postgres", `ALTER DATABASE ${database(stopped)} WITH ALLOW_CONNECTIONS false`);
    await adminSql("postgres", `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [
      database(stopped),
    ]);

    await page.goto(at("admin.localhost", "/?q=&fresh=1&status=active"));
    const hungRow = page.locator(`[data-testid="fleet-row"][data-slug="${hung}"]`);
    await expect(hungRow).toHaveAttribute("data-health", "degraded");
    // PostgreSQL cancels the statement at 2000 ms; on a busy machine the whole wait (connecting
    // included) may pass its deadline first. Both are timeouts, and say so.
    await expect(hungRow.getByTestId("degraded-reason")).toHaveText(
      /^timed out: (no answer within 2000 ms \(statement cancelled\)|the database of \S+ did not answer within 2500 ms)$/,
    );
    const stoppedRow = page.locator(`[data-testid="fleet-row"][data-slug="${stopped}"]`);
    await expect(stoppedRow).toHaveAttribute("data-health", "degraded");
    await expect(stoppedRow.getByTestId("degraded-reason")).toContainText("not currently accepting connections");
    await expect(page.locator('[data-testid="fleet-row"][data-slug="acme"]')).toHaveAttribute("data-health", "healthy");
    await page.goto(at("admin.localhost", "/?health=degraded"));
    await expect(page.locator(`[data-testid="fleet-row"][data-slug="${hung}"]`)).toBeVisible();
  } finally {
    await locker.query("ROLLBACK").catch(() => {});
    await locker.end();
    await adminSql("postgres", `ALTER DATABASE ${database(stopped)} WITH ALLOW_CONNECTIONS true`);
  }
});

test("the charts draw the fleet's real figures", async ({ page }) => {
  const slug = await tenantWithRegistrations("charted", 4);
  await asOwner(page);
  await page.goto(at("admin.localhost", "/insights"));
  const registrations = page.getByTestId("chart-registrations");
  await expect(registrations.locator("svg.recharts-surface").first()).toBeVisible();
  await expect(registrations.locator(".recharts-area-area").first()).toBeVisible();
  // The numbers under the chart: this tenant's column sums to its 4 registrations.
  const table = page.getByTestId("registrations-data");
  const head = await table.locator("thead th").allTextContents();
  const column = head.indexOf(slug) >= 0 ? head.indexOf(slug) : head.indexOf("others");
  expect(column).toBeGreaterThan(0);
  const cells = (await table.locator(`tbody tr td:nth-child(${column + 1})`).allTextContents()).map(Number);
  expect(cells.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(4);

  // Tenants by status matches the control plane. Other tests add and suspend tenants meanwhile,
  // so compare page and database drawn at a quiet moment: the same before and after the page.
  const activeCount = async () =>
    Number(
      (
        await adminQuery<{ n: string }>("portico", `SELECT count(*)::text AS n FROM "Tenant" WHERE status = 'active'`)
      )[0]!.n,
    );
  await expect
    .poll(
      async () => {
        const before = await activeCount();
        await page.reload();
        const rows = await page.getByTestId("chart-status-data").locator("tbody tr").allTextContents();
        const after = await activeCount();
        return before === after ? rows.find((r) => r.startsWith("active")) === `active${after}` : "busy";
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  await expect(page.getByTestId("chart-status").locator(".recharts-bar-rectangle").first()).toBeVisible();
  await expect(page.getByTestId("chart-plan").locator(".recharts-bar-rectangle").first()).toBeVisible();
  const sizes = page.getByTestId("chart-db-size").locator(".recharts-bar-rectangle");
  expect(await sizes.count()).toBeGreaterThan(3);
  await expect(page.getByTestId("chart-cache")).toContainText("connections open");
  await expect(page.getByTestId("cache-data").locator("tbody td").first()).toHaveText(/^\d+$/);
});

test("the tenant page tells the agency about mail the tenant's outbox gave up on", async ({ page }) => {
  const slug = await tenantWithUsers("mailst", [{ email: "ada@mailst.example", name: "Ada Admin", role: "admin" }]);
  await asOwner(page);
  await page.goto(at("admin.localhost", `/tenants/${slug}`));
  // Positive control: nothing given up on yet, so no warning.
  await expect(page.getByTestId("tenant-mail")).toBeVisible();
  await expect(page.getByTestId("tenant-mail")).not.toContainText("could not be delivered");
  // What a flush records when the mail server refuses a mailbox for good (tested in
  // test/integration/mail-outbox.test.ts), written here directly: this server's mail never fails.
  await adminQuery(
    "portico",
    `INSERT INTO "MailTarget" (target, "tenantId", failed, "lastFailedAt", "lastError")
     SELECT id::text, id, 2, now(), '550 No such mailbox' FROM "Tenant" WHERE slug = $1
     ON CONFLICT (target) DO UPDATE SET failed = 2, "lastFailedAt" = now(), "lastError" = '550 No such mailbox'`,
    [slug],
  );
  await page.reload();
  await expect(page.getByTestId("tenant-mail")).toContainText(
    /2 could not be delivered \(last .+: 550 No such mailbox\)/,
  );
});

test("an agency owner opens a portal as its admin through a single-use hand-off, sees the banner, and ends it", async ({
  page,
  browser,
}) => {
  const slug = await tenantWithUsers("imp", [{ email: "ada@imp.example", name: "Ada Admin", role: "admin" }]);
  await asOwner(page);
  await page.goto(at("admin.localhost", `/tenants/${slug}`));
  const form = page.getByTestId("impersonate-form");
  await form.getByLabel("Reason").fill("ticket 4211: event page looks wrong");
  await form.getByRole("button", { name: "Open portal as admin" }).click();

  await expect(page).toHaveURL(new RegExp(`^http://${slug}\\.localhost:\\d+/impersonate\\?token=`));
  const handoff = page.url();
  await expect(page.getByTestId("handoff-summary")).toContainText("owner@agency.localhost is opening");
  await page.getByRole("button", { name: "Open the portal" }).click();
  await expect(page).toHaveURL(/\/manage/);
  const banner = page.getByTestId("impersonation-banner");
  await expect(banner).toContainText(
    "Impersonating Ada Admin (ada@imp.example, admin) as agency user owner@agency.localhost",
  );
  await page.goto(at(`${slug}.localhost`, "/"));
  await expect(banner).toBeVisible();

  // The link works once: in another browser it is refused, and the refusal is audited.
  const other = await (await browser.newContext()).newPage();
  await other.goto(handoff);
  await expect(other.getByTestId("form-error")).toContainText("already been used");

  await banner.getByRole("button", { name: "End impersonation" }).click();
  await expect(page.getByTestId("impersonation-ended")).toBeVisible();
  await page.goto(at(`${slug}.localhost`, "/manage"));
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByTestId("impersonation-banner")).toHaveCount(0);

  const trail = (
    await adminQuery<{ action: string }>(
      "portico",
      `SELECT action FROM "AuditEntry" WHERE "tenantId" = (SELECT id FROM "Tenant" WHERE slug = $1) AND action LIKE 'impersonation.%' ORDER BY id`,
      [slug],
    )
  ).map((r) => r.action);
  expect(trail).toEqual(["impersonation.issue", "impersonation.start", "impersonation.end"]);
});

test("an expired impersonation link is refused with what to do", async ({ page }) => {
  const slug = await tenantWithUsers("impexp", [{ email: "ada@impexp.example", name: "Ada", role: "owner" }]);
  await asOwner(page);
  await page.goto(at("admin.localhost", `/tenants/${slug}`));
  await page.getByTestId("impersonate-form").getByLabel("Reason").fill("checking an expired link");
  // Stop at the hand-off page, then let the link expire before the click.
  await page.getByTestId("impersonate-form").getByRole("button", { name: "Open portal as admin" }).click();
  await expect(page.getByTestId("handoff-summary")).toBeVisible();
  await adminSql(
    "portico",
    `UPDATE "ImpersonationGrant" SET "expiresAt" = now() - interval '1 second' WHERE "tenantId" = (SELECT id FROM "Tenant" WHERE slug = $1)`,
    [slug],
  );
  await page.getByRole("button", { name: "Open the portal" }).click();
  await expect(page.getByTestId("form-error")).toContainText("already been used or has expired");
  await page.reload();
  await expect(page.getByTestId("form-error")).toContainText("has expired (links last 60 seconds)");
  expect((await audited("impersonation.refused", slug)).length).toBeGreaterThan(0);
});

test("an agency viewer cannot impersonate", async ({ browser }) => {
  const page = await browser.newPage();
  await signInAgency(page, "viewer@agency.localhost");
  await expect(page.getByTestId("agency-user")).toContainText("viewer");
  await page.goto(at("admin.localhost", "/tenants/acme"));
  await expect(page.getByTestId("impersonation-refused")).toContainText("Only agency owners");
  await expect(page.getByTestId("impersonate-form")).toHaveCount(0);
});

test("agency users: invite, accept, change role, deactivate (old session ends); the last owner stays", async ({
  page,
  browser,
}) => {
  const email = `sam-${Date.now().toString(36)}@agency.localhost`;
  await asOwner(page);
  await page.goto(at("admin.localhost", "/users"));
  const invite = page.getByTestId("invite-agency-user");
  await invite.getByLabel("Email").fill(email);
  await invite.getByLabel("Name").fill("Sam Support");
  await invite.getByLabel("Role").selectOption("viewer");
  await invite.getByRole("button", { name: "Invite" }).click();
  await expect(invite.getByTestId("form-message")).toHaveText(`Invitation sent to ${email}.`);
  await expect(page.locator(`[data-testid="agency-user-row"][data-email="${email}"]`)).toContainText("invited");

  const [mail] = await adminQuery<{ text: string }>(
    "portico",
    `SELECT text FROM "OutboxMessage" WHERE "toAddress" = $1 ORDER BY at DESC LIMIT 1`,
    [email],
  );
  const link = /http:\/\/\S+\/invite\?token=\S+/.exec(mail!.text)![0];
  const sam = await (await browser.newContext()).newPage();
  await sam.goto(link);
  await sam.getByLabel("New password").fill("sam-password-1");
  await sam.getByLabel("Repeat the password").fill("sam-password-1");
  await sam.getByRole("button", { name: "Set password" }).click();
  // Signed in with the password just chosen, straight onto the dashboard.
  await expect(sam.getByTestId("agency-user")).toContainText("Sam Support · viewer");
  // The invitation works once.
  await sam.goto(link);
  await expect(sam.getByTestId("invite-invalid")).toBeVisible();

  await page.reload();
  const row = page.locator(`[data-testid="agency-user-row"][data-email="${email}"]`);
  await row.getByLabel(`Role of ${email}`).selectOption("operator");
  await row.getByRole("button", { name: "Save role" }).click();
  await expect(row.getByTestId("form-message").first()).toHaveText("Role changed.");
  // Operators must use a second factor (docs/decisions/046): Sam's open session, a viewer's until
  // now, is asked for one at its next page, and Sam has none yet, so it is to set one up.
  await sam.goto(at("admin.localhost", "/"));
  await expect(sam).toHaveURL(/\/sign-in\/second-factor/);
  await expect(sam.getByTestId("second-factor-required")).toBeVisible();
  await expect(sam.getByTestId("agency-user")).toHaveCount(0);

  await row.getByRole("button", { name: "Deactivate" }).click();
  await expect(row.getByText("Deactivated: their sessions have ended.")).toBeVisible();
  await sam.goto(at("admin.localhost", "/"));
  await expect(sam).toHaveURL(/\/sign-in\?ended=1/);
  await expect(sam.getByTestId("session-ended")).toContainText("Your session has ended");

  // The only owner cannot deactivate or demote themself.
  const me = page.locator('[data-testid="agency-user-row"][data-email="owner@agency.localhost"]');
  await me.getByRole("button", { name: "Deactivate" }).click();
  await expect(me.getByTestId("form-error")).toContainText(
    "owner@agency.localhost is the last active owner and must stay one: make someone else an owner first.",
  );
  await page.reload();
  await expect(page.locator('[data-testid="agency-user-row"][data-email="owner@agency.localhost"]')).toHaveAttribute(
    "data-active",
    "true",
  );

  const actions = (
    await adminQuery<{ action: string }>(
      "portico",
      `SELECT action FROM "AuditEntry" WHERE action LIKE 'agency-user.%' ORDER BY id`,
    )
  ).map((r) => r.action);
  expect(actions).toEqual(
    expect.arrayContaining([
      "agency-user.invite",
      "agency-user.accept-invitation",
      "agency-user.role",
      "agency-user.deactivate",
    ]),
  );
});

test("a viewer sees agency users but cannot change them", async ({ browser }) => {
  const page = await browser.newPage();
  await signInAgency(page, "viewer@agency.localhost");
  await expect(page.getByTestId("agency-user")).toContainText("viewer");
  await page.goto(at("admin.localhost", "/users"));
  await expect(page.getByTestId("users-read-only")).toBeVisible();
  await expect(page.getByTestId("invite-agency-user")).toHaveCount(0);
});
