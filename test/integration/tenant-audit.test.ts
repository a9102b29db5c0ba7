// First: Next.js's request storage needs its runtime global before next/* modules load.
import { inRequest, navigationDigest, sessionCookie } from "../support/request-scope.ts";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { ActionState } from "../../lib/actions/action-state.ts";
import { tenantAction } from "../../lib/actions/tenant-action.server.ts";
import { issueImpersonation } from "../../lib/auth/impersonation.server.ts";
import { authenticateTenantPassword } from "../../lib/auth/tenant-password.server.ts";
import { tenantAuthOptions } from "../../lib/auth/tenant-options.server.ts";
import { markVerified, type AgencyUser, type TenantUser } from "../../lib/auth/verified.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import { withDatabase } from "../../lib/db/postgres.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { pseudonymiseAuditPerson } from "../../lib/audit/tenant-trail.server.ts";
import { hashPassword } from "../../lib/auth/credentials.server.ts";
import { recordedInTenantTrails } from "../../lib/agency/fleet.server.ts";
import { collectFleetMetrics } from "../../lib/agency/fleet-metrics.server.ts";
import { withTenantDb } from "../../lib/platform/with-tenant-db.server.ts";
import { tenantTrailExport, tenantTrailPage, trailCsv } from "../../lib/portal/audit-trail.server.ts";
import { parseTrailFilter, type TrailFilter } from "../../lib/portal/trail-filter.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import {
  adminUrl,
  openTenantDb,
  provisionTestTenant,
  testControlPlane,
  type TestControlPlane,
} from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";
import { tenantViewer } from "../support/viewers.ts";

/**
 * The tenant audit trail end to end on real databases (decision 048): what the app records,
 * who may read it (owners and admins), and that a tenant only ever reads its own.
 */
let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
const t: Record<"a" | "b", { tenant: ResolvedTenant; db: PooledClient<TenantDb> }> = {} as never;
const people: Record<"aAdmin" | "aStaff" | "aMember" | "bAdmin", TenantUser> = {} as never;
const cookies: Record<"aAdmin" | "aStaff", string> = { aAdmin: "", aStaff: "" };

beforeAll(async () => {
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
  cp = await testControlPlane();
  installed = installTestPlatform(cp);
  for (const key of ["a", "b"] as const) {
    const { slug, tenantId } = await provisionTestTenant(cp, `audit${key}`, `Audit ${key.toUpperCase()}`);
    t[key] = { tenant: await installed.tenant(slug), db: await openTenantDb(cp, tenantId, `tenant-audit-${key}`) };
  }
  const make = async (key: "a" | "b", role: TenantUser["role"], email: string) => {
    const row = await t[key].db.client.user.create({
      data: { email, name: `${role} ${key}`, role, passwordHash: await hashPassword("correct horse battery") },
    });
    return { row, viewer: tenantViewer(t[key].tenant.id, { id: row.id, email, name: row.name, role }) };
  };
  const aAdmin = await make("a", "admin", "ada@a.example");
  people.aAdmin = aAdmin.viewer;
  const aStaff = await make("a", "staff", "sam@a.example");
  people.aStaff = aStaff.viewer;
  people.aMember = (await make("a", "member", "mo@a.example")).viewer;
  people.bAdmin = (await make("b", "admin", "bea@b.example")).viewer;
  for (const [key, made] of [
    ["aAdmin", aAdmin],
    ["aStaff", aStaff],
  ] as const)
    cookies[key] = await sessionCookie(t.a.tenant.primaryHost, {
      tenant: t.a.tenant,
      userId: made.row.id,
      sessionVersion: made.row.sessionVersion,
    });
});
afterAll(async () => {
  await installed?.uninstall();
  for (const key of ["a", "b"] as const) await t[key]?.db.close();
  await cp?.cleanup();
});

const portal = (cookie: string) => ({ host: t.a.tenant.primaryHost, cookie });
const actions = async (key: "a" | "b") =>
  (await t[key].db.client.auditEntry.findMany({ orderBy: { id: "asc" }, select: { action: true } })).map(
    (e) => e.action,
  );
const page = (key: "a" | "b", viewer: TenantUser, filter: TrailFilter = {}) =>
  inRequest({ host: t[key].tenant.primaryHost }, () => tenantTrailPage(t[key].tenant, viewer, filter));
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => navigationDigest(error) ?? error,
  );

