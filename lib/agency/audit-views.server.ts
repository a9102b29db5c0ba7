import "server-only";
import { verifyAuditChain, type AuditVerification } from "../audit/log.server.ts";
import type { ControlDb } from "../db/control.server.ts";
import type { AuditFilter } from "./audit-filter.ts";
import { assertAgencyRole, type AgencyUser } from "../auth/agency-guard.server.ts";

export const AUDIT_PAGE = 50;

/** Prisma's where clause for a filter; an unknown tenant slug matches nothing. */
async function whereOf(control: ControlDb, filter: AuditFilter) {
  let tenantId: string | undefined;
  if (filter.tenant) {
    tenantId =
      (await control.tenant.findUnique({ where: { slug: filter.tenant }, select: { id: true } }))?.id ??
      "00000000-0000-0000-0000-000000000000";
  }
  return {
    ...(filter.actor ? { actorLabel: { contains: filter.actor, mode: "insensitive" as const } } : {}),
    ...(tenantId ? { tenantId } : {}),
    ...(filter.action ? { action: { startsWith: filter.action } } : {}),
    ...(filter.from || filter.to
      ? { at: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } }
      : {}),
  };
}

/** One page of the audit log, newest first, with each entry's tenant slug. */
export async function auditPage(viewer: AgencyUser, control: ControlDb, filter: AuditFilter) {
  assertAgencyRole(viewer, "viewer");
  const where = await whereOf(control, filter);
  const [total, rows] = await Promise.all([
    control.auditEntry.count({ where }),
    control.auditEntry.findMany({
      where,
      orderBy: { id: "desc" },
      skip: (filter.page - 1) * AUDIT_PAGE,
      take: AUDIT_PAGE,
    }),
  ]);
  const ids = [...new Set(rows.map((r) => r.tenantId).filter((id): id is string => Boolean(id)))];
  const tenants = ids.length
    ? await control.tenant.findMany({ where: { id: { in: ids } }, select: { id: true, slug: true } })
    : [];
  const slug = new Map(tenants.map((t) => [t.id, t.slug]));
  return {
    total,
    pages: Math.max(1, Math.ceil(total / AUDIT_PAGE)),
    rows: rows.map((r) => ({
      ...r,
      id: String(r.id),
      tenant: r.tenantId ? (slug.get(r.tenantId) ?? "(removed)") : null,
    })),
  };
}

/** Every matching entry, oldest first, for the CSV export (at most 50,000). */
export async function auditRows(viewer: AgencyUser, control: ControlDb, filter: AuditFilter) {
  assertAgencyRole(viewer, "viewer");
  return control.auditEntry.findMany({ where: await whereOf(control, filter), orderBy: { id: "asc" }, take: 50_000 });
}

const CACHE_MS = 30_000;
let cached: { at: number; result: Promise<AuditVerification> } | null = null;

/** The chain's verification, recomputed at most every 30 s (it reads the whole log). */
export function chainStatus(control: ControlDb): Promise<AuditVerification> {
  if (!cached || Date.now() - cached.at > CACHE_MS) {
    const result = verifyAuditChain(control);
    cached = { at: Date.now(), result };
    result.catch(() => (cached = null));
  }
  return cached.result;
}
