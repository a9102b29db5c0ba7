import "server-only";
import { withTenantDb } from "../db/with-tenant-db.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";

export interface EventSummary {
  id: string;
  slug: string;
  title: string;
  summary: string;
  startsAt: Date;
  endsAt: Date;
  timeZone: string;
  venue: string | null;
}

const summaryFields = {
  id: true, slug: true, title: true, summary: true, startsAt: true, endsAt: true, timeZone: true, venue: true,
} as const;

/** Published events that have not ended yet, soonest first. */
export function upcomingEvents(tenant: ResolvedTenant, limit = 24): Promise<EventSummary[]> {
  return withTenantDb(tenant.id, (db) =>
    db.event.findMany({
      where: { status: "published", endsAt: { gte: new Date() } },
      orderBy: { startsAt: "asc" },
      take: limit,
      select: summaryFields,
    }),
  );
}

export function publishedEvent(tenant: ResolvedTenant, slug: string) {
  if (!/^[a-z0-9-]{1,80}$/.test(slug)) return Promise.resolve(null);
  return withTenantDb(tenant.id, (db) =>
    db.event.findFirst({ where: { slug, status: { in: ["published", "cancelled"] } } }),
  );
}
