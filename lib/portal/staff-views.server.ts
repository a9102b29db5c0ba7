import "server-only";
import { notFound } from "next/navigation";
import { assertTenantRole, type TenantUser } from "../auth/tenant-guard.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import { instantToZoned } from "../format/zoned.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { parseQuestions } from "./questions.ts";
import { MESSAGE_RECIPIENTS_MAX, questionLines } from "./staff.server.ts";

/**
 * What staff pages read: drafts, attendees, arrivals, exports. Every function takes the staff
 * member a guard verified and checks it first, so none can be called before the guard has run
 * (docs/decisions/018).
 */

const EVENTS_PER_PAGE = 20;

/** Every event, drafts too, newest first, with confirmed counts. */
export async function staffEvents(tenant: ResolvedTenant, staff: TenantUser, pageInput: number) {
  assertTenantRole(staff, tenant, "staff");
  const page = Math.max(1, Math.min(1_000, Math.floor(pageInput) || 1));
  const [total, events] = await withTenantDb(tenant.id, (db) =>
    Promise.all([
      db.event.count(),
      db.event.findMany({
        orderBy: { startsAt: "desc" },
        skip: (page - 1) * EVENTS_PER_PAGE,
        take: EVENTS_PER_PAGE,
        select: {
          slug: true,
          title: true,
          status: true,
          startsAt: true,
          endsAt: true,
          timeZone: true,
          capacity: true,
          _count: { select: { registrations: { where: { status: "confirmed" } } } },
        },
      }),
    ]),
  );
  return { total, page, pages: Math.max(1, Math.ceil(total / EVENTS_PER_PAGE)), events };
}

/** Any event by slug (drafts too); 404 for a malformed or unknown slug. */
export async function staffEvent(tenant: ResolvedTenant, staff: TenantUser, slug: string) {
  assertTenantRole(staff, tenant, "staff");
  if (!/^[a-z0-9-]{1,80}$/.test(slug)) notFound();
  const event = await withTenantDb(tenant.id, (db) => db.event.findUnique({ where: { slug } }));
  if (!event) notFound();
  return event;
}

/** How many people a message to the event's attendees goes to (what messageAttendees sends to). */
export async function messageRecipientCount(tenant: ResolvedTenant, staff: TenantUser, eventId: string) {
  assertTenantRole(staff, tenant, "staff");
  const count = await withTenantDb(tenant.id, (db) =>
    db.registration.count({ where: { eventId, status: "confirmed" } }),
  );
  return Math.min(count, MESSAGE_RECIPIENTS_MAX);
}

export function formValues(event: Awaited<ReturnType<typeof staffEvent>>) {
  const z = (d: Date | null) => (d ? instantToZoned(d, event.timeZone) : "");
  return {
    existing: event.slug,
    title: event.title,
    slug: event.slug,
    summary: event.summary,
    description: event.description,
    timeZone: event.timeZone,
    startsLocal: z(event.startsAt),
    endsLocal: z(event.endsAt),
    opensLocal: z(event.registrationOpensAt),
    closesLocal: z(event.registrationClosesAt),
    venue: event.venue ?? "",
    onlineUrl: event.onlineUrl ?? "",
    capacity: event.capacity === null ? "" : String(event.capacity),
    questions: questionLines(parseQuestions(event.questions)),
    coverSrc: event.coverSrc,
  };
}

/** Confirmed registrations of an event and how many of them have arrived. */
export async function arrivals(
  tenant: ResolvedTenant,
  staff: TenantUser,
  eventId: string,
): Promise<{ confirmed: number; arrived: number }> {
  assertTenantRole(staff, tenant, "staff");
  const [confirmed, arrived] = await withTenantDb(tenant.id, (db) =>
    Promise.all([
      db.registration.count({ where: { eventId, status: "confirmed" } }),
      db.registration.count({ where: { eventId, status: "confirmed", checkedInAt: { not: null } } }),
    ]),
  );
  return { confirmed, arrived };
}

export const ATTENDEES_PER_PAGE = 25;
const STATUSES = ["confirmed", "waitlisted", "pending", "cancelled"] as const;

export async function attendees(
  tenant: ResolvedTenant,
  staff: TenantUser,
  eventId: string,
  filter: { q?: string; status?: string; checkedIn?: string; page?: number },
) {
  assertTenantRole(staff, tenant, "staff");
  const status = STATUSES.find((s) => s === filter.status);
  const q = filter.q?.trim().slice(0, 100);
  const where = {
    eventId,
    ...(status ? { status } : {}),
    ...(filter.checkedIn === "yes"
      ? { checkedInAt: { not: null } }
      : filter.checkedIn === "no"
        ? { checkedInAt: null }
        : {}),
    ...(q
      ? { OR: [{ name: { contains: q, mode: "insensitive" as const } }, { email: { contains: q.toLowerCase() } }] }
      : {}),
  };
  const page = Math.max(1, Math.min(10_000, Math.floor(filter.page ?? 1)));
  const [total, rows] = await withTenantDb(tenant.id, (db) =>
    Promise.all([
      db.registration.count({ where }),
      db.registration.findMany({
        where,
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        skip: (page - 1) * ATTENDEES_PER_PAGE,
        take: ATTENDEES_PER_PAGE,
        select: {
          id: true,
          name: true,
          email: true,
          status: true,
          checkedInAt: true,
          createdAt: true,
          ticketCode: true,
        },
      }),
    ]),
  );
  return { total, page, pages: Math.max(1, Math.ceil(total / ATTENDEES_PER_PAGE)), rows };
}

/** Every registration of an event with its answers, for the CSV export; null for an unknown slug. */
export async function attendeeExport(tenant: ResolvedTenant, staff: TenantUser, slug: string) {
  assertTenantRole(staff, tenant, "staff");
  if (!/^[a-z0-9-]{1,80}$/.test(slug)) return null;
  return withTenantDb(tenant.id, async (db) => {
    const event = await db.event.findUnique({ where: { slug }, select: { id: true, questions: true } });
    if (!event) return null;
    const rows = await db.registration.findMany({
      where: { eventId: event.id },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: 100_000,
      select: { name: true, email: true, status: true, createdAt: true, checkedInAt: true, answers: true },
    });
    return { questions: parseQuestions(event.questions), rows };
  });
}
