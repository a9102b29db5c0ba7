import "server-only";
import { tenantConnectionUrl, withOneTenantDb } from "../db/tenant-db.server.ts";
import type { ProvisionDeps } from "../provisioning/servers.server.ts";
import type { AuditActor } from "../audit/log.server.ts";
import { appendAgencyAccess } from "../audit/agency-access.server.ts";

/**
 * Access transparency for the operations worker (decision 048): an export, offboarding or move of
 * a tenant's data is written in the tenant's own trail before it starts, so the entry travels
 * with the data. Reaches the database with the tenant's own role, directly (a session of its own,
 * decision 038). Throws when it cannot: no entry, no operation.
 */
export async function recordOperationInTrail(
  deps: ProvisionDeps,
  slug: string,
  actor: AuditActor,
  action: string,
  details: Record<string, unknown>,
): Promise<void> {
  const tenant = await deps.control.tenant.findUnique({ where: { slug }, select: { id: true, database: true } });
  if (!tenant?.database) return; // the operation itself says there is nothing to work on
  const url = await tenantConnectionUrl(deps.control, deps.keyring, tenant.id, "direct");
  await withOneTenantDb(url, `trail-${slug}`, (db) =>
    appendAgencyAccess(db, tenant.id, { agencyEmail: actor.label, action, details }),
  );
}
