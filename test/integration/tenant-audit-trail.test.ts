import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appendTenantAudit,
  pruneTenantAudit,
  pseudonymiseAuditPerson,
  verifyTenantTrail,
  type TenantAuditEvent,
} from "../../lib/audit/tenant-trail.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import { withDatabase } from "../../lib/db/postgres.ts";
import { tenantConnectionUrl, type TenantDb } from "../../lib/db/tenant-db.server.ts";
import {
  adminUrl,
  openTenantDb,
  provisionTestTenant,
  testControlPlane,
  type TestControlPlane,
} from "../support/databases.ts";

/**
 * The tenant audit trail's core on a real tenant database, written through the tenant's own role
 * (not a superuser): chained, append-only, tamper-evident, prunable and pseudonymisable.
 */
let cp: TestControlPlane;
let tenant: PooledClient<TenantDb>;
let superuser: pg.Client;
let tenantRole: pg.Client;

beforeAll(async () => {
  cp = await testControlPlane();
  const { tenantId } = await provisionTestTenant(cp, "trail", "Trail Co");
  tenant = await openTenantDb(cp, tenantId, "tenant-trail-test", 4);
  const db = await cp.deps.control.tenantDatabase.findUniqueOrThrow({ where: { tenantId } });
  superuser = new pg.Client({ connectionString: withDatabase(adminUrl(), db.databaseName) });
  await superuser.connect();
  // The tenant's own role, straight to PostgreSQL (the pooled client may go through PgBouncer).
  tenantRole = new pg.Client({
    connectionString: await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenantId),
  });
  await tenantRole.connect();
});
afterAll(async () => {
  await tenantRole?.end();
  await superuser?.end();
  await tenant?.close();
  await cp?.cleanup();
});

const member = (email: string): TenantAuditEvent["actor"] => ({ type: "member", personEmail: email, label: "member" });

