import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenantDb } from "../../lib/platform/with-tenant-db.server.ts";
import { dropDatabaseIfExists } from "../../lib/db/postgres.ts";
import { TenantUnavailable } from "../../lib/util/errors.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { outageOf } from "../../lib/platform/outage.ts";
import { isPoolBusy, isUnavailable } from "../../lib/db/unavailable.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { testControlPlane, withAdmin, type TestControlPlane } from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";

/**
 * The wiring behind the branded 503 (decision 022) on real databases: withTenantDb marks a tenant
 * whose database is gone as down and says so once, however many requests meet it; the breaker
 * that proxy.ts asks then answers without a query; a healthy tenant is untouched.
 */
let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
const lines: string[] = [];
let healthy: string;
let gone: string;

beforeAll(async () => {
  cp = await testControlPlane();
  const make = async (base: string) =>
    (
      await provisionTenant(cp.deps, parseTenantSpec({ slug: cp.slug(base), name: base, theme: FALLBACK_THEME }), {
        mode: "create",
        seed: false,
      })
    ).tenantId;
  healthy = await make("fine");
  gone = await make("gone");
  const db = await cp.deps.control.tenantDatabase.findUniqueOrThrow({ where: { tenantId: gone } });
  await withAdmin((admin) => dropDatabaseIfExists(admin, db.databaseName));
  installed = installTestPlatform(cp, (line) => lines.push(line), 1_000);
});
afterAll(async () => {
  await installed?.uninstall();
  await cp?.cleanup();
});

describe("a tenant whose database is gone", () => {
  it("fails with TenantUnavailable on every request, is logged once, and is marked down for proxy.ts", async () => {
    for (let i = 0; i < 10; i++) {
      await expect(withTenantDb(gone, (db) => db.user.count())).rejects.toBeInstanceOf(TenantUnavailable);
    }
    const about = lines.filter((l) => l.includes(gone));
    expect(about).toHaveLength(1);
    expect(about[0]).toMatch(/its database is unreachable \(its database does not exist .*\); its pages answer 503/);
    expect(about[0]).not.toMatch(/\n|at .*\(/); // one line, no stack
    expect(await installed.platform.health.isDown(gone)).toBe(true);
    const tenant = await installed.tenant(cp.slug("gone"));
    expect(await outageOf(installed.platform, tenant)).toBe("unavailable");
  });

  it("a healthy tenant is served, logged about never, and not in an outage (positive control)", async () => {
    expect(await withTenantDb(healthy, (db) => db.user.count())).toBe(0);
    expect(lines.filter((l) => l.includes(healthy))).toEqual([]);
    expect(await installed.platform.health.isDown(healthy)).toBe(false);
    expect(await outageOf(installed.platform, await installed.tenant(cp.slug("fine")))).toBeNull();
  });

  it("a portal in maintenance is an outage until the maintenance is cleared (positive control)", async () => {
    const fine = () => installed.tenant(cp.slug("fine"));
    await cp.deps.control.tenant.update({ where: { id: healthy }, data: { maintenance: "moving" } });
    installed.platform.resolver.invalidate(healthy);
    expect(await outageOf(installed.platform, await fine())).toBe("maintenance");
    await cp.deps.control.tenant.update({ where: { id: healthy }, data: { maintenance: null } });
    installed.platform.resolver.invalidate(healthy);
    expect(await outageOf(installed.platform, await fine())).toBeNull();
  });

  it("a suspended portal is an outage too, whatever its database", async () => {
    await cp.deps.control.tenant.update({ where: { id: healthy }, data: { status: "suspended" } });
    installed.platform.resolver.invalidate(healthy);
    expect(await outageOf(installed.platform, await installed.tenant(cp.slug("fine")))).toBe("suspended");
  });
});

describe("a tenant whose every connection is busy", () => {
  it("fails only the request that waited too long, and is not marked down for it", async () => {
    // The test platform gives each tenant two connections; both sleep past the one-second wait.
    const sleeping = [1, 2].map(() => withTenantDb(healthy, (db) => db.$queryRaw`SELECT 1 AS slept FROM pg_sleep(2)`));
    const waited = await withTenantDb(healthy, (db) => db.user.count()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(waited).toBeInstanceOf(TenantUnavailable);
    expect((waited as Error).message).toMatch(/every connection of its pool stayed busy/);
    expect(isPoolBusy((waited as Error).cause)).toBe(true);
    expect(isUnavailable((waited as Error).cause)).toBe(false);
    // Congestion is no outage: proxy.ts lets the next requests through to try again.
    expect(installed.platform.health.reason(healthy)).toBeNull();
    expect(await installed.platform.health.isDown(healthy)).toBe(false);
    const about = lines.filter((l) => l.includes(healthy));
    expect(about).toHaveLength(1);
    expect(about[0]).toMatch(/every connection of its pool stayed busy.*got its notice/);
    await Promise.all(sleeping);
    // Once a connection is free the same call is served.
    expect(await withTenantDb(healthy, (db) => db.user.count())).toBe(0);
  });

  it("a database that is gone is still marked down (positive control)", async () => {
    await expect(withTenantDb(gone, (db) => db.user.count())).rejects.toBeInstanceOf(TenantUnavailable);
    expect(installed.platform.health.reason(gone)).toMatch(/does not exist/);
    expect(isPoolBusy(new Error("database does not exist"))).toBe(false);
  });
});
