import "server-only";
import { appendAuditUnlessRecent, type AuditActor } from "../audit/log.server.ts";
import type { ControlDb } from "../db/control.server.ts";
import type { Prisma } from "../db/generated/control/client.ts";
import { appendAgencyAccess } from "../platform/record-trail.server.ts";
import type { HostConfig } from "../tenancy/host.ts";
import { themeSchema, type Theme } from "../tenancy/theme.ts";
import {
  collectFleetMetrics,
  type FanOutOptions,
  type MetricsState,
  type TenantFigures,
} from "./fleet-metrics.server.ts";
import type { FleetQuery, SortKey } from "./fleet-query.ts";
import { TENANT_ROW_INCLUDE, tenantRow, type TenantRow } from "./tenant-row.ts";

/*
 * One page of the agency's fleet overview, with its dependencies passed in: what the dashboard
 * shows once lib/agency/fleet.server.ts has checked the viewer, and what the integration tests
 * and the benchmarks call directly.
 */

export interface FleetRow extends TenantRow {
  metrics: MetricsState;
  /** The logo and colours to recognise the tenant by; null when its stored theme is unreadable. */
  brand: Pick<Theme, "primary" | "accent" | "background" | "logo"> | null;
}

export interface FleetOverview {
  rows: FleetRow[];
  /** Tenants matching the filters (all pages). */
  matching: number;
  /** Every tenant, by status, whatever the filters. */
  byStatus: Record<string, number>;
  page: number;
  pages: number;
  servers: string[];
  fanOut: {
    concurrency: number;
    timeoutMs: number;
    budgetMs: number;
    maxAgeMs: number;
    elapsedMs: number;
    read: number;
    fromCache: number;
    skipped: number;
  };
}

export interface ReadAudit {
  actor: AuditActor;
  ip: string | null;
  userAgent: string | null;
}

/** A person's fleet views are recorded once in this window, so the audit log is not mostly page views. */
export const FLEET_READ_AUDIT_EVERY_MS = 60 * 60 * 1000;

const FIGURE_OF: Partial<Record<SortKey, (f: TenantFigures) => number>> = {
  members: (f) => f.members,
  events: (f) => f.events,
  registrations: (f) => f.registrations30d,
  size: (f) => f.dbSizeBytes,
  connections: (f) => f.connections,
  activity: (f) => f.lastActivityAt?.getTime() ?? 0,
  latency: (f) => f.latencyMs,
};

/** The figure column each figure sort reads (TenantMetrics, one index each). */
const METRIC_COLUMN = {
  members: "members",
  events: "events",
  registrations: "registrations30d",
  size: "dbSizeBytes",
  connections: "connections",
  activity: "lastActivityAt",
  latency: "latencyMs",
} as const satisfies Partial<Record<SortKey, keyof Prisma.TenantMetricsOrderByWithRelationInput>>;
type MetricSort = keyof typeof METRIC_COLUMN;

function isMetricSort(sort: SortKey): sort is MetricSort {
  return Object.hasOwn(METRIC_COLUMN, sort);
}

function tenantOrderBy(sort: Exclude<SortKey, MetricSort>, dir: "asc" | "desc"): Prisma.TenantOrderByWithRelationInput {
  switch (sort) {
    case "slug":
      return { slug: dir };
    case "name":
      return { name: dir };
    case "status":
      return { status: dir };
    case "plan":
      return { plan: dir };
    case "created":
      return { createdAt: dir };
    case "region":
      return { region: dir };
    case "server":
      return { database: { server: { name: dir } } };
    case "schema":
      return { database: { schemaVersion: { sort: dir, nulls: "last" } } };
  }
}

/**
 * The ids of one page, in order. Only ids are sorted, so the sort carries no tenant's theme.
 * A figure sort walks that figure's index from the largest (or smallest) down and stops after
 * the page (tenants with the figure, then those without it by slug): the first page costs the
 * same at 5,000 tenants as at 100, where a join of every tenant to its figures grew with the
 * fleet (docs/decisions/058).
 */