describe("the tenant audit trail", () => {
  it("chains entries written concurrently and verifies them across batch borders", async () => {
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        appendTenantAudit(tenant.client, {
          actor: member(`m${i % 3}@trail.example`),
          action: "test.write",
          subject: { email: "Subject@Trail.example", name: "Sam Subject" },
          details: { i, nested: { b: 2, a: 1 } },
        }),
      ),
    );
    expect(await verifyTenantTrail(tenant.client, 5)).toMatchObject({ ok: true, entries: 12 });
    // One person per email (normalised), the email never inline in an entry.
    expect(await tenant.client.auditPerson.count({ where: { email: "subject@trail.example" } })).toBe(1);
    const inline = await superuser.query(`SELECT count(*)::int AS n FROM "AuditEntry" WHERE "actorLabel" LIKE '%@%'`);
    expect(inline.rows[0].n).toBe(0);
  });

  it("lets the tenant's own role insert, but refuses it UPDATE, DELETE and TRUNCATE", async () => {
    const ok = await tenantRole.query(
      `INSERT INTO "AuditEntry" ("at","actorType","actorLabel","action","details","prevHash","hash")
       VALUES (now(), 'system', 'system: probe', 'probe', '{}', $1, $2) RETURNING id`,
      ["0".repeat(64), "f".repeat(64)],
    );
    expect(ok.rowCount).toBe(1); // positive control: the role can write
    await expect(tenantRole.query(`UPDATE "AuditEntry" SET "actorLabel" = 'x'`)).rejects.toMatchObject({
      code: "42501",
      message: expect.stringMatching(/append-only/),
    });
    await expect(tenantRole.query(`DELETE FROM "AuditEntry"`)).rejects.toMatchObject({ code: "42501" });
    await expect(tenantRole.query(`TRUNCATE "AuditEntry"`)).rejects.toMatchObject({ code: "42501" });
    await expect(
      tenantRole.query(`INSERT INTO "AuditAnchor" VALUES (1, 1, $1, now())`, ["0".repeat(64)]),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(tenant.client.auditEntry.deleteMany({})).rejects.toThrow(/append-only/);
    // The probe row is not chained, so verification names it; remove it as a superuser.
    const verdict = await verifyTenantTrail(tenant.client);
    expect(verdict).toMatchObject({ ok: false, entries: 12 });
    await superuser.query(`ALTER TABLE "AuditEntry" DISABLE TRIGGER USER`);
    await superuser.query(`DELETE FROM "AuditEntry" WHERE id = $1`, [ok.rows[0].id]);
    await superuser.query(`ALTER TABLE "AuditEntry" ENABLE TRIGGER USER`);
    expect(await verifyTenantTrail(tenant.client)).toMatchObject({ ok: true, entries: 12 });
  });

  it("detects an entry altered behind the app's back, and names it", async () => {
    const [{ id }] = (await superuser.query(`SELECT id FROM "AuditEntry" ORDER BY id OFFSET 4 LIMIT 1`)).rows;
    const [{ details }] = (await superuser.query(`SELECT details FROM "AuditEntry" WHERE id = $1`, [id])).rows;
    await superuser.query(`ALTER TABLE "AuditEntry" DISABLE TRIGGER USER`);
    await superuser.query(`UPDATE "AuditEntry" SET details = '{"i": 999}' WHERE id = $1`, [id]);
    await superuser.query(`ALTER TABLE "AuditEntry" ENABLE TRIGGER USER`);
    expect(await verifyTenantTrail(tenant.client, 3)).toEqual({
      ok: false,
      entries: 4,
      problem: {
        id: String(id),
        reason: `entry ${id} was altered after it was written (its content no longer matches its hash)`,
      },
    });
    // Put it back: verified again (the check is about content, not about the trigger).
    await superuser.query(`ALTER TABLE "AuditEntry" DISABLE TRIGGER USER`);
    await superuser.query(`UPDATE "AuditEntry" SET details = $2 WHERE id = $1`, [id, details]);
    await superuser.query(`ALTER TABLE "AuditEntry" ENABLE TRIGGER USER`);
    expect((await verifyTenantTrail(tenant.client)).ok).toBe(true);
  });

  it("pseudonymises a person without breaking the chain", async () => {
    expect(await pseudonymiseAuditPerson(tenant.client, " SUBJECT@trail.example")).toBe(1);
    expect(await tenant.client.auditPerson.count({ where: { email: "subject@trail.example" } })).toBe(0);
    const erased = await tenant.client.auditPerson.findMany({ where: { erasedAt: { not: null } } });
    expect(erased).toHaveLength(1);
    expect(erased[0]).toMatchObject({ email: null, name: null });
    expect(await tenant.client.auditEntry.count({ where: { subjectPersonId: erased[0]!.id } })).toBe(12);
    expect(await verifyTenantTrail(tenant.client)).toMatchObject({ ok: true, entries: 12 });
    expect(await pseudonymiseAuditPerson(tenant.client, "nobody@trail.example")).toBe(0);
  });

  it("prunes old entries and keeps verifying from the anchor, also for entries written after", async () => {
    const cut = new Date();
    await appendTenantAudit(tenant.client, { actor: member("late@trail.example"), action: "test.late" });
    const before = await superuser.query(`SELECT id, hash FROM "AuditEntry" ORDER BY id`);
    expect(before.rowCount).toBe(13);
    expect(await pruneTenantAudit(tenant.client, cut)).toBe(12);
    const anchor = await tenant.client.auditAnchor.findUniqueOrThrow({ where: { id: 1 } });
    expect(anchor.prunedThroughHash).toBe(before.rows[11].hash);
    expect(await verifyTenantTrail(tenant.client)).toMatchObject({ ok: true, entries: 1 });
    // People named only by pruned entries are gone; the remaining entry's actor stays.
    expect(await tenant.client.auditPerson.count()).toBe(1);
    await appendTenantAudit(tenant.client, { actor: { type: "system", label: "system: test" }, action: "test.after" });
    expect(await verifyTenantTrail(tenant.client)).toMatchObject({ ok: true, entries: 2 });
    // Still append-only outside a prune.
    await expect(tenantRole.query(`DELETE FROM "AuditEntry"`)).rejects.toMatchObject({ code: "42501" });
    // Deleting the oldest remaining entry behind the app's back is detected against the anchor.
    await superuser.query(`ALTER TABLE "AuditEntry" DISABLE TRIGGER USER`);
    await superuser.query(`DELETE FROM "AuditEntry" WHERE id = (SELECT min(id) FROM "AuditEntry")`);
    await superuser.query(`ALTER TABLE "AuditEntry" ENABLE TRIGGER USER`);
    const result = await verifyTenantTrail(tenant.client);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.reason).toMatch(/does not follow the entry before it/);
  });

  it("prunes nothing when every entry is young", async () => {
    expect(await pruneTenantAudit(tenant.client, new Date(0))).toBe(0);
  });
});