describe("recording", () => {
  const invite = tenantAction(
    "admin",
    z.object({ email: z.string(), fail: z.string().optional() }),
    async ({ email, fail }, { trail }): Promise<ActionState> => {
      if (fail) return { error: "refused" };
      await trail({ subject: { email, name: "Nina New" }, details: { role: "staff" } });
      return { message: "ok" };
    },
    { trail: "team.invite" },
  );
  const saveSettings = tenantAction(
    "admin",
    z.object({ senderName: z.string() }),
    async (): Promise<ActionState> => ({ message: "saved" }),
    { trail: "settings.save" },
  );

  it("a tenantAction's trail names the member by person id, the subject too, never their email inline", async () => {
    await inRequest(portal(cookies.aAdmin), () => invite({ email: "Nina@A.example" }));
    const entry = await t.a.db.client.auditEntry.findFirstOrThrow({
      where: { action: "team.invite" },
      include: { actor: true, subject: true },
    });
    expect(entry).toMatchObject({
      actorType: "member",
      actorLabel: "member",
      actor: { email: "ada@a.example", name: "admin a" },
      subject: { email: "nina@a.example", name: "Nina New" },
      details: { role: "staff" },
    });
    expect(JSON.stringify(entry.details)).not.toContain("@");
  });

  it("writes the entry on success without the body asking, and nothing when the action fails", async () => {
    await inRequest(portal(cookies.aAdmin), () => saveSettings({ senderName: "Audit A" }));
    const before = await t.a.db.client.auditEntry.count();
    expect(await inRequest(portal(cookies.aAdmin), () => invite({ email: "x@a.example", fail: "1" }))).toEqual({
      error: "refused",
    });
    expect(await t.a.db.client.auditEntry.count()).toBe(before);
    expect(await actions("a")).toContain("settings.save");
  });

  it("records a failed password sign-in, naming the account only when it exists", async () => {
    const host = { host: t.a.tenant.primaryHost };
    await inRequest(host, () => authenticateTenantPassword(t.a.tenant, "ada@a.example", "wrong password"));
    await inRequest(host, () => authenticateTenantPassword(t.a.tenant, "ghost@a.example", "wrong password"));
    const failed = await t.a.db.client.auditEntry.findMany({
      where: { action: "auth.sign-in-failed" },
      include: { subject: true },
      orderBy: { id: "asc" },
    });
    expect(failed.map((f) => [f.actorType, f.subject?.email ?? null])).toEqual([
      ["anonymous", "ada@a.example"],
      ["anonymous", null],
    ]);
    expect(await t.a.db.client.auditPerson.count({ where: { email: "ghost@a.example" } })).toBe(0);
    // Positive control: the right password signs in and writes no failure.
    expect(
      await inRequest(host, () => authenticateTenantPassword(t.a.tenant, "ada@a.example", "correct horse battery")),
    ).toMatchObject({ email: "ada@a.example" });
    expect(await t.a.db.client.auditEntry.count({ where: { action: "auth.sign-in-failed" } })).toBe(2);
  });

  it("records a sign-in link that signs no one in as a failed sign-in", async () => {
    const options = tenantAuthOptions(t.a.tenant, `https://${t.a.tenant.primaryHost}`);
    type Provider = { options?: { id?: string; authorize: (c: Record<string, string>) => Promise<unknown> } };
    // next-auth keeps a Credentials provider's own id and authorize in its `options`.
    const provider = (options.providers as unknown as Provider[]).find((p) => p.options?.id === "email-link")!;
    const before = await t.a.db.client.auditEntry.count({ where: { action: "auth.sign-in-failed" } });
    expect(
      await inRequest({ host: t.a.tenant.primaryHost }, () => provider.options!.authorize({ token: "x".repeat(43) })),
    ).toBeNull();
    const failed = await t.a.db.client.auditEntry.findMany({
      where: { action: "auth.sign-in-failed" },
      orderBy: { id: "desc" },
      take: 1,
    });
    expect(await t.a.db.client.auditEntry.count({ where: { action: "auth.sign-in-failed" } })).toBe(before + 1);
    expect(failed[0]?.details).toMatchObject({ method: "email-link" });
  });

  it("records an agency impersonation with its reason in the tenant's trail, as the agency", async () => {
    const u = await cp.deps.control.agencyUser.create({
      data: { email: `owner-${randomBytes(3).toString("hex")}@agency.example`, name: "Owner", role: "owner" },
    });
    const owner: AgencyUser = markVerified({ id: u.id, email: u.email, name: u.name, role: "owner" as const });
    await issueImpersonation(
      { control: cp.deps.control, secretKey: cp.secretKey, useTenant: withTenantDb },
      owner,
      t.a.tenant,
      { targetUserId: people.aAdmin.id, reason: "ticket 4711: logo broken" },
      { ip: "198.51.100.7", userAgent: "vitest" },
    );
    const entry = await t.a.db.client.auditEntry.findFirstOrThrow({
      where: { action: "agency.impersonate" },
      include: { subject: true },
    });
    expect(entry).toMatchObject({
      actorType: "agency",
      actorLabel: `agency: ${u.email}`,
      actorPersonId: null,
      subject: { email: "ada@a.example" },
      ip: "198.51.100.7",
      details: { reason: "ticket 4711: logo broken", role: "admin" },
    });
    expect(await actions("b")).not.toContain("agency.impersonate");
  });

  it("records an agency read of the tenant's figures once an hour per person", async () => {
    const audit = { actor: { type: "agency-user" as const, label: "ops@agency.example" }, ip: null, userAgent: null };
    const fanOut = recordedInTenantTrails(
      { concurrency: 2, timeoutMs: 5_000, budgetMs: 10_000, maxAgeMs: 0, useTenant: withTenantDb },
      audit,
      "fleet figures",
    );
    const tenants = await cp.deps.control.tenant.findMany({ where: { id: t.a.tenant.id } });
    await collectFleetMetrics(cp.deps.control, tenants, fanOut);
    await collectFleetMetrics(cp.deps.control, tenants, fanOut);
    const reads = await t.a.db.client.auditEntry.findMany({ where: { action: "agency.read" } });
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ actorType: "agency", actorLabel: "agency: ops@agency.example" });
    expect(await actions("b")).not.toContain("agency.read"); // B was not read
  });
});

