import "server-only";
import { InvalidInput, TenantNotFound, errorMessage } from "../util/errors.ts";
import { notifyTenantChanged } from "../tenancy/invalidation.server.ts";
import { provisionTenant, type ProvisionOptions, type ProvisionResult } from "./provision.server.ts";
import { dropTenantDatabase, type ProvisionDeps } from "./servers.server.ts";
import { parseTenantSpec } from "./spec.ts";

/**
 * Runs the pipeline again for a tenant that never went live (failed, or left half-way by a
 * killed process), from what the control plane knows of it. Every step is idempotent.
 */
export async function resumeProvisioning(
  deps: ProvisionDeps,
  slug: string,
  options: Pick<ProvisionOptions, "firstAdmin" | "onStep" | "onStepStart"> = {},
): Promise<ProvisionResult> {
  const tenant = await deps.control.tenant.findUnique({
    where: { slug },
    include: { domains: { orderBy: [{ isPrimary: "desc" }, { hostname: "asc" }] } },
  });
  if (!tenant) throw new TenantNotFound(`no tenant named "${slug}"`);
  if (tenant.status !== "provisioning" && tenant.status !== "failed") {
    throw new InvalidInput(
      `"${slug}" is ${tenant.status}; only a tenant that is provisioning or failed can be retried`,
    );
  }
  const spec = parseTenantSpec(
    {
      slug: tenant.slug,
      name: tenant.name,
      plan: tenant.plan,
      theme: tenant.theme,
      domains: tenant.domains.map((d) => d.hostname),
    },
    `tenant "${slug}"`,
  );
  return provisionTenant(deps, spec, { ...options, mode: "resume", seed: false });
}

/**
 * Tenants whose last job was still running when its process died (the CLI, `npm run dev`):
 * resumed at start-up. Those an operation was provisioning are left to the operations worker,
 * which resumes the operation itself (with its first admin).
 */
export async function resumeInterruptedProvisioning(
  deps: ProvisionDeps,
): Promise<Array<{ slug: string; ok: boolean; error?: string }>> {
  const owned = await deps.control.operation.findMany({
    where: { kind: { in: ["provision", "retry"] }, status: { in: ["queued", "running"] }, slug: { not: null } },
    select: { slug: true },
  });
  const stuck = await deps.control.tenant.findMany({
    where: {
      status: "provisioning",
      jobs: { some: { status: "running" } },
      slug: { notIn: owned.map((o) => o.slug ?? "") },
    },
    select: { slug: true },
  });
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
export async function discardTenant(
  deps: ProvisionDeps,
  slug: string,
): Promise<{ tenantId: string; dropped: string[] }> {
  const tenant = await deps.control.tenant.findUnique({ where: { slug }, include: { database: true } });
  if (!tenant) throw new TenantNotFound(`no tenant named "${slug}"`);
  if (tenant.status !== "provisioning" && tenant.status !== "failed") {
    throw new InvalidInput(
      `"${slug}" is ${tenant.status}; only a tenant that is provisioning or failed can be discarded`,
    );
  }
  const dropped = tenant.database ? await dropTenantDatabase(deps, tenant.database) : [];
  await deps.control.tenant.delete({ where: { id: tenant.id } }); // domains, jobs and credentials cascade
  await notifyTenantChanged(deps.control, tenant.id);
  return { tenantId: tenant.id, dropped };
}
