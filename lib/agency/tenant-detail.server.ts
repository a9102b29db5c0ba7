import "server-only";
import { appendAudit } from "../audit/log.server.ts";
import { recordAgencyAccess } from "../platform/record-trail.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import { errorMessage } from "../util/errors.ts";
import { loadMigrations, migrationsDir } from "../migrations/migrator.ts";
import { platform } from "../platform/platform.server.ts";
import { withTimeout } from "../util/concurrency.ts";
import type { ReadAudit } from "./fleet.server.ts";
import { assertAgencyRole, type AgencyUser } from "../auth/agency-guard.server.ts";
import { readOidcConnection, type OidcConnectionView } from "../auth/sso-connection.server.ts";
import { loadSamlConnection, type SavedSamlConnection } from "../auth/saml-sign-in.server.ts";

export interface MigrationHistory {
  applied: Array<{ name: string; startedAt: Date; finishedAt: Date | null; checksumMatches: boolean }>;
  pending: string[];
  error: string | null;
}

/** Credentials older than this are flagged on the tenant's page. */
export const CREDENTIALS_MAX_AGE_DAYS = 90;

/**
 * The migrations recorded in the tenant's own database (`_prisma_migrations`, read with the
 * tenant's role) against the ones this build ships. A read of one tenant's database: audited.
 */
export async function tenantMigrationHistory(
  viewer: AgencyUser,
  tenant: { id: string; slug: string },
  audit: ReadAudit,
): Promise<MigrationHistory> {
  assertAgencyRole(viewer, "viewer");
  const { control, env } = platform();
  const shipped = await loadMigrations(migrationsDir("tenant"));
  await appendAudit(control, {
    ...audit,
    action: "tenant.read",
    tenantId: tenant.id,
    details: { what: "migration history" },
  });
  await recordAgencyAccess(tenant.id, {
    agencyEmail: viewer.email,
    action: "agency.read",
    details: { what: "migration history" },
    ip: audit.ip,
    userAgent: audit.userAgent,
    unlessRecent: true,
  }).catch(() => undefined); // an unreachable tenant shows its error below; recordAgencyAccess logged it
  try {
    const rows = await withTimeout(
      withTenantDb(
        tenant.id,
        (db) =>
          db.$queryRaw<Array<{ migration_name: string; started_at: Date; finished_at: Date | null; checksum: string }>>`
          SELECT migration_name, started_at, finished_at, checksum FROM "_prisma_migrations"
           WHERE rolled_back_at IS NULL ORDER BY started_at, migration_name`,
      ),
      env.PORTICO_TENANT_TIMEOUT_MS,
      `the database of ${tenant.slug}`,
    );
    const byName = new Map(shipped.map((m) => [m.name, m.checksum]));
    const done = new Set(rows.filter((r) => r.finished_at).map((r) => r.migration_name));
    return {
      applied: rows.map((r) => ({
        name: r.migration_name,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        checksumMatches: byName.get(r.migration_name) === r.checksum,
      })),
      pending: shipped.filter((m) => !done.has(m.name)).map((m) => m.name),
      error: null,
    };
  } catch (error) {
    return {
      applied: [],
      pending: [],
      error:
        errorMessage(error)
          .split("\n")
          .map((l) => l.trim())
          .filter(Boolean)
          .at(-1) ?? "unreadable",
    };
  }
}

/**
 * A tenant's single sign-on connection for the agency's tenant page (operators and owners): read
 * from the tenant's own database, never its secret; null when it has none, undefined when the
 * database could not be read in time.
 */
export async function tenantSsoForAgency(
  viewer: AgencyUser,
  tenantId: string,
): Promise<OidcConnectionView | null | undefined> {
  assertAgencyRole(viewer, "operator");
  return withTimeout(
    readOidcConnection(tenantId),
    platform().env.PORTICO_TENANT_TIMEOUT_MS,
    "the tenant's database",
  ).catch(() => undefined);
}

/** A tenant's SAML connection for agency operators; null when it has none, undefined when unreadable in time. */
export async function tenantSamlForAgency(
  viewer: AgencyUser,
  tenantId: string,
): Promise<SavedSamlConnection | null | undefined> {
  assertAgencyRole(viewer, "operator");
  return withTimeout(
    loadSamlConnection({ id: tenantId }),
    platform().env.PORTICO_TENANT_TIMEOUT_MS,
    "the tenant's database",
  ).catch(() => undefined);
}
