import "server-only";
import { withClient } from "../db/postgres.ts";
import { tenantConnectionUrl } from "../db/tenant-db.server.ts";
import { errorMessage } from "../errors.ts";
import { loadMigrations, migrate, migrationsDir } from "../migrations/migrator.ts";
import { notifyTenantChanged } from "../tenancy/invalidation.server.ts";
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
export async function migrateTenant(deps: ProvisionDeps, tenant: { id: string; slug: string }, dir = migrationsDir("tenant")): Promise<TenantMigrationOutcome> {
  try {
    const url = await tenantConnectionUrl(deps.control, deps.keyring, tenant.id);
    const result = await withClient(url, async (client) => migrate(client, await loadMigrations(dir)));
    await deps.control.tenantDatabase.update({
      where: { tenantId: tenant.id },
      data: { schemaVersion: result.version, migratedAt: new Date(), migrationError: null },
    });
    // A portal shown in maintenance while behind comes back on every instance at once.
    await notifyTenantChanged(deps.control, tenant.id);
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
 * Migrates what is left of the fleet: every tenant behind the newest migration or whose last
 * migration failed (or the named tenants, whatever their state), with at most `concurrency` at
 * once. A failing tenant is recorded with its error; every other tenant is still migrated. A
 * re-run retries only what is left.
 */
export async function migrateFleet(
  deps: ProvisionDeps,
  options: {
    concurrency?: number;
    slugs?: string[];
    /** The tenant migrations to apply (tests and benchmarks); the shipped ones by default. */
    dir?: string;
    onStart?: (total: number) => void | Promise<void>;
    onResult?: (outcome: TenantMigrationOutcome, done: number, total: number) => void | Promise<void>;
  },
): Promise<TenantMigrationOutcome[]> {
  const dir = options.dir ?? migrationsDir("tenant");
  const latest = (await loadMigrations(dir)).at(-1)?.name ?? "";
  const left = { OR: [{ schemaVersion: null }, { schemaVersion: { not: latest } }, { migrationError: { not: null } }] };
  const tenants = await deps.control.tenant.findMany({
    where: options.slugs
      ? { slug: { in: options.slugs }, database: { isNot: null } }
      : { status: { not: "offboarded" }, database: { is: left } },
    select: { id: true, slug: true },
    orderBy: { slug: "asc" },
  });
  await options.onStart?.(tenants.length);
  let done = 0;
  const settled = await mapSettledBounded(tenants, options.concurrency ?? 4, async (tenant) => {
    const outcome = await migrateTenant(deps, tenant, dir);
    await options.onResult?.(outcome, ++done, tenants.length);
    return outcome;
  });
  return settled.map((s, i) =>
    s.status === "fulfilled" ? s.value : { slug: tenants[i]?.slug ?? "?", ok: false, applied: [], version: null, error: errorMessage(s.reason) },
  );
}
