import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectFleetMetrics, type FanOutOptions } from "../../lib/agency/fleet-metrics.server.ts";
import { FLEET_READ_AUDIT_EVERY_MS, fleetPage } from "../../lib/agency/fleet.server.ts";
import { DEFAULT_QUERY, parseFleetQuery } from "../../lib/agency/fleet-query.ts";
import { fleetInsights } from "../../lib/agency/insights.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import { quoteIdent, withDatabase } from "../../lib/db/postgres.ts";
import { createTenantDb, tenantConnectionUrl, type TenantDb } from "../../lib/db/tenant-db.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { metrics } from "../../lib/observability/metrics.ts";
import { adminUrl, testControlPlane, withAdmin, type TestControlPlane } from "../support/databases.ts";
import { agencyViewer } from "../support/viewers.ts";

/**
 * The fleet fan-out against real tenant databases: bounded concurrency, a per-tenant timeout that
 * PostgreSQL enforces, a whole-page budget, the brief cache, and the audit entry of every read.
 */
let cp: TestControlPlane;
const clients = new Map<string, PooledClient<TenantDb>>();
const ids: Record<string, string> = {};
const hosts = { rootDomain: "localhost", agencyHost: "admin.localhost", bareHost: "agency" as const };
const audit = {
  actor: { type: "agency-user" as const, id: "00000000-0000-4000-8000-000000000001", label: "olive@agency.example" },
  ip: "203.0.113.7",
  userAgent: "vitest",
};
const TENANTS = 10;

let inFlight = 0;
let peak = 0;
const asked: string[] = [];

async function useTenant<T>(tenantId: string, fn: (db: TenantDb) => Promise<T>): Promise<T> {
  let pooled = clients.get(tenantId);
  if (!pooled) {
    pooled = createTenantDb(await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenantId), "fan-out-test", {
      poolSize: 2,
      idleMs: 5_000,
      connectTimeoutMs: 2_000,
    });
    clients.set(tenantId, pooled);
  }
  inFlight++;
  peak = Math.max(peak, inFlight);
  asked.push(tenantId);
  try {
    // Long enough that every worker of the fan-out is busy at once.
    await new Promise((r) => setTimeout(r, 25));
    return await fn(pooled.client);
  } finally {
    inFlight--;
  }
}

function options(patch: Partial<FanOutOptions> = {}): FanOutOptions {
  return { concurrency: 3, timeoutMs: 1_500, budgetMs: 60_000, maxAgeMs: 0, useTenant, ...patch };
}

async function tenantRows() {
  return cp.deps.control.tenant.findMany({ orderBy: { slug: "asc" }, select: { id: true, slug: true, status: true } });
}

beforeAll(async () => {
  cp = await testControlPlane();
  for (let i = 0; i < TENANTS; i++) {
    const slug = cp.slug(`fan${String(i).padStart(2, "0")}`);
    const { tenantId } = await provisionTenant(
      cp.deps,
      parseTenantSpec({
        slug,
        name: `Fan ${i}`,
        plan: i % 2 ? "premium" : "starter",
        theme: FALLBACK_THEME,
        demo: {
          users: Array.from({ length: i + 1 }, (_, u) => ({
            email: `u${u}@fan${i}.example`,
            name: `U ${u}`,
            role: u === 0 ? "owner" : "member",
          })),
          events: [{ slug: "e", title: "E", startsInDays: 3 }],
        },
      }),
      { mode: "create" },
    );
    ids[slug] = tenantId;
  }
  // Registrations on fan00 today and 3 days ago, one older than the 30-day window.
  await useTenant(ids[cp.slug("fan00")]!, async (db) => {
    const event = await db.event.findFirstOrThrow();
    const at = (days: number) => new Date(Date.now() - days * 86_400_000);
    for (const [i, days] of [0, 0, 3, 45].entries()) {
      await db.registration.create({
        data: {
          eventId: event.id,
          email: `r${i}@x.example`,
          name: "R",
          status: "confirmed",
          ticketCode: `t-${i}-${cp.tag}`,
          createdAt: at(days),
        },
      });
    }
  });
});

