import "server-only";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
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
  status: "draft" | "published" | "cancelled";
  /** Same-origin path of the cover image, or null (lib/portal/cover.ts). */
  coverSrc: string | null;
}

const summaryFields = {
  id: true,
  slug: true,
  title: true,
  summary: true,
  startsAt: true,
  endsAt: true,
  timeZone: true,
  venue: true,
  status: true,
  coverSrc: true,
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

export const CATALOGUE_PAGE = 12;

type EventWhere = NonNullable<Parameters<TenantDb["event"]["findMany"]>[0]>["where"];

/**
 * The catalogue: upcoming (soonest first) or past (latest first) published and cancelled events,
 * searched by title and summary, a page at a time.
 */
export async function catalogue(
  tenant: ResolvedTenant,
  options: { when: "upcoming" | "past"; q?: string; page?: number },
) {
  const now = new Date();
  const q = options.q?.trim().slice(0, 100);
  const where = {
    status: { in: ["published" as const, "cancelled" as const] },
    ...(options.when === "upcoming" ? { endsAt: { gte: now } } : { endsAt: { lt: now } }),
    ...(q
      ? {
          OR: [
            { title: { contains: q, mode: "insensitive" as const } },
            { summary: { contains: q, mode: "insensitive" as const } },
          ],
        }
      : {}),
  };
  const page = Math.max(1, Math.min(1_000, Math.floor(options.page ?? 1)));
  const { total, events } = await withTenantDb(tenant.id, (db) =>
    cataloguePage(db, where, options.when === "upcoming" ? "asc" : "desc", page),
  );
  return { total, page, pages: Math.max(1, Math.ceil(total / CATALOGUE_PAGE)), events };
}

/**
 * One page of events and how many there are in all. The page is read first; the count is a
 * second query only when the page cannot tell (it is full, or empty past the first page). A
 * catalogue that fits on one page, as most portals' does, costs one query on one connection: on a
 * fleet, every query also wakes a tenant's backend, which competes with the web server for CPU.
 */
export async function cataloguePage(
  db: TenantDb,
  where: EventWhere,
  order: "asc" | "desc",
  page: number,
): Promise<{ total: number; events: EventSummary[] }> {
  const skip = (page - 1) * CATALOGUE_PAGE;
  const events = await db.event.findMany({
    where,
    orderBy: { startsAt: order },
    skip,
    take: CATALOGUE_PAGE,
    select: summaryFields,
  });
  const isLastPage = events.length < CATALOGUE_PAGE && (events.length > 0 || page === 1);
  return { total: isLastPage ? skip + events.length : await db.event.count({ where }), events };
}