describe("who may read the trail", () => {
  it("refuses members and staff (403) and shows owners and admins (positive control)", async () => {
    expect(await refusal(page("a", people.aMember))).toBe("NEXT_HTTP_ERROR_FALLBACK;403");
    expect(await refusal(page("a", people.aStaff))).toBe("NEXT_HTTP_ERROR_FALLBACK;403");
    expect(
      await refusal(
        inRequest({ host: t.a.tenant.primaryHost }, () => tenantTrailExport(t.a.tenant, people.aStaff, {})),
      ),
    ).toBe("NEXT_HTTP_ERROR_FALLBACK;403");
    const shown = await page("a", people.aAdmin);
    expect(shown.rows.length).toBeGreaterThan(3);
    expect(shown.verification).toMatchObject({ ok: true });
  });

  it("refuses a staff member's action below admin on the real guard too (requireTenantUser)", async () => {
    const adminOnly = tenantAction("admin", z.object({}), async (): Promise<ActionState> => ({ message: "x" }), {
      trail: "settings.save",
    });
    expect(await refusal(inRequest(portal(cookies.aStaff), () => adminOnly({})))).toBe("NEXT_HTTP_ERROR_FALLBACK;403");
    expect(await inRequest(portal(cookies.aAdmin), () => adminOnly({}))).toEqual({ message: "x" });
  });
});

describe("isolation", () => {
  it("tenant B's admin sees only B's entries, never A's, on the page and in the export", async () => {
    await inRequest({ host: t.b.tenant.primaryHost }, () =>
      authenticateTenantPassword(t.b.tenant, "bea@b.example", "nope"),
    );
    const aPage = await page("a", people.aAdmin);
    const bPage = await page("b", people.bAdmin);
    const bExport = await inRequest({ host: t.b.tenant.primaryHost }, () =>
      tenantTrailExport(t.b.tenant, people.bAdmin, {}),
    );
    // Positive control: A's admin sees A's entries.
    expect(aPage.rows.map((r) => r.action)).toContain("team.invite");
    expect(bPage.rows.map((r) => r.action)).toEqual(["auth.sign-in-failed"]);
    expect(bExport.rows.map((r) => r.action)).toEqual(["auth.sign-in-failed"]);
    const csv = trailCsv(bExport.rows);
    expect(csv).toContain("bea@b.example");
    expect(csv).not.toMatch(/ada@a\.example|nina@a\.example|team\.invite/);
  });

  it("an admin of A asking for B's trail is refused: the viewer belongs to another tenant", async () => {
    expect(await refusal(page("b", people.aAdmin))).toBe("NEXT_HTTP_ERROR_FALLBACK;403");
  });
});

