import "server-only";
import { InvalidInput, TenantConflict, TenantNotFound, errorMessage } from "../errors.ts";
import type { HostConfig } from "../tenancy/host.ts";
import { checkLogo } from "../tenancy/logo.ts";
import { themeSchema } from "../tenancy/theme.ts";
import { notifyTenantChanged } from "../tenancy/invalidation.server.ts";
import { provisionTenant, type ProvisionOptions, type ProvisionResult } from "./provision.server.ts";
import { dropTenantDatabase, type ProvisionDeps } from "./servers.server.ts";
import { checkCustomDomains, parseTenantSpec } from "./spec.ts";

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
  await notifyTenantChanged(deps.control, tenant.id);
  return { tenantId: tenant.id, changed: true };
}


/**
 * Runs the pipeline again for a tenant that never went live (failed, or left half-way by a
 * killed process), from what the control plane knows of it. Every step is idempotent.
 */
export async function resumeProvisioning(
  deps: ProvisionDeps,
  slug: string,
  options: Pick<ProvisionOptions, "firstAdmin" | "onStep" | "onStepStart"> = {},
): Promise<ProvisionResult> {
  const tenant = await deps.control.tenant.findUnique({ where: { slug }, include: { domains: { orderBy: [{ isPrimary: "desc" }, { hostname: "asc" }] } } });
  if (!tenant) throw new TenantNotFound(`no tenant named "${slug}"`);
  if (tenant.status !== "provisioning" && tenant.status !== "failed") {
    throw new InvalidInput(`"${slug}" is ${tenant.status}; only a tenant that is provisioning or failed can be retried`);
  }
  const spec = parseTenantSpec({ slug: tenant.slug, name: tenant.name, plan: tenant.plan, theme: tenant.theme, domains: tenant.domains.map((d) => d.hostname) }, `tenant "${slug}"`);
  return provisionTenant(deps, spec, { ...options, mode: "resume", seed: false });
}

/**
 * Tenants whose last job was still running when its process died (the CLI, `npm run dev`):
 * resumed at start-up. Those an operation was provisioning are left to the operations worker,
 * which resumes the operation itself (with its first admin).
 */
export async function resumeInterruptedProvisioning(deps: ProvisionDeps): Promise<Array<{ slug: string; ok: boolean; error?: string }>> {
  const owned = await deps.control.operation.findMany({
    where: { kind: { in: ["provision", "retry"] }, status: { in: ["queued", "running"] }, slug: { not: null } },
    select: { slug: true },
  });
  const stuck = await deps.control.tenant.findMany({
    where: { status: "provisioning", jobs: { some: { status: "running" } }, slug: { notIn: owned.map((o) => o.slug ?? "") } },
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
export async function discardTenant(deps: ProvisionDeps, slug: string): Promise<{ tenantId: string; dropped: string[] }> {
  const tenant = await deps.control.tenant.findUnique({ where: { slug }, include: { database: true } });
  if (!tenant) throw new TenantNotFound(`no tenant named "${slug}"`);
  if (tenant.status !== "provisioning" && tenant.status !== "failed") {
    throw new InvalidInput(`"${slug}" is ${tenant.status}; only a tenant that is provisioning or failed can be discarded`);
  }
  const dropped = tenant.database ? await dropTenantDatabase(deps, tenant.database) : [];
  await deps.control.tenant.delete({ where: { id: tenant.id } }); // domains, jobs and credentials cascade
  await notifyTenantChanged(deps.control, tenant.id);
  return { tenantId: tenant.id, dropped };
}

async function liveTenant(deps: ProvisionDeps, slug: string) {
  const tenant = await deps.control.tenant.findUnique({ where: { slug }, select: { id: true, status: true, name: true } });
  if (!tenant) throw new TenantNotFound(`no tenant named "${slug}" (see \`npm run tenants -- list\`)`);
  if (tenant.status !== "active" && tenant.status !== "suspended") throw new InvalidInput(`"${slug}" is ${tenant.status}; only a live tenant can be changed`);
  return tenant;
}

/** Renames a live tenant; every instance shows the new name on its next request. */
export async function renameTenant(deps: ProvisionDeps, slug: string, name: string): Promise<{ tenantId: string; from: string; to: string }> {
  const to = name.trim();
  if (to.length === 0 || to.length > 120) throw new InvalidInput("a tenant's name has 1 to 120 characters");
  const tenant = await liveTenant(deps, slug);
  await deps.control.tenant.update({ where: { id: tenant.id }, data: { name: to } });
  await notifyTenantChanged(deps.control, tenant.id);
  return { tenantId: tenant.id, from: tenant.name, to };
}

/**
 * Replaces a live tenant's custom domains (the first is primary: links in email use it). Takes
 * effect on every instance at once; a domain another tenant holds is refused.
 */
export async function setTenantDomains(deps: ProvisionDeps, hosts: HostConfig, slug: string, input: readonly string[]): Promise<{ tenantId: string; domains: string[] }> {
  const domains = checkCustomDomains(input, hosts);
  const tenant = await liveTenant(deps, slug);
  const taken = await deps.control.domain.findMany({ where: { hostname: { in: domains }, tenantId: { not: tenant.id } }, select: { hostname: true } });
  if (taken.length > 0) throw new TenantConflict(`${taken.map((d) => d.hostname).join(", ")} already belongs to another tenant; remove it there first`);
  await deps.control.$transaction([
    deps.control.domain.deleteMany({ where: { tenantId: tenant.id, hostname: { notIn: domains } } }),
    ...domains.map((hostname, i) =>
      deps.control.domain.upsert({ where: { hostname }, create: { tenantId: tenant.id, hostname, isPrimary: i === 0 }, update: { isPrimary: i === 0 } }),
    ),
  ]);
  await notifyTenantChanged(deps.control, tenant.id);
  return { tenantId: tenant.id, domains };
}

/**
 * A tenant admin's branding change (name, colours, font, logo), applied on every instance at
 * once. The theme is validated again here; a new logo must pass the same checks as in the wizard.
 */
export async function setTenantBranding(deps: ProvisionDeps, slug: string, input: { name: string; theme: unknown; logo: Buffer | null }): Promise<{ tenantId: string }> {
  const tenant = await liveTenant(deps, slug);
  const current = await deps.control.tenant.findUniqueOrThrow({ where: { id: tenant.id }, select: { theme: true } });
  const logo = input.logo ? checkLogo(input.logo) : null;
  const src = logo?.src ?? (current.theme as { logo?: { src?: string } }).logo?.src;
  const parsed = themeSchema.safeParse({ ...(input.theme as object), logo: { ...((input.theme as { logo?: object }).logo ?? {}), src } });
  if (!parsed.success) throw new InvalidInput(`the branding is invalid: ${parsed.error.issues[0]?.message}`);
  const name = input.name.trim();
  if (!name || name.length > 120) throw new InvalidInput("a portal's name has 1 to 120 characters");
  await deps.control.$transaction([
    deps.control.tenant.update({ where: { id: tenant.id }, data: { name, theme: parsed.data } }),
    ...(logo
      ? [deps.control.tenantLogo.upsert({ where: { tenantId: tenant.id }, create: { tenantId: tenant.id, sha256: logo.sha256, contentType: logo.contentType, bytes: new Uint8Array(logo.bytes) }, update: { sha256: logo.sha256, contentType: logo.contentType, bytes: new Uint8Array(logo.bytes) } })]
      : []),
  ]);
  await notifyTenantChanged(deps.control, tenant.id);
  return { tenantId: tenant.id };
}
