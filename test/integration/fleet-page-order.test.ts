import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FanOutOptions } from "../../lib/agency/fleet-metrics.server.ts";
import { fleetPage } from "../../lib/agency/fleet-page.server.ts";
import { parseFleetQuery } from "../../lib/agency/fleet-query.ts";
import { testControlPlane, type TestControlPlane } from "../support/databases.ts";

/**
 * The overview's order across pages (decision 058): a figure sort walks the figure's index, then
 * the tenants without that figure by slug; ties break by slug; filters apply to both parts.
 * Checked against the order worked out here from the same rows, page by page.
 */
let cp: TestControlPlane;
const hosts = { rootDomain: "localhost", agencyHost: "admin.localhost", bareHost: "agency" as const };
const audit = {
  actor: { type: "agency-user" as const, id: "00000000-0000-4000-8000-000000000058", label: "order@agency.example" },
  ip: null,
  userAgent: null,
};

interface Seeded {
  slug: string;
  plan: string;
  name: string;
  size: number | null;
}
const seeded: Seeded[] = [];
const asked: string[] = [];
const noDatabase: FanOutOptions["useTenant"] = async (tenantId) => {
  asked.push(tenantId);
  throw new Error("no database in this test");
};

beforeAll(async () => {
  cp = await testControlPlane();
  // 70 tenants: 44 with a database size (sizes repeat, so ties are common), 26 never read.
  for (let i = 0; i < 70; i++) {
    seeded.push({
      slug: cp.slug(`ord${String((i * 37) % 70).padStart(2, "0")}`),
      plan: i % 3 === 0 ? "premium" : "starter",
      name: `Order ${String.fromCharCode(65 + ((i * 11) % 26))}${i}`,
      size: i % 8 === 3 || i % 8 === 6 || i % 5 === 4 ? null : 1_000_000 + (i % 9) * 4096,
    });
  }
  const control = cp.deps.control;
  for (const t of seeded) {
    const tenant = await control.tenant.create({
      data: { slug: t.slug, name: t.name, plan: t.plan, status: "active", theme: {} },
    });
    if (t.size !== null) {
      await control.tenantMetrics.create({
        data: {
          tenantId: tenant.id,
          collectedAt: new Date(),
          members: 1,
          events: 1,
          registrations30d: 0,
          dbSizeBytes: BigInt(t.size),
          connections: 0,
          latencyMs: 1,
        },
      });
    }
  }
}, 120_000);

afterAll(async () => cp?.cleanup());

async function allPages(params: Record<string, string>): Promise<{ slugs: string[]; pages: number }> {
  const slugs: string[] = [];
  let pages = 1;
  for (let page = 1; page <= pages; page++) {
    const result = await fleetPage(
      { control: cp.deps.control, hosts },
      {
        query: parseFleetQuery({ ...params, per: "25", page: String(page) }).query,
        audit,
        fanOut: { concurrency: 4, timeoutMs: 1_000, budgetMs: 10_000, maxAgeMs: 3_600_000, useTenant: noDatabase },
      },
    );
    expect(result.page).toBe(page);
    pages = result.pages;
    slugs.push(...result.rows.map((r) => r.slug));
  }
  return { slugs, pages };
}

function expected(filter: (t: Seeded) => boolean, dir: 1 | -1): string[] {
  const bySlug = (a: Seeded, b: Seeded) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0);
  const matching = seeded.filter(filter);
  const withSize = matching.filter((t) => t.size !== null).sort((a, b) => (a.size! - b.size!) * dir || bySlug(a, b));
  const without = matching.filter((t) => t.size === null).sort(bySlug);
  return [...withSize, ...without].map((t) => t.slug);
}

describe("the fleet overview's order", () => {
  it("sorted by database size, largest first: every tenant once, ties by slug, the unread last", async () => {
    const { slugs, pages } = await allPages({ sort: "size", dir: "desc" });
    expect(pages).toBe(3);
    expect(slugs).toEqual(expected(() => true, -1));
    // The unread tenants were asked (and failed) only when their page was shown.
    expect(asked).toHaveLength(seeded.filter((t) => t.size === null).length);
  });

  it("smallest first, and filtered by plan", async () => {
    expect((await allPages({ sort: "size", dir: "asc" })).slugs).toEqual(expected(() => true, 1));
    const premium = await allPages({ sort: "size", dir: "desc", plan: "premium" });
    expect(premium.pages).toBe(1);
    expect(premium.slugs).toEqual(expected((t) => t.plan === "premium", -1));
  });

  it("a page past the sized tenants starts at the right unread one", async () => {
    const sized = seeded.filter((t) => t.size !== null).length;
    expect(sized).toBeGreaterThan(25);
    expect(sized).toBeLessThan(50);
    const third = await fleetPage(
      { control: cp.deps.control, hosts },
      {
        query: parseFleetQuery({ sort: "size", dir: "desc", per: "25", page: "3" }).query,
        audit,
        fanOut: { concurrency: 4, timeoutMs: 1_000, budgetMs: 10_000, maxAgeMs: 3_600_000, useTenant: noDatabase },
      },
    );
    expect(third.rows.map((r) => r.slug)).toEqual(expected(() => true, -1).slice(50));
  });

  it("a column of the tenant itself (name, descending) pages the same way", async () => {
    const byName = [...seeded].sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : a.slug < b.slug ? -1 : 1));
    expect((await allPages({ sort: "name", dir: "desc" })).slugs).toEqual(byName.map((t) => t.slug));
  });
});
