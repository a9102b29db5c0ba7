import "server-only";
import { assertTenantRole, type TenantUser } from "../auth/tenant-guard.server.ts";
import type { TenantDb } from "../db/tenant-db.server.ts";
import type { Prisma } from "../db/generated/tenant/client.ts";
import { pseudonymOf, verifyTenantTrail, type TenantTrailVerification } from "../audit/tenant-trail.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { csvRow } from "./csv.ts";
import { TRAIL_CATEGORIES, type TrailFilter } from "./trail-filter.ts";

/**
 * The tenant's own audit trail as its owners and admins read it (/manage/audit, decision 048):
 * from the tenant's database only, so a tenant never sees another's entries. Each data function
 * checks the viewer's role itself; the layout is no guard.
 */

export const TRAIL_PAGE_SIZE = 50;
/** The most rows one CSV export holds; narrow the filter for more. */
export const TRAIL_CSV_MAX = 50_000;

export interface TrailPerson {
  email: string | null;
  name: string | null;
  /** Shown instead of the email once the person was erased. */
  pseudonym: string | null;
}

export interface TrailRow {
  id: bigint;
  at: Date;
  actorType: string;
  actorLabel: string;
  actor: TrailPerson | null;
  action: string;
  subject: TrailPerson | null;
  ip: string | null;
  userAgent: string | null;
  details: unknown;
  hash: string;
}

export interface TrailPage {
  rows: TrailRow[];
  /** The cursor of the next (older) page, or null at the end. */
  older: bigint | null;
  verification: TenantTrailVerification;
}

function person(row: { id: string; email: string | null; name: string | null; erasedAt: Date | null } | null) {
  if (!row) return null;
  return row.erasedAt || !row.email
    ? { email: null, name: null, pseudonym: pseudonymOf(row.id) }
    : { email: row.email, name: row.name, pseudonym: null };
}

async function whereOf(db: TenantDb, filter: TrailFilter): Promise<Prisma.AuditEntryWhereInput | null> {
  const and: Prisma.AuditEntryWhereInput[] = [];
  if (filter.category) {
    const { prefixes, exact } = TRAIL_CATEGORIES[filter.category];
    and.push({
      OR: [
        ...prefixes.map((p) => ({ action: { startsWith: p } })),
        ...(exact.length ? [{ action: { in: [...exact] } }] : []),
      ],
    });
  }
  if (filter.actor) and.push({ actorType: filter.actor });
  if (filter.person) {
    const found = await db.auditPerson.findUnique({ where: { email: filter.person }, select: { id: true } });
    if (!found) return null;
    and.push({ OR: [{ actorPersonId: found.id }, { subjectPersonId: found.id }] });
  }
  if (filter.from) and.push({ at: { gte: filter.from } });
  if (filter.to) and.push({ at: { lt: filter.to } });
  if (filter.before !== undefined) and.push({ id: { lt: filter.before } });
  return { AND: and };
}

const SELECT_PEOPLE = {
  actor: { select: { id: true, email: true, name: true, erasedAt: true } },
  subject: { select: { id: true, email: true, name: true, erasedAt: true } },
} as const;

async function readRows(db: TenantDb, filter: TrailFilter, take: number): Promise<TrailRow[]> {
  const where = await whereOf(db, filter);
  if (!where) return [];
  const rows = await db.auditEntry.findMany({ where, orderBy: { id: "desc" }, take, include: SELECT_PEOPLE });
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    actorType: r.actorType,
    actorLabel: r.actorLabel,
    actor: person(r.actor),
    action: r.action,
    subject: person(r.subject),
    ip: r.ip,
    userAgent: r.userAgent,
    details: r.details,
    hash: r.hash,
  }));
}

/** One page of the trail, newest first, and the whole chain's verification (owners and admins). */
export async function tenantTrailPage(
  tenant: ResolvedTenant,
  viewer: TenantUser,
  filter: TrailFilter,
  pageSize = TRAIL_PAGE_SIZE,
): Promise<TrailPage> {
  assertTenantRole(viewer, tenant, "admin");
  return withTenantDb(tenant.id, async (db) => {
    const [rows, verification] = await Promise.all([readRows(db, filter, pageSize + 1), verifyTenantTrail(db)]);
    const more = rows.length > pageSize;
    const shown = more ? rows.slice(0, pageSize) : rows;
    return { rows: shown, older: more ? shown[shown.length - 1]!.id : null, verification };
  });
}

/** Every matching entry (up to TRAIL_CSV_MAX), newest first, for the CSV (owners and admins). */
export async function tenantTrailExport(
  tenant: ResolvedTenant,
  viewer: TenantUser,
  filter: TrailFilter,
): Promise<{ rows: TrailRow[]; verification: TenantTrailVerification }> {
  assertTenantRole(viewer, tenant, "admin");
  return withTenantDb(tenant.id, async (db) => {
    const [rows, verification] = await Promise.all([readRows(db, filter, TRAIL_CSV_MAX), verifyTenantTrail(db)]);
    return { rows, verification };
  });
}

/** How a row's person reads in the page and the CSV: email, or the erased person's pseudonym. */
export function personText(p: TrailPerson | null): string {
  if (!p) return "";
  if (p.pseudonym) return p.pseudonym;
  return p.name ? `${p.name} <${p.email}>` : (p.email ?? "");
}

/** The CSV export's text (BOM first, for spreadsheets): every cell formula-safe (lib/portal/csv.ts). */
export function trailCsv(rows: TrailRow[]): string {
  const header = csvRow(["id", "at", "actor type", "actor", "action", "about", "ip", "user agent", "details", "hash"]);
  const body = rows
    .map((r) =>
      csvRow([
        String(r.id),
        r.at,
        r.actorType,
        r.actor ? personText(r.actor) : r.actorLabel,
        r.action,
        personText(r.subject),
        r.ip,
        r.userAgent,
        JSON.stringify(r.details),
        r.hash,
      ]),
    )
    .join("");
  return `\uFEFF${header}${body}`;
}
