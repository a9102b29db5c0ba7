import "server-only";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { appendTenantAudit } from "./tenant-trail.server.ts";

/** An agency person's read of one tenant's data is recorded at most once per hour per kind of read. */
export const AGENCY_READ_EVERY_MS = 60 * 60_000;

/**
 * Access transparency (decision 048): an agency person's access to this tenant's data, written in
 * the tenant's own trail with the agency user's email as a label (agency users are not the
 * tenant's data subjects). With `unlessRecent`, a read already recorded for the same person and
 * `details.what` in the last hour is not recorded again.
 */
export async function appendAgencyAccess(
  db: TenantDb,
  tenantId: string,
  access: {
    agencyEmail: string;
    action: string;
    details: Record<string, unknown> & { what?: string };
    subject?: { email: string; name?: string | null } | null;
    ip?: string | null;
    userAgent?: string | null;
    unlessRecent?: boolean;
  },
): Promise<void> {
  const label = `agency: ${access.agencyEmail}`;
  if (access.unlessRecent) {
    const recent = await db.auditEntry.findFirst({
      where: {
        at: { gte: new Date(Date.now() - AGENCY_READ_EVERY_MS) },
        action: access.action,
        actorLabel: label,
        details: { path: ["what"], equals: String(access.details.what ?? "") },
      },
      select: { id: true },
    });
    if (recent) return;
  }
  await appendTenantAudit(db, {
    actor: { type: "agency", label },
    action: access.action,
    ...(access.subject ? { subject: access.subject } : {}),
    ip: access.ip ?? null,
    userAgent: access.userAgent ?? null,
    details: access.details,
    tenantId,
  });
}
