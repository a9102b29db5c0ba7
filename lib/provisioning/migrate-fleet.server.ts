import "server-only";
import { withClient } from "../db/postgres.ts";
import { tenantConnectionUrl } from "../db/tenant-db.server.ts";
import { errorMessage } from "../errors.ts";
import { loadMigrations, migrate, migrationsDir } from "../migrations/migrator.ts";
import { mapSettledBounded } from "../util/concurrency.ts";
import type { ProvisionDeps } from "./servers.server.ts";

export interface TenantMigrationOutcome {
  slug: string;
  ok: boolean;
  applied: string[];
  version: string | null;
  error?: string;
}

/** Migrates one tenant with its own role and records the outcome in the control plane. */
export async function migrateTenant(deps: ProvisionDeps, tenant: { id: string; slug: string }): Promise<TenantMigrationOutcome> {
  try {
    const url = await tenantConnectionUrl(deps.control, deps.keyring, tenant.id);
    const result = await withClient(url, async (client) => migrate(client, await loadMigrations(migrationsDir("tenant"))));
    await deps.control.tenantDatabase.update({
      where: { tenantId: tenant.id },
      data: { schemaVersion: result.version, migratedAt: new Date(), migrationError: null },
    });
    return { slug: tenant.slug, ok: true, applied: result.applied, version: result.version };
  } catch (error) {
    const message = errorMessage(error);
    await deps.control.tenantDatabase
      .update({ where: { tenantId: tenant.id }, data: { migrationError: message.slice(0, 2_000) } })
      .catch(() => {});
    return { slug: tenant.slug, ok: false, applied: [], version: null, error: message };
  }
}

/**
 * Migrates every tenant (or the named ones) with at most `concurrency` at once. A failing tenant
 * is recorded and reported; every other tenant is still migrated. Safe to re-run: migrated
 * tenants have nothing pending.
 */
export async function migrateFleet(
  deps: ProvisionDeps,
  options: { concurrency?: number; slugs?: string[]; onResult?: (outcome: TenantMigrationOutcome, done: number, total: number) => void },
): Promise<TenantMigrationOutcome[]> {
  const tenants = await deps.control.tenant.findMany({
    where: { database: { isNot: null }, ...(options.slugs ? { slug: { in: options.slugs } } : {}) },
    select: { id: true, slug: true },
    orderBy: { slug: "asc" },
  });
  let done = 0;
  const settled = await mapSettledBounded(tenants, options.concurrency ?? 4, async (tenant) => {
    const outcome = await migrateTenant(deps, tenant);
    options.onResult?.(outcome, ++done, tenants.length);
    return outcome;
  });
  return settled.map((s, i) =>
    s.status === "fulfilled" ? s.value : { slug: tenants[i]?.slug ?? "?", ok: false, applied: [], version: null, error: errorMessage(s.reason) },
  );
}