async function pageIds(
  control: ControlDb,
  query: FleetQuery,
  where: Prisma.TenantWhereInput,
  filtered: boolean,
): Promise<string[]> {
  const skip = (query.page - 1) * query.per;
  const take = query.per;
  const { sort, dir } = query;
  if (!isMetricSort(sort)) {
    const rows = await control.tenant.findMany({
      where,
      orderBy: [tenantOrderBy(sort, dir), { slug: "asc" }],
      skip,
      take,
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }
  const column = METRIC_COLUMN[sort];
  const withFigure = {
    [column]: { not: null },
    ...(filtered ? { tenant: where } : {}),
  } as Prisma.TenantMetricsWhereInput;
  const first = await control.tenantMetrics.findMany({
    where: withFigure,
    orderBy: [{ [column]: dir } as Prisma.TenantMetricsOrderByWithRelationInput, { tenant: { slug: "asc" } }],
    skip,
    take,
    select: { tenantId: true },
  });
  if (first.length === take) return first.map((r) => r.tenantId);
  // The page reaches past the tenants with the figure: how many there are says where the rest start.
  const counted = first.length > 0 ? skip + first.length : await control.tenantMetrics.count({ where: withFigure });
  const rest = await control.tenant.findMany({
    where: {
      AND: [where, { OR: [{ metrics: { is: null } }, { metrics: { is: { [column]: null } } }] }],
    } as Prisma.TenantWhereInput,
    orderBy: { slug: "asc" },
    skip: Math.max(0, skip - counted),
    take: take - first.length,
    select: { id: true },
  });
  return [...first.map((r) => r.tenantId), ...rest.map((r) => r.id)];
}

export function fleetWhere(query: FleetQuery): Prisma.TenantWhereInput {
  const and: Prisma.TenantWhereInput[] = [];
  if (query.q) {
    const contains = { contains: query.q, mode: "insensitive" as const };
    and.push({ OR: [{ slug: contains }, { name: contains }, { domains: { some: { hostname: contains } } }] });
  }
  if (query.status.length) and.push({ status: { in: query.status } });
  if (query.plan.length) and.push({ plan: { in: query.plan } });
  if (query.region) and.push({ region: query.region });
  if (query.server) and.push({ database: { is: { server: { name: query.server } } } });
  if (query.health === "degraded") and.push({ metrics: { is: { error: { not: null } } } });
  if (query.health === "healthy") and.push({ metrics: { is: { error: null } } });
  if (query.health === "unknown") and.push({ metrics: { is: null } });
  return and.length ? { AND: and } : {};
}

/** fleetOverview with its dependencies passed in (the integration tests and the benchmarks call this). */
export async function fleetPage(
  deps: { control: ControlDb; hosts: HostConfig },
  options: { query: FleetQuery; audit: ReadAudit; fanOut: FanOutOptions; now?: Date },
): Promise<FleetOverview> {
  const { control, hosts } = deps;
  const { query, fanOut } = options;
  const where = fleetWhere(query);
  const filtered = Object.keys(where).length > 0;
  const [filteredCount, statusGroups, servers] = await Promise.all([
    filtered ? control.tenant.count({ where }) : null,
    control.tenant.groupBy({ by: ["status"], _count: { _all: true } }),
    control.databaseServer.findMany({ select: { name: true }, orderBy: { name: "asc" } }),
  ]);
  const byStatus = Object.fromEntries(statusGroups.map((g) => [g.status, g._count._all]));
  const matching = filteredCount ?? Object.values(byStatus).reduce((sum, n) => sum + n, 0);
  const pages = Math.max(1, Math.ceil(matching / query.per));
  const page = Math.min(query.page, pages);
  const ids = await pageIds(control, { ...query, page }, where, filtered);
  const position = new Map(ids.map((id, i) => [id, i]));
  const tenants = (
    ids.length ? await control.tenant.findMany({ where: { id: { in: ids } }, include: TENANT_ROW_INCLUDE }) : []
  ).sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0));

  const result = await collectFleetMetrics(
    control,
    tenants,
    recordedInTenantTrails(fanOut, options.audit, "fleet figures (members, events, registrations, database size)"),
  );
  // A cross-tenant read, recorded before anything read is shown: once per person per hour (the
  // first view's tenants), so the log says who looked without a line for every page view.
  const now = options.now ?? new Date();
  await appendAuditUnlessRecent(
    control,
    {
      ...options.audit,
      action: "fleet.read",
      details: {
        what: "fleet figures (members, events, registrations, database size, connections, activity)",
        read: result.read,
        fromCache: result.fromCache,
        skipped: result.skipped,
        shown: tenants.map((t) => t.slug),
      },
    },
    new Date(now.getTime() - FLEET_READ_AUDIT_EVERY_MS),
  );

  const rows = tenants.map((tenant): FleetRow => {
    const theme = themeSchema.safeParse(tenant.theme);
    return {
      ...tenantRow(tenant, hosts),
      metrics: result.states.get(tenant.id) ?? { state: "inactive" },
      brand: theme.success
        ? {
            primary: theme.data.primary,
            accent: theme.data.accent,
            background: theme.data.background,
            logo: theme.data.logo,
          }
        : null,
    };
  });
  // SQL sorted by the figures as last read; the page shows fresher ones, so order the page by
  // what it shows (stable, unknown last).
  const figure = FIGURE_OF[query.sort];
  if (figure) {
    const sign = query.dir === "asc" ? 1 : -1;
    const value = (row: FleetRow) => {
      const m = row.metrics;
      const shown = m.state === "healthy" ? m.figures : m.state === "degraded" || m.state === "stale" ? m.last : null;
      return shown ? figure(shown) : null;
    };
    rows.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
      return (x - y) * sign;
    });
  }
  return {
    rows,
    matching,
    byStatus,
    page,
    pages,
    servers: servers.map((s) => s.name),
    fanOut: {
      concurrency: fanOut.concurrency,
      timeoutMs: fanOut.timeoutMs,
      budgetMs: fanOut.budgetMs,
      maxAgeMs: fanOut.maxAgeMs,
      elapsedMs: result.elapsedMs,
      read: result.read.length,
      fromCache: result.fromCache,
      skipped: result.skipped,
    },
  };
}

/**
 * The fan-out, recording each fresh read in the tenant's own trail (decision 048) on the same
 * lease, at most hourly per person: a tenant whose trail cannot be written is not read.
 */
export function recordedInTenantTrails(fanOut: FanOutOptions, audit: ReadAudit, what: string): FanOutOptions {
  return {
    ...fanOut,
    useTenant: (tenantId, fn) =>
      fanOut.useTenant(tenantId, async (db) => {
        await appendAgencyAccess(db, tenantId, {
          agencyEmail: audit.actor.label,
          action: "agency.read",
          details: { what },
          ip: audit.ip,
          userAgent: audit.userAgent,
          unlessRecent: true,
        });
        return fn(db);
      }),
  };
}
