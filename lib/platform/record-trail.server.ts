import "server-only";
import { log } from "../observability/logger.ts";
import { withTenantDb } from "./with-tenant-db.server.ts";
import { PorticoError } from "../util/errors.ts";
import { requestOrigin } from "../audit/request.server.ts";
import { appendTenantAudit, type TenantAuditEvent } from "../audit/tenant-trail.server.ts";
import { appendAgencyAccess } from "../audit/agency-access.server.ts";

export { AGENCY_READ_EVERY_MS, appendAgencyAccess } from "../audit/agency-access.server.ts";

/**
 * Writing to a tenant's own audit trail from the app (docs/decisions/048): who the actor is (a
 * member, or the agency while impersonating one), where the request came from, and what happens
 * when the trail cannot be written.
 */

/** A change was made but the trail could not record it: the form says so (never silent). */
export class TrailUnavailable extends PorticoError {
  override readonly name = "TrailUnavailable";
}

export const TRAIL_UNAVAILABLE =
  "Your change was saved, but the portal's audit trail could not record it. Try again in a minute; if it keeps happening, tell the agency that runs this portal.";

export const TRAIL_EXPORT_REFUSED =
  "The export was not made: the portal's audit trail could not record it. Try again in a minute; if it keeps happening, tell the agency that runs this portal.";

/** What the trail needs of a signed-in user (lib/auth/verified.ts's TenantUserFields). */
export interface TrailUser {
  email: string;
  name: string;
  impersonation?: { grantId: string; agencyUserEmail: string };
}

export type TrailEntry = Pick<TenantAuditEvent, "subject" | "details">;

/** The actor of an entry written for a signed-in user: the agency while it impersonates them. */
export function trailActorOf(user: TrailUser): {
  actor: TenantAuditEvent["actor"];
  details: Record<string, unknown>;
} {
  if (user.impersonation)
    return {
      actor: { type: "agency", label: `agency: ${user.impersonation.agencyUserEmail}` },
      details: { impersonation: user.impersonation.grantId },
    };
  return { actor: { type: "member", personEmail: user.email, personName: user.name, label: "member" }, details: {} };
}

/** Appends an entry for this request (its IP and user agent). Throws TrailUnavailable on failure. */
export async function recordTrail(tenantId: string, event: Omit<TenantAuditEvent, "tenantId">): Promise<void> {
  let origin: { ip: string | null; userAgent: string | null } = { ip: null, userAgent: null };
  try {
    origin = await requestOrigin();
  } catch {
    // Outside a request (a job, the CLI): no origin to record.
  }
  try {
    await withTenantDb(tenantId, (db) => appendTenantAudit(db, { ...origin, ...event, tenantId }));
  } catch (error) {
    log().error({ err: error }, `[audit] tenant ${tenantId}: could not record ${event.action} in its audit trail`);
    throw new TrailUnavailable(TRAIL_UNAVAILABLE, { cause: error });
  }
}

/** An action by a signed-in user (or the agency impersonating them). */
export async function recordUserTrail(
  tenantId: string,
  user: TrailUser,
  action: string,
  entry: TrailEntry = {},
): Promise<void> {
  const { actor, details } = trailActorOf(user);
  await recordTrail(tenantId, {
    actor,
    action,
    ...(entry.subject ? { subject: entry.subject } : {}),
    details: { ...details, ...entry.details },
  });
}

/**
 * For events that must not block anyone (a failed sign-in, a sign-in whose session already
 * exists): a failure is logged, never thrown.
 */
export async function recordTrailQuietly(tenantId: string, event: Omit<TenantAuditEvent, "tenantId">): Promise<void> {
  try {
    await recordTrail(tenantId, event);
  } catch {
    // recordTrail has logged it.
  }
}

/** As appendAgencyAccess, reaching the tenant's database itself; throws TrailUnavailable on failure. */
export async function recordAgencyAccess(
  tenantId: string,
  access: Parameters<typeof appendAgencyAccess>[2],
): Promise<void> {
  try {
    await withTenantDb(tenantId, (db) => appendAgencyAccess(db, tenantId, access));
  } catch (error) {
    log().error({ err: error }, `[audit] tenant ${tenantId}: could not record ${access.action} in its audit trail`);
    throw new TrailUnavailable(TRAIL_UNAVAILABLE, { cause: error });
  }
}
