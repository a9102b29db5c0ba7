import "server-only";
import { InvalidInput, TenantNotFound } from "../util/errors.ts";
import { notifyTenantChanged } from "../tenancy/invalidation.server.ts";
import type { ProvisionDeps } from "../provisioning/servers.server.ts";

/**
 * Suspends or resumes a live tenant. Suspension takes effect on the tenant's next request in
 * every app instance (LISTEN/NOTIFY): its portal shows a notice and its sessions stop working.
 */
export async function setTenantSuspended(
  deps: ProvisionDeps,
  slug: string,
  suspended: boolean,
): Promise<{ tenantId: string; changed: boolean }> {
  const tenant = await deps.control.tenant.findUnique({ where: { slug }, select: { id: true, status: true } });
  if (!tenant) throw new TenantNotFound(`no tenant named "${slug}" (see \`npm run tenants -- list\`)`);
  const from = suspended ? "active" : "suspended";
  const to = suspended ? "suspended" : "active";
  if (tenant.status === to) return { tenantId: tenant.id, changed: false };
  if (tenant.status !== from)
    throw new InvalidInput(
      `"${slug}" is ${tenant.status}; only an ${from} tenant can be ${suspended ? "suspended" : "resumed"}`,
    );
  await deps.control.tenant.update({ where: { id: tenant.id }, data: { status: to } });
  await notifyTenantChanged(deps.control, tenant.id);
  return { tenantId: tenant.id, changed: true };
}
