import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { CATALOGUE_PAGE, cataloguePage } from "../../lib/portal/events.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";

/** The catalogue's paging against a real tenant database: right totals, and the count only when needed. */
let cp: TestControlPlane;
let pooled: PooledClient<TenantDb>;
let db: TenantDb;

/** The same client, recording each operation it sends ("Event.findMany", "Event.count"). */
function recording(): { db: TenantDb; operations: string[] } {
  const operations: string[] = [];
  const extended = db.$extends({
    query: {
      $allOperations({ model, operation, args, query }) {
        operations.push(`${model}.${operation}`);
        return query(args);
      },
    },
  });
  return { db: extended as unknown as TenantDb, operations };
}

async function withEvents(n: number): Promise<void> {
  await db.event.deleteMany({});
  const start = Date.now() + 86_400_000;
  await db.event.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      slug: `e-${String(i).padStart(3, "0")}`,
      title: `Event ${i}`,
      startsAt: new Date(start + i * 3_600_000),
      endsAt: new Date(start + i * 3_600_000 + 1_800_000),
      timeZone: "UTC",
      status: "published" as const,
    })),
  });
}

beforeAll(async () => {
  cp = await testControlPlane();
  const { tenantId } = await provisionTenant(
    cp.deps,
    parseTenantSpec({ slug: cp.slug("catalogue"), name: "Catalogue", theme: FALLBACK_THEME }),
    { mode: "create", seed: false },
  );
  pooled = await openTenantDb(cp, tenantId, "catalogue-test");
  db = pooled.client;
});
afterAll(async () => {
  await pooled?.close();
  await cp?.cleanup();
});

const upcoming = { status: { in: ["published" as const, "cancelled" as const] }, endsAt: { gte: new Date() } };

describe("catalogue paging", () => {
  it.each([
    // events, page, total, events on the page, whether the count was needed
    [0, 1, 0, 0, false],
    [5, 1, 5, 5, false],
    [CATALOGUE_PAGE - 1, 1, CATALOGUE_PAGE - 1, CATALOGUE_PAGE - 1, false],
    [CATALOGUE_PAGE, 1, CATALOGUE_PAGE, CATALOGUE_PAGE, true],
    [CATALOGUE_PAGE + 1, 1, CATALOGUE_PAGE + 1, CATALOGUE_PAGE, true],
    [CATALOGUE_PAGE + 1, 2, CATALOGUE_PAGE + 1, 1, false],
    [2 * CATALOGUE_PAGE, 2, 2 * CATALOGUE_PAGE, CATALOGUE_PAGE, true],
    [5, 3, 5, 0, true], // past the end: the count says how many pages there are
  ])("%i events, page %i: total %i, %i shown (count needed: %s)", async (n, page, total, shown, counted) => {
    await withEvents(n);
    const { db: recorded, operations } = recording();
    const result = await cataloguePage(recorded, upcoming, "asc", page);
    expect(result.total).toBe(total);
    expect(result.events).toHaveLength(shown);
    expect(result.total).toBe(await db.event.count({ where: upcoming }));
    expect(operations).toEqual(counted ? ["Event.findMany", "Event.count"] : ["Event.findMany"]);
  });

  it("pages through every event once, in order", async () => {
    await withEvents(2 * CATALOGUE_PAGE + 3);
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++)
      seen.push(...(await cataloguePage(db, upcoming, "asc", page)).events.map((e) => e.slug));
    expect(seen).toEqual(Array.from({ length: 2 * CATALOGUE_PAGE + 3 }, (_, i) => `e-${String(i).padStart(3, "0")}`));
  });
});
