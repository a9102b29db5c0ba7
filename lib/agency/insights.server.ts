import "server-only";
import { appendAudit } from "../audit/log.server.ts";
import type { ControlDb } from "../db/control.server.ts";
import type { ClientCacheStats } from "../db/client-cache.ts";
import {
  collectFleetMetrics,
  DAYS,
  dayLabels,
  fromRow,
  isReadable,
  type FanOutOptions,
} from "./fleet-metrics.server.ts";
import { recordedInTenantTrails, type ReadAudit } from "./fleet.server.ts";
import { assertAgencyRole, type AgencyUser } from "../auth/agency-guard.server.ts";

/** What the charts page draws, all of it plain data (client components render it). */
export interface Insights {
  days: string[];
  /** One series per tenant among the top TOP_SERIES by registrations; the rest summed as "others". */
  registrationSeries: Array<{ slug: string; name: string }>;
  registrationsByDay: Array<Record<string, number | string>>;
  registrationsTotal: number;
  byStatus: Array<{ status: string; tenants: number }>;
  byPlan: Array<{ plan: string; tenants: number }>;
  dbSizes: Array<{ slug: string; name: string; megabytes: number }>;
  dbSizesMore: number;
  cache: ClientCacheStats;
  coverage: { withFigures: number; readable: number; read: number; skipped: number; oldest: Date | null };
}

const TOP_SERIES = 6;
const TOP_SIZES = 15;
export const OTHERS = "others";

/**
 * The fleet's figures for charts: refreshes the stalest tenants' figures within the fan-out's
 * bounds (oldest first, so repeated visits cover a large fleet), audits that read, and then
 * aggregates what the cache holds.
 */
export async function fleetInsights(
  viewer: AgencyUser,
  control: ControlDb,
  cache: ClientCacheStats,
  audit: ReadAudit,
  fanOut: FanOutOptions,
  today = new Date(),
): Promise<Insights> {
  assertAgencyRole(viewer, "viewer");
  const tenants = await control.tenant.findMany({
    select: { id: true, slug: true, name: true, status: true, plan: true, metrics: { select: { collectedAt: true } } },
  });
  const readable = tenants.filter((t) => isReadable(t.status));
  readable.sort((a, b) => (a.metrics?.collectedAt.getTime() ?? 0) - (b.metrics?.collectedAt.getTime() ?? 0));
  const result = await collectFleetMetrics(
    control,
    readable,
    recordedInTenantTrails(fanOut, audit, "fleet charts (registrations per day, database size)"),
  );
  await appendAudit(control, {
    ...audit,
    action: "fleet.read",
    details: {
      what: "fleet charts (registrations per day, database sizes)",
      read: result.read,
      fromCache: result.fromCache,
      skipped: result.skipped,
    },
  });

  const rows = await control.tenantMetrics.findMany({ where: { tenantId: { in: readable.map((t) => t.id) } } });
  const byId = new Map(tenants.map((t) => [t.id, t]));
  const days = dayLabels(today);
  const dayIndex = new Map(days.map((d, i) => [d, i]));

  // Each tenant's daily counts end on the day they were read: place them on the calendar.
  const perTenant = rows.map((row) => {
    const state = fromRow(row, true);
    const figures = state.state === "healthy" ? state.figures : state.state === "degraded" ? state.last : null;
    const daily = new Array<number>(DAYS).fill(0);
    if (figures) {
      const end = Date.UTC(
        row.collectedAt.getUTCFullYear(),
        row.collectedAt.getUTCMonth(),
        row.collectedAt.getUTCDate(),
      );
      figures.registrationsDaily.forEach((n, i) => {
        const day = new Date(end - (figures.registrationsDaily.length - 1 - i) * 86_400_000).toISOString().slice(0, 10);
        const at = dayIndex.get(day);
        if (at !== undefined) daily[at] = n;
      });
    }
    return { tenant: byId.get(row.tenantId)!, figures, daily };
  });

  const ranked = perTenant
    .filter((p) => p.figures)
    .sort(
      (a, b) =>
        b.daily.reduce((x, y) => x + y, 0) - a.daily.reduce((x, y) => x + y, 0) ||
        a.tenant.slug.localeCompare(b.tenant.slug),
    );
  const top = ranked.slice(0, TOP_SERIES).filter((p) => p.daily.some((n) => n > 0));
  const rest = ranked.filter((p) => !top.includes(p) && p.daily.some((n) => n > 0));
  const registrationsByDay = days.map((day, i) => {
    const point: Record<string, number | string> = { day: day.slice(5) };
    let total = 0;
    for (const p of top) {
      point[p.tenant.slug] = p.daily[i] ?? 0;
      total += p.daily[i] ?? 0;
    }
    if (rest.length) {
      const others = rest.reduce((sum, p) => sum + (p.daily[i] ?? 0), 0);
      point[OTHERS] = others;
      total += others;
    }
    point.total = total;
    return point;
  });

  const count = (key: "status" | "plan") => {
    const m = new Map<string, number>();
    for (const t of tenants) m.set(t[key], (m.get(t[key]) ?? 0) + 1);
    return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  };
  const sized = perTenant
    .filter((p) => p.figures)
    .map((p) => ({
      slug: p.tenant.slug,
      name: p.tenant.name,
      megabytes: Math.round((p.figures!.dbSizeBytes / 1048576) * 100) / 100,
    }))
    .sort((a, b) => b.megabytes - a.megabytes || a.slug.localeCompare(b.slug));

  return {
    days,
    registrationSeries: [
      ...top.map((p) => ({ slug: p.tenant.slug, name: p.tenant.name })),
      ...(rest.length
        ? [{ slug: OTHERS, name: `${rest.length} other tenant${rest.length === 1 ? "" : "s"} with registrations` }]
        : []),
    ],
    registrationsByDay,
    registrationsTotal: registrationsByDay.reduce((sum, p) => sum + Number(p.total), 0),
    byStatus: count("status").map(([status, n]) => ({ status, tenants: n })),
    byPlan: count("plan").map(([plan, n]) => ({ plan, tenants: n })),
    dbSizes: sized.slice(0, TOP_SIZES),
    dbSizesMore: Math.max(0, sized.length - TOP_SIZES),
    cache,
    coverage: {
      withFigures: perTenant.filter((p) => p.figures).length,
      readable: readable.length,
      read: result.read.length,
      skipped: result.skipped,
      oldest: rows.length ? new Date(Math.min(...rows.map((r) => r.collectedAt.getTime()))) : null,
    },
  };
}