describe("the viewer's filters, pages and CSV", () => {
  it("filters by category, actor and person, and pages newest first by cursor", async () => {
    const byCategory = await page("a", people.aAdmin, { category: "team" });
    expect(new Set(byCategory.rows.map((r) => r.action))).toEqual(new Set(["team.invite"]));
    const agency = await page("a", people.aAdmin, { actor: "agency" });
    expect(new Set(agency.rows.map((r) => r.action))).toEqual(new Set(["agency.impersonate", "agency.read"]));
    const aboutNina = await page("a", people.aAdmin, { person: "nina@a.example" });
    expect(aboutNina.rows.map((r) => r.action)).toEqual(["team.invite"]);
    expect((await page("a", people.aAdmin, { person: "nobody@a.example" })).rows).toEqual([]);
    const all = await page("a", people.aAdmin);
    const ids = all.rows.map((r) => r.id);
    expect([...ids].sort((x, y) => (x > y ? -1 : 1))).toEqual(ids);
    const first = await inRequest({ host: t.a.tenant.primaryHost }, () =>
      tenantTrailPage(t.a.tenant, people.aAdmin, {}, 2),
    );
    expect(first.rows.map((r) => r.id)).toEqual(ids.slice(0, 2));
    const second = await inRequest({ host: t.a.tenant.primaryHost }, () =>
      tenantTrailPage(t.a.tenant, people.aAdmin, { before: first.older! }, 2),
    );
    expect(second.rows.map((r) => r.id)).toEqual(ids.slice(2, 4));
  });

  it("refuses nonsense filters with a message per field", () => {
    expect(
      parseTrailFilter({ category: "x", actor: "root", person: "nope", from: "2026-13-01", before: "-1" }),
    ).toMatchObject({
      ok: false,
      errors: { category: "badCategory", actor: "badActor", person: "badPerson", from: "badDate", before: "badCursor" },
    });
    expect(parseTrailFilter({ from: "2026-12-02", to: "2026-12-01" })).toMatchObject({
      errors: { to: "endBeforeStart" },
    });
    expect(parseTrailFilter({ category: "team", actor: "agency", from: "2026-12-01", to: "2026-12-01" })).toMatchObject(
      {
        ok: true,
        filter: { category: "team", actor: "agency" },
      },
    );
  });

  it("escapes cells a spreadsheet would run as formulas, and shows an erased person's pseudonym", async () => {
    await inRequest(portal(cookies.aAdmin), () =>
      tenantAction(
        "admin",
        z.object({}),
        async ({}, { trail }): Promise<ActionState> => {
          await trail({ subject: { email: "eve@a.example", name: '=HYPERLINK("http://x.example","y")' }, details: {} });
          return {};
        },
        { trail: "team.invite" },
      )({}),
    );
    const rows = (
      await inRequest({ host: t.a.tenant.primaryHost }, () =>
        tenantTrailExport(t.a.tenant, people.aAdmin, { person: "eve@a.example" }),
      )
    ).rows;
    const csv = trailCsv(rows);
    expect(csv).toContain(`"'=HYPERLINK(""http://x.example"",""y"") <eve@a.example>"`);
    expect(csv).not.toMatch(/,"=/);
    await pseudonymiseAuditPerson(t.a.db.client, "eve@a.example");
    const after = await page("a", people.aAdmin, { category: "team" });
    const erased = after.rows.find((r) => r.subject?.pseudonym);
    expect(erased?.subject).toMatchObject({ email: null, pseudonym: expect.stringMatching(/^erased-[0-9a-f]{8}$/) });
    expect(after.verification.ok).toBe(true);
  });

  it("says where the trail was tampered with, on the page data", async () => {
    const db = await cp.deps.control.tenantDatabase.findUniqueOrThrow({ where: { tenantId: t.b.tenant.id } });
    const su = new pg.Client({ connectionString: withDatabase(adminUrl(), db.databaseName) });
    await su.connect();
    try {
      expect((await page("b", people.bAdmin)).verification.ok).toBe(true); // positive control
      await su.query(`ALTER TABLE "AuditEntry" DISABLE TRIGGER USER`);
      const { rows } = await su.query(`UPDATE "AuditEntry" SET "actorType" = 'system' RETURNING id`);
      await su.query(`ALTER TABLE "AuditEntry" ENABLE TRIGGER USER`);
      expect((await page("b", people.bAdmin)).verification).toMatchObject({
        ok: false,
        entries: 0,
        problem: { id: String(rows[0].id) },
      });
    } finally {
      await su.end();
    }
  });
});
