import "server-only";
import { SERVER_ADDRESS, type ServerAddress } from "../db/tls.ts";
import type { ControlDb } from "../db/control.server.ts";
import { loadMigrations, migrationsDir } from "../migrations/migrator.ts";
import { tenantSubdomainHost, type HostConfig } from "./host.ts";
import type { ResolvedTenant, ResolverKey } from "./resolver.ts";
import { FALLBACK_THEME, themeSchema } from "./theme.ts";

/** A tenant's placement and sealed role password, as the resolver's query already has them. */
export interface SealedPlacement {
  server: ServerAddress;
  databaseName: string;
  roleName: string;
  passwordCiphertext: string;
  keyId: string;
}

/**
 * The control-plane query behind the resolver. `onPlacement` receives the tenant's placement
 * from the same query, so the web app can build the tenant's connection URL without a second
 * round trip when its client is first created (docs/decisions/013).
 */
export async function lookupTenant(
  control: ControlDb,
  hosts: HostConfig,
  key: ResolverKey,
  onPlacement?: (tenantId: string, placement: SealedPlacement) => void,
): Promise<ResolvedTenant | null> {
  const tenant = await control.tenant.findFirst({
    where: key.by === "slug" ? { slug: key.slug } : { domains: { some: { hostname: key.hostname } } },
    include: {
      domains: { where: { isPrimary: true }, take: 1, select: { hostname: true } },
      database: {
        select: {
          schemaVersion: true,
          ...(onPlacement
            ? {
                databaseName: true,
                roleName: true,
                passwordCiphertext: true,
                keyId: true,
                server: { select: SERVER_ADDRESS },
              }
            : {}),
        },
      },
    },
  });
  if (!tenant) return null;
  const db = tenant.database as (typeof tenant.database & Partial<SealedPlacement>) | null;
  if (onPlacement && db?.server && db.databaseName && db.roleName && db.passwordCiphertext && db.keyId) {
    onPlacement(tenant.id, {
      server: db.server,
      databaseName: db.databaseName,
      roleName: db.roleName,
      passwordCiphertext: db.passwordCiphertext,
      keyId: db.keyId,
    });
  }
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
