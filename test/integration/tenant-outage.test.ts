import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenantDb } from "../../lib/platform/with-tenant-db.server.ts";
import { dropDatabaseIfExists } from "../../lib/db/postgres.ts";
import { TenantUnavailable } from "../../lib/util/errors.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { outageOf } from "../../lib/platform/outage.ts";
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
  installed = installTestPlatform(cp, (line) => lines.push(line));
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
