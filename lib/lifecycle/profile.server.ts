import "server-only";
import { InvalidInput, TenantConflict, TenantNotFound } from "../util/errors.ts";
import type { HostConfig } from "../tenancy/host.ts";
import { checkLogo } from "../tenancy/logo.ts";
import { savableThemeSchema } from "../tenancy/theme.ts";
import { notifyTenantChanged } from "../tenancy/invalidation.server.ts";
import type { ProvisionDeps } from "../provisioning/servers.server.ts";
import { checkCustomDomains } from "../provisioning/spec.ts";

async function liveTenant(deps: ProvisionDeps, slug: string) {
  const tenant = await deps.control.tenant.findUnique({
    where: { slug },
    select: { id: true, status: true, name: true },
  });
  if (!tenant) throw new TenantNotFound(`no tenant named "${slug}" (see \`npm run tenants -- list\`)`);
  if (tenant.status !== "active" && tenant.status !== "suspended")
    throw new InvalidInput(`"${slug}" is ${tenant.status}; only a live tenant can be changed`);
  return tenant;
}

/** Renames a live tenant; every instance shows the new name on its next request. */
export async function renameTenant(
  deps: ProvisionDeps,
  slug: string,
  name: string,
): Promise<{ tenantId: string; from: string; to: string }> {
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
export async function setTenantDomains(
  deps: ProvisionDeps,
  hosts: HostConfig,
  slug: string,
  input: readonly string[],
): Promise<{ tenantId: string; domains: string[] }> {
  const domains = checkCustomDomains(input, hosts);
  const tenant = await liveTenant(deps, slug);
  const taken = await deps.control.domain.findMany({
    where: { hostname: { in: domains }, tenantId: { not: tenant.id } },
    select: { hostname: true },
  });
  if (taken.length > 0)
    throw new TenantConflict(
      `${taken.map((d) => d.hostname).join(", ")} already belongs to another tenant; remove it there first`,
    );
  await deps.control.$transaction([
    deps.control.domain.deleteMany({ where: { tenantId: tenant.id, hostname: { notIn: domains } } }),
    ...domains.map((hostname, i) =>
      deps.control.domain.upsert({
        where: { hostname },
        create: { tenantId: tenant.id, hostname, isPrimary: i === 0 },
        update: { isPrimary: i === 0 },
      }),
    ),
  ]);
  await notifyTenantChanged(deps.control, tenant.id);
  return { tenantId: tenant.id, domains };
}

/**
 * A tenant admin's branding change (name, colours, font, logo), applied on every instance at
 * once. The theme is validated again here; a new logo must pass the same checks as in the wizard.
 */
export async function setTenantBranding(
  deps: ProvisionDeps,
  slug: string,
  input: { name: string; theme: unknown; logo: Buffer | null },
): Promise<{ tenantId: string }> {
  const tenant = await liveTenant(deps, slug);
  const current = await deps.control.tenant.findUniqueOrThrow({ where: { id: tenant.id }, select: { theme: true } });
  const logo = input.logo ? checkLogo(input.logo) : null;
  const src = logo?.src ?? (current.theme as { logo?: { src?: string } }).logo?.src;
  const parsed = savableThemeSchema.safeParse({
    ...(input.theme as object),
    logo: { ...((input.theme as { logo?: object }).logo ?? {}), src },
  });
  if (!parsed.success) throw new InvalidInput(`the branding is invalid: ${parsed.error.issues[0]?.message}`);
  const name = input.name.trim();
  if (!name || name.length > 120) throw new InvalidInput("a portal's name has 1 to 120 characters");
  await deps.control.$transaction([
    deps.control.tenant.update({ where: { id: tenant.id }, data: { name, theme: parsed.data } }),
    ...(logo
      ? [
          deps.control.tenantLogo.upsert({
            where: { tenantId: tenant.id },
            create: {
              tenantId: tenant.id,
              sha256: logo.sha256,
              contentType: logo.contentType,
              bytes: new Uint8Array(logo.bytes),
            },
            update: { sha256: logo.sha256, contentType: logo.contentType, bytes: new Uint8Array(logo.bytes) },
          }),
        ]
      : []),
  ]);
  await notifyTenantChanged(deps.control, tenant.id);
  return { tenantId: tenant.id };
}