afterAll(async () => {
  for (const c of clients.values()) await c.close();
  await cp?.cleanup();
});

/** The process's fan-out metrics as /metrics would report them: runs, and degraded tenants by reason. */
async function fanOutFigures(): Promise<{ runs: number; timeout: number; error: number; budget: number }> {
  const m = metrics();
  const runs = (await m.fanOutDuration.get()).values.find(
    (v) => v.metricName === "portico_fanout_duration_seconds_count",
  );
  const degraded = (await m.fanOutDegraded.get()).values;
  const by = (reason: string) => degraded.find((v) => v.labels.reason === reason)?.value ?? 0;
  return { runs: runs?.value ?? 0, timeout: by("timeout"), error: by("error"), budget: by("budget") };
}

describe("the fleet fan-out", () => {
  it("asks every tenant once, never more than `concurrency` at a time, and reads true figures", async () => {
    peak = 0;
    asked.length = 0;
    const tenants = await tenantRows();
    const before = await fanOutFigures();
    const result = await collectFleetMetrics(cp.deps.control, tenants, options());
    // Its metrics: one more run timed, and no tenant counted degraded (the control for the cases below).
    expect(await fanOutFigures()).toEqual({ ...before, runs: before.runs + 1 });
    expect(asked.sort()).toEqual(tenants.map((t) => t.id).sort());
    expect(peak).toBe(3);
    expect(result.maxInFlight).toBe(3);
    expect(result.read.sort()).toEqual(tenants.map((t) => t.slug).sort());

    const fan00 = result.states.get(ids[cp.slug("fan00")]!);
    expect(fan00?.state).toBe("healthy");
    if (fan00?.state !== "healthy") return;
    expect(fan00.figures).toMatchObject({
      members: 1,
      events: 1,
      registrations30d: 3,
      connections: expect.any(Number),
    });
    expect(fan00.figures.registrationsDaily).toHaveLength(30);
    expect(fan00.figures.registrationsDaily.at(-1)).toBe(2);
    expect(fan00.figures.registrationsDaily.at(-4)).toBe(1);
    expect(fan00.figures.registrationsDaily.reduce((a, b) => a + b, 0)).toBe(3);
    expect(fan00.figures.dbSizeBytes).toBeGreaterThan(1_000_000);
    expect(fan00.figures.lastActivityAt).not.toBeNull();
    const fan04 = result.states.get(ids[cp.slug("fan04")]!);
    expect(fan04?.state === "healthy" && fan04.figures.members).toBe(5);

    // Written to the control plane's cache.
    const stored = await cp.deps.control.tenantMetrics.findUniqueOrThrow({
      where: { tenantId: ids[cp.slug("fan00")]! },
    });
    expect(stored).toMatchObject({ error: null, members: 1, registrations30d: 3 });
  });

  it("serves fresh figures from the cache without asking the tenants again", async () => {
    const tenants = await tenantRows();
    await collectFleetMetrics(cp.deps.control, tenants, options());
    asked.length = 0;
    const cached = await collectFleetMetrics(cp.deps.control, tenants, options({ maxAgeMs: 60_000 }));
    expect(asked).toEqual([]);
    expect(cached.read).toEqual([]);
    expect(cached.fromCache).toBe(TENANTS);
    expect([...cached.states.values()].every((s) => s.state === "healthy" && s.cached)).toBe(true);
  });

  it("a tenant whose query hangs is degraded by its timeout, and PostgreSQL cancels the statement", async () => {
    const slug = cp.slug("fan01");
    const db = await cp.deps.control.tenantDatabase.findUniqueOrThrow({ where: { tenantId: ids[slug]! } });
    const locker = new pg.Client({ connectionString: withDatabase(adminUrl(), db.databaseName) });
    await locker.connect();
    try {
      await locker.query(`BEGIN; LOCK TABLE "Event" IN ACCESS EXCLUSIVE MODE`);
      const before = await fanOutFigures();
      const result = await collectFleetMetrics(cp.deps.control, await tenantRows(), options({ timeoutMs: 400 }));
      expect(await fanOutFigures()).toEqual({ ...before, runs: before.runs + 1, timeout: before.timeout + 1 });
      const state = result.states.get(ids[slug]!);
      expect(state?.state).toBe("degraded");
      expect(state?.state === "degraded" && state.reason).toBe(
        "timed out: no answer within 400 ms (statement cancelled)",
      );
      // The last good figures are kept for the dashboard, greyed.
      expect(state?.state === "degraded" && state.last?.members).toBe(2);
      const others = [...result.states.entries()].filter(([id]) => id !== ids[slug]);
      expect(others.every(([, s]) => s.state === "healthy")).toBe(true);
      // statement_timeout ended the tenant's query: nothing of its role still waits for the lock.
      const waiting = await withAdmin((c) =>
        c.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND state = 'active' AND wait_event_type = 'Lock'`,
          [db.roleName],
        ),
      );
      expect(waiting.rows[0].n).toBe(0);
      const stored = await cp.deps.control.tenantMetrics.findUniqueOrThrow({ where: { tenantId: ids[slug]! } });
      expect(stored.error).toMatch(/timed out|did not answer/);
      expect(stored.members).toBe(2);
    } finally {
      await locker.query("ROLLBACK").catch(() => {});
      await locker.end();
    }
  });

  it("a stopped tenant database is degraded with the reason, the others are unaffected", async () => {
    const slug = cp.slug("fan02");
    const db = await cp.deps.control.tenantDatabase.findUniqueOrThrow({ where: { tenantId: ids[slug]! } });
    await clients.get(ids[slug]!)?.close();
    clients.delete(ids[slug]!);
    await withAdmin(async (c) => {
      await c.query(`ALTER DATABASE ${quoteIdent(db.databaseName)} WITH ALLOW_CONNECTIONS false`);
      await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [db.databaseName]);
    });
    try {
      const before = await fanOutFigures();
      const result = await collectFleetMetrics(cp.deps.control, await tenantRows(), options());
      expect(await fanOutFigures()).toEqual({ ...before, runs: before.runs + 1, error: before.error + 1 });
      const state = result.states.get(ids[slug]!);
      expect(state?.state).toBe("degraded");
      expect(state?.state === "degraded" && state.reason).toMatch(/not currently accepting connections/);
      expect([...result.states.values()].filter((s) => s.state === "healthy")).toHaveLength(TENANTS - 1);
    } finally {
      await withAdmin((c) => c.query(`ALTER DATABASE ${quoteIdent(db.databaseName)} WITH ALLOW_CONNECTIONS true`));
    }
  });

  it("stops asking when the page's budget is spent: the rest keep their last figures, marked not checked", async () => {
    const tenants = await tenantRows();
    asked.length = 0;
    const before = await fanOutFigures();
    const result = await collectFleetMetrics(cp.deps.control, tenants, options({ budgetMs: 0 }));
    expect(await fanOutFigures()).toEqual({ ...before, runs: before.runs + 1, budget: before.budget + TENANTS });
    expect(asked).toEqual([]);
    expect(result.skipped).toBe(TENANTS);
    const states = [...result.states.values()];
    expect(states.every((s) => s.state === "stale")).toBe(true);
    expect(states.every((s) => s.state === "stale" && s.last !== null && /budget/.test(s.reason))).toBe(true);
  });

  it("leaves tenants without a live database alone", async () => {
    const tenants = [
      ...(await tenantRows()),
      { id: "00000000-0000-4000-8000-00000000000f", slug: "gone", status: "offboarded" },
    ];
    asked.length = 0;
    const result = await collectFleetMetrics(cp.deps.control, tenants, options({ maxAgeMs: 60_000 }));
    expect(result.states.get("00000000-0000-4000-8000-00000000000f")).toEqual({ state: "inactive" });
    expect(asked).not.toContain("00000000-0000-4000-8000-00000000000f");
  });
});

describe("the fleet page", () => {
  const page = (params: Record<string, string>, patch: Partial<FanOutOptions> = {}) =>
    fleetPage(
      { control: cp.deps.control, hosts },
      { query: parseFleetQuery(params).query, audit, fanOut: options(patch) },
    );

  it("filters, sorts and pages in the control plane and asks only the page's tenants", async () => {
    asked.length = 0;
    const first = await page({ per: "25", plan: "premium", sort: "members", dir: "desc" });
    expect(first.matching).toBe(5);
    expect(first.rows.map((r) => r.plan)).toEqual(Array(5).fill("premium"));
    // Premium tenants are fan01, 03, 05, 07, 09 with 2, 4, 6, 8, 10 members.
    expect(first.rows.map((r) => (r.metrics.state === "healthy" ? r.metrics.figures.members : null))).toEqual([
      10, 8, 6, 4, 2,
    ]);
    expect(new Set(asked)).toEqual(new Set(first.rows.map((r) => r.id)));

    const searched = await page({ q: cp.slug("fan07").toUpperCase() });
    expect(searched.rows.map((r) => r.slug)).toEqual([cp.slug("fan07")]);

    const paged = await page({ per: "25", page: "9" });
    expect([paged.page, paged.pages, paged.rows.length]).toEqual([1, 1, TENANTS]);
    const none = await page({ q: "no-such-tenant" });
    expect([none.matching, none.rows.length]).toEqual([0, 0]);
  });

  it("records a person's fleet views once an hour, naming the tenants asked and shown", async () => {
    const as = (id: string, label: string) => ({ ...audit, actor: { ...audit.actor, id, label } });
    const vera = as("00000000-0000-4000-8000-0000000000a1", "vera@agency.example");
    const view = (who: typeof audit, patch: Partial<FanOutOptions>, now?: Date) =>
      fleetPage(
        { control: cp.deps.control, hosts },
        {
          query: parseFleetQuery({ plan: "starter" }).query,
          audit: who,
          fanOut: options(patch),
          ...(now ? { now } : {}),
        },
      );
    const reads = (actorId: string) =>
      cp.deps.control.auditEntry.findMany({ where: { action: "fleet.read", actorId }, orderBy: { id: "asc" } });

    await view(vera, { maxAgeMs: 0 });
    const starters = [0, 2, 4, 6, 8].map((i) => cp.slug(`fan0${i}`)).sort();
    const [first] = await reads(vera.actor.id);
    expect(first).toMatchObject({ actorType: "agency-user", actorLabel: "vera@agency.example", ip: "203.0.113.7" });
    expect((first!.details as { read: string[] }).read.sort()).toEqual(starters);

    // A second view within the hour adds nothing; another person's view is still recorded.
    await view(vera, { maxAgeMs: 60_000 });
    expect(await reads(vera.actor.id)).toHaveLength(1);
    const walt = as("00000000-0000-4000-8000-0000000000a2", "walt@agency.example");
    await view(walt, { maxAgeMs: 60_000 });
    expect(await reads(walt.actor.id)).toHaveLength(1);

    // Entries cannot be backdated (the log refuses UPDATE), so the clock moves past the hour instead.
    await view(vera, { maxAgeMs: 60_000 }, new Date(Date.now() + FLEET_READ_AUDIT_EVERY_MS + 60_000));
    const after = await reads(vera.actor.id);
    expect(after).toHaveLength(2);
    expect(after[1]!.details as { read: string[]; fromCache: number }).toMatchObject({ read: [], fromCache: 5 });
    expect((after[1]!.details as { shown: string[] }).shown.sort()).toEqual(starters);
  });

  it("nonsense filters are dropped with a sentence each, and the page still renders", () => {
    const { query, problems } = parseFleetQuery({
      status: "alive,active",
      plan: "gold",
      sort: "DROP TABLE",
      dir: "sideways",
      per: "7",
      page: "-3",
      health: "meh",
    });
    expect(query).toEqual({ ...DEFAULT_QUERY, status: ["active"] });
    expect(problems).toHaveLength(7);
    expect(problems.join(" ")).toMatch(/Status "alive" is not one of/);
    expect(problems.join(" ")).toMatch(/Cannot sort by "DROP TABLE"/);
  });
});

describe("the charts' figures", () => {
  it("add up what the tenants' databases hold, and the read is audited", async () => {
    const cache = {
      hits: 5,
      misses: 2,
      evictions: 1,
      clients: 2,
      openConnections: 1,
      reservedConnections: 2,
      budget: 40,
      waits: 0,
    };
    const insights = await fleetInsights(agencyViewer(), cp.deps.control, cache, audit, options());
    expect(insights.registrationsTotal).toBe(3);
    expect(insights.registrationSeries.map((s) => s.slug)).toEqual([cp.slug("fan00")]);
    expect(insights.registrationsByDay).toHaveLength(30);
    expect(insights.registrationsByDay.at(-1)).toMatchObject({ [cp.slug("fan00")]: 2, total: 2 });
    expect(insights.byPlan).toEqual([
      { plan: "premium", tenants: 5 },
      { plan: "starter", tenants: 5 },
    ]);
    expect(insights.byStatus).toEqual([{ status: "active", tenants: TENANTS }]);
    expect(insights.dbSizes).toHaveLength(TENANTS);
    expect(insights.dbSizes.every((d) => d.megabytes > 1)).toBe(true);
    expect(insights.coverage).toMatchObject({ withFigures: TENANTS, readable: TENANTS, read: TENANTS });
    const last = await cp.deps.control.auditEntry.findFirstOrThrow({
      where: { action: "fleet.read" },
      orderBy: { id: "desc" },
    });
    expect((last.details as { what: string; read: string[] }).read).toHaveLength(TENANTS);
    expect((last.details as { what: string }).what).toMatch(/charts/);
  });
});

describe("the fleet page over thousands of tenants", () => {
  it("pages, filters and sorts 2,000 tenants in the control plane without asking tenants that have no database", async () => {
    const big = await testControlPlane();
    try {
      await big.deps.control.tenant.createMany({
        data: Array.from({ length: 2_000 }, (_, i) => ({
          slug: `t${String(i).padStart(4, "0")}`,
          name: `Tenant ${i}`,
          status: i % 10 === 0 ? ("failed" as const) : ("provisioning" as const),
          plan: i % 3 === 0 ? "premium" : "standard",
          theme: {},
        })),
      });
      asked.length = 0;
      const view = (params: Record<string, string>) =>
        fleetPage(
          { control: big.deps.control, hosts },
          { query: parseFleetQuery(params).query, audit, fanOut: options() },
        );
      const page7 = await view({ page: "7", per: "100", sort: "slug", dir: "desc" });
      expect([page7.matching, page7.pages, page7.page, page7.rows.length]).toEqual([2_000, 20, 7, 100]);
      expect(page7.rows[0]!.slug).toBe("t1399");
      expect(page7.rows.at(-1)!.slug).toBe("t1300");
      expect(page7.byStatus).toEqual({ failed: 200, provisioning: 1_800 });
      const failedPremium = await view({ status: "failed", plan: "premium", per: "25" });
      expect(failedPremium.matching).toBe(67);
      expect(failedPremium.rows.every((r) => r.status === "failed" && r.plan === "premium")).toBe(true);
      const last = await view({ status: "failed", plan: "premium", per: "25", page: "3" });
      expect(last.rows).toHaveLength(17);
      expect(asked).toEqual([]);
      expect(page7.rows.every((r) => r.metrics.state === "inactive")).toBe(true);
    } finally {
      await big.cleanup();
    }
  });
});
