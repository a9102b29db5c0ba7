import "server-only";
import type { ControlDb } from "../db/control.server.ts";
import { loadMigrations, migrationsDir } from "../migrations/migrator.ts";
import { tenantSubdomainHost, type HostConfig } from "./host.ts";
import type { ResolvedTenant, ResolverKey } from "./resolver.ts";
import { FALLBACK_THEME, themeSchema } from "./theme.ts";

/** The control-plane query behind the resolver. */
export async function lookupTenant(control: ControlDb, hosts: HostConfig, key: ResolverKey): Promise<ResolvedTenant | null> {
  const tenant = await control.tenant.findFirst({
    where: key.by === "slug" ? { slug: key.slug } : { domains: { some: { hostname: key.hostname } } },
    include: { domains: { where: { isPrimary: true }, take: 1, select: { hostname: true } }, database: { select: { schemaVersion: true } } },
  });
  if (!tenant) return null;
  const latest = await latestTenantMigration();
  const behind = tenant.status === "active" && latest !== null && (tenant.database?.schemaVersion ?? null) !== latest;
  const theme = themeSchema.safeParse(tenant.theme);
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    status: tenant.status,
    plan: tenant.plan,
    theme: theme.success ? theme.data : FALLBACK_THEME,
    primaryHost: tenant.domains[0]?.hostname ?? tenantSubdomainHost(tenant.slug, hosts),
    maintenance: tenant.maintenance ?? (behind ? "upgrade" : null),
  };
}

/** The newest tenant migration this build ships: a tenant database not at it is behind. */
export async function latestTenantMigration(): Promise<string | null> {
  const migrations = await loadMigrations(migrationsDir("tenant"));
  return migrations.at(-1)?.name ?? null;
}
