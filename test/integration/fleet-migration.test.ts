import { cp as copyDir, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { withClient } from "../../lib/db/postgres.ts";
import { tenantConnectionUrl } from "../../lib/db/tenant-db.server.ts";
import { migrateFleet } from "../../lib/fleet-migration/migrate-fleet.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { TENANT_CHANGED } from "../../lib/tenancy/invalidation.server.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { testControlPlane, type TestControlPlane } from "../support/databases.ts";

/** Security case 22: a fleet migration where one tenant's migration fails. */
let cp: TestControlPlane;
let dir: string;
const NEXT = "29990101000000_add_event_tagline";

beforeAll(async () => {
  cp = await testControlPlane();
  for (const name of ["one", "two", "three"]) {
    await provisionTenant(cp.deps, parseTenantSpec({ slug: cp.slug(name), name, theme: FALLBACK_THEME }), {
      mode: "create",
      seed: false,
    });
  }
  // The shipped migrations plus one additive migration, as a release would bring.
  dir = await mkdtemp(path.join(os.tmpdir(), "portico-fleet-"));
  await copyDir(path.join(process.cwd(), "prisma/tenant/migrations"), dir, { recursive: true });
  await mkdir(path.join(dir, NEXT));
  await writeFile(path.join(dir, NEXT, "migration.sql"), `ALTER TABLE "Event" ADD COLUMN "tagline" VARCHAR(120);\n`);
});
afterAll(async () => {
  await cp?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

async function tenantSql<T>(slug: string, sql: string): Promise<T[]> {
  const tenant = await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug } });
  return withClient(
    await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenant.id),
    async (c) => (await c.query(sql)).rows as T[],
  );
}

describe("fleet migration", () => {
  it("migrates every other tenant when one fails, and records the failure with its error", async () => {
    // Tenant two already has a column the migration adds: its migration fails, alone.
    await tenantSql(cp.slug("two"), `ALTER TABLE "Event" ADD COLUMN "tagline" TEXT`);
    const progress: Array<[string, number, number]> = [];
    // Every app instance hears of the migrated tenants (their maintenance notice lifts), not of the failed one.
    const listener = new pg.Client({ connectionString: cp.url });
    const notified: string[] = [];
    await listener.connect();
    listener.on("notification", (n) => void (n.channel === TENANT_CHANGED && notified.push(n.payload!)));
    await listener.query(`LISTEN ${TENANT_CHANGED}`);
    const outcomes = await migrateFleet(cp.deps, {
      concurrency: 2,
      dir,
      onResult: (o, done, total) => void progress.push([o.slug, done, total]),
    });
    await listener.query("SELECT 1"); // notifications sent before this answer have arrived
    await listener.end();
    const idOf = async (name: string) =>
      (await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug: cp.slug(name) } })).id;
    expect(notified.sort()).toEqual([await idOf("one"), await idOf("three")].sort());

    expect(outcomes.map((o) => [o.slug, o.ok, o.applied])).toEqual([
      [cp.slug("one"), true, [NEXT]],
      [cp.slug("three"), true, [NEXT]],
      [cp.slug("two"), false, []],
    ]);
    expect(progress.map(([, done, total]) => [done, total]).sort()).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    const records = await cp.deps.control.tenantDatabase.findMany({ include: { tenant: { select: { slug: true } } } });
    const bySlug = Object.fromEntries(records.map((r) => [r.tenant.slug, r]));
    expect(bySlug[cp.slug("one")]).toMatchObject({ schemaVersion: NEXT, migrationError: null });
    expect(bySlug[cp.slug("two")]?.migrationError).toMatch(/tagline.*already exists/);
    expect(bySlug[cp.slug("two")]?.schemaVersion).not.toBe(NEXT);
    // The failed migration was rolled back in full: not recorded, nothing half-applied.
    expect(
      await tenantSql(cp.slug("two"), `SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '${NEXT}'`),
    ).toEqual([]);
  });

  it("re-runs only what is left, once the cause is fixed", async () => {
    await tenantSql(cp.slug("two"), `ALTER TABLE "Event" DROP COLUMN "tagline"`);
    const outcomes = await migrateFleet(cp.deps, { concurrency: 2, dir });
    expect(outcomes.map((o) => [o.slug, o.ok, o.applied])).toEqual([[cp.slug("two"), true, [NEXT]]]);
    expect(await migrateFleet(cp.deps, { concurrency: 2, dir })).toEqual([]);
    const columns = await tenantSql<{ n: string }>(
      cp.slug("two"),
      `SELECT count(*)::text AS n FROM information_schema.columns WHERE table_name = 'Event' AND column_name = 'tagline'`,
    );
    expect(columns).toEqual([{ n: "1" }]);
  });

  it("leaves a tenant whose provisioning failed to its Retry, and takes it once it is live", async () => {
    const slug = cp.slug("unfinished");
    await provisionTenant(cp.deps, parseTenantSpec({ slug, name: "unfinished", theme: FALLBACK_THEME }), {
      mode: "create",
      seed: false,
    });
    const tenant = await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug } });
    await cp.deps.control.tenantDatabase.update({ where: { tenantId: tenant.id }, data: { schemaVersion: null } });
    for (const status of ["failed", "provisioning"] as const) {
      await cp.deps.control.tenant.update({ where: { id: tenant.id }, data: { status } });
      expect(await migrateFleet(cp.deps, { concurrency: 2, dir })).toEqual([]);
    }
    // Control: the same tenant, live, is behind and is migrated.
    await cp.deps.control.tenant.update({ where: { id: tenant.id }, data: { status: "active" } });
    const outcomes = await migrateFleet(cp.deps, { concurrency: 2, dir });
    expect(outcomes.map((o) => [o.slug, o.ok, o.applied])).toEqual([[slug, true, [NEXT]]]);
  });
});
