import "server-only";
import { dropDatabaseIfExists, dropRoleIfExists } from "../db/postgres.ts";
import { InvalidInput, TenantNotFound, errorMessage } from "../errors.ts";
import { TENANT_CHANGED } from "../tenancy/invalidation.server.ts";
import { provisionTenant, type ProvisionResult } from "./provision.server.ts";
import { withServerAdmin, type ProvisionDeps } from "./servers.server.ts";
import { parseTenantSpec } from "./spec.ts";

/**
 * Suspends or resumes a live tenant. Suspension takes effect on the tenant's next request in
 * every app instance (LISTEN/NOTIFY): its portal shows a notice and its sessions stop working.
 */
export async function setTenantSuspended(deps: ProvisionDeps, slug: string, suspended: boolean): Promise<{ tenantId: string; changed: boolean }> {
  const tenant = await deps.control.tenant.findUnique({ where: { slug }, select: { id: true, status: true } });
  if (!tenant) throw new TenantNotFound(`no tenant named "${slug}" (see \`npm run tenants -- list\`)`);
  const from = suspended ? "active" : "suspended";
  const to = suspended ? "suspended" : "active";
  if (tenant.status === to) return { tenantId: tenant.id, changed: false };
  if (tenant.status !== from) throw new InvalidInput(`"${slug}" is ${tenant.status}; only an ${from} tenant can be ${suspended ? "suspended" : "resumed"}`);
  await deps.control.tenant.update({ where: { id: tenant.id }, data: { status: to } });
  await deps.control.$executeRaw`SELECT pg_notify(${TENANT_CHANGED}, ${tenant.id})`;
  return { tenantId: tenant.id, changed: true };
}


/**
 * Runs the pipeline again for a tenant that never went live (failed, or left half-way by a
 * killed process), from what the control plane knows of it. Every step is idempotent.
 */
export async function resumeProvisioning(deps: ProvisionDeps, slug: string): Promise<ProvisionResult> {
  const tenant = await deps.control.tenant.findUnique({ where: { slug }, include: { domains: { orderBy: [{ isPrimary: "desc" }, { hostname: "asc" }] } } });
  if (!tenant) throw new TenantNotFound(`no tenant named "${slug}"`);
  if (tenant.status !== "provisioning" && tenant.status !== "failed") {
    throw new InvalidInput(`"${slug}" is ${tenant.status}; only a tenant that is provisioning or failed can be retried`);
  }
  const spec = parseTenantSpec({ slug: tenant.slug, name: tenant.name, plan: tenant.plan, theme: tenant.theme, domains: tenant.domains.map((d) => d.hostname) }, `tenant "${slug}"`);
  return provisionTenant(deps, spec, { mode: "resume", seed: false });
}

/** Tenants whose last job was still running when its process died: resumed at start-up. */
export async function resumeInterruptedProvisioning(deps: ProvisionDeps): Promise<Array<{ slug: string; ok: boolean; error?: string }>> {
  const stuck = await deps.control.tenant.findMany({ where: { status: "provisioning", jobs: { some: { status: "running" } } }, select: { slug: true } });
  const outcomes = [];
  for (const { slug } of stuck) {
    try {
      await resumeProvisioning(deps, slug);
      outcomes.push({ slug, ok: true });
    } catch (error) {
      outcomes.push({ slug, ok: false, error: errorMessage(error) });
    }
  }
  return outcomes;
}

/**
 * Removes a tenant that never went live, with everything provisioning created for it: its
 * database, its role, its domains, its records. Live tenants are offboarded, not discarded.
 */
export async function discardTenant(deps: ProvisionDeps, slug: string): Promise<{ tenantId: string; dropped: string[] }> {
  const tenant = await deps.control.tenant.findUnique({ where: { slug }, include: { database: true } });
  if (!tenant) throw new TenantNotFound(`no tenant named "${slug}"`);
  if (tenant.status !== "provisioning" && tenant.status !== "failed") {
    throw new InvalidInput(`"${slug}" is ${tenant.status}; only a tenant that is provisioning or failed can be discarded`);
  }
  const dropped: string[] = [];
  const db = tenant.database;
  if (db) {
    await withServerAdmin(deps, db.serverId, async (admin) => {
      await dropDatabaseIfExists(admin, db.databaseName);
      await dropRoleIfExists(admin, db.roleName);
    });
    dropped.push(`database ${db.databaseName}`, `role ${db.roleName}`);
  }
  await deps.control.tenant.delete({ where: { id: tenant.id } }); // domains, jobs and credentials cascade
  await deps.control.$executeRaw`SELECT pg_notify(${TENANT_CHANGED}, ${tenant.id})`;
  return { tenantId: tenant.id, dropped };
}
