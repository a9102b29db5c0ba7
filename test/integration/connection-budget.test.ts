import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantClientCache } from "../../lib/db/client-cache.ts";
import { createTenantDb, tenantConnectionUrl, type TenantDb } from "../../lib/db/tenant-db.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { mapSettledBounded } from "../../lib/util/concurrency.ts";
import { testControlPlane, withAdmin, type TestControlPlane } from "../support/databases.ts";

/**
 * Security case 18 (decision 003): with 10× more tenants than the budget can hold at once,
 * PostgreSQL itself (pg_stat_activity) never shows more tenant connections than the budget,
 * and no request fails with "too many connections".
 */
const BUDGET = 8;
const POOL_SIZE = 2;
const TENANTS = (BUDGET / POOL_SIZE) * 10; // 40

let cp: TestControlPlane;
const tenantIds: string[] = [];
let roles: string[] = [];

beforeAll(async () => {
  cp = await testControlPlane();
  for (let i = 0; i < TENANTS; i++) {
    const spec = parseTenantSpec({
      slug: cp.slug(`b${i}`),
      name: `Budget ${i}`,
      theme: FALLBACK_THEME,
      demo: { events: [{ slug: "e", title: `Event of tenant ${i}`, startsInDays: 1 }] },
    });
    tenantIds.push((await provisionTenant(cp.deps, spec, { mode: "create" })).tenantId);
  }
  roles = (await cp.deps.control.tenantDatabase.findMany({ select: { roleName: true } })).map((r) => r.roleName);
}, 120_000);

afterAll(async () => {
  await cp?.cleanup();
});

async function tenantConnections(): Promise<number> {
  const res = await withAdmin((c) =>
    c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = ANY($1)", [roles]),
  );
  return res.rows[0]?.n ?? 0;
}

describe("the tenant client cache against real PostgreSQL", () => {
  it("keeps open connections within the budget while serving 10× more tenants", async () => {
    const cache = new TenantClientCache<TenantDb>(
      async (id) =>
        createTenantDb(await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, id), id, {
          poolSize: POOL_SIZE,
          idleMs: 300,
          connectTimeoutMs: 5_000,
        }),
      { budget: BUDGET, poolSize: POOL_SIZE, idleMs: 0 },
    );
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await tenantConnections());
        await new Promise((r) => setTimeout(r, 2));
      }
    })();

    // 600 requests, 16 in flight, spread over all tenants in an interleaved order; each checks it
    // got its own tenant's data back.
    const requests = Array.from({ length: 600 }, (_, i) => (i * 13) % TENANTS);
    const results = await mapSettledBounded(requests, 16, async (t) => {
      const title = await cache.use(tenantIds[t]!, async (db) => {
        const [event] = await Promise.all([db.event.findFirstOrThrow({ select: { title: true } }), db.user.count()]);
        return event.title;
      });
      if (title !== `Event of tenant ${t}`) throw new Error(`tenant ${t} got "${title}"`);
    });
    sampling = false;
    await sampler;
    peak = Math.max(peak, await tenantConnections());

    const failures = results
      .filter((r) => r.status === "rejected")
      .map((r) => String((r as PromiseRejectedResult).reason));
    expect(failures).toEqual([]);
    const stats = cache.stats();
    expect(stats.misses).toBeGreaterThanOrEqual(TENANTS);
    expect(stats.evictions).toBeGreaterThan(0);
    expect(peak).toBeGreaterThan(0); // positive control: the sampler does see our connections
    expect(peak).toBeLessThanOrEqual(BUDGET);
    expect(stats.openConnections).toBeLessThanOrEqual(BUDGET);

    // Idle connections close by themselves (pool idle timeout 300 ms).
    await new Promise((r) => setTimeout(r, 1_000));
    expect(cache.stats().openConnections).toBe(0);
    expect(await tenantConnections()).toBe(0);
    await cache.closeAll();
    // 600 requests, most of them opening a client after an eviction: 15–45 s on two cores.
  }, 120_000);
});
