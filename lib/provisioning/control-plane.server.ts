import "server-only";
import { databaseExists, quoteIdent, revokePublicConnect, withClient, withDatabase } from "../db/postgres.ts";
import { loadMigrations, migrate, migrationsDir, type MigrateResult } from "../migrations/migrator.ts";

/** Applies the control-plane migrations to the database at `url`. */
export async function migrateControlPlane(url: string): Promise<MigrateResult> {
  return withClient(url, async (client) => migrate(client, await loadMigrations(migrationsDir("control"))));
}

/**
 * Creates the control-plane database on a server we administer (the embedded default), closes
 * it to every role but its owner, and migrates it. Returns its URL.
 */
export async function prepareControlPlane(adminUrl: string, database: string): Promise<{ url: string; migration: MigrateResult }> {
  await withClient(withDatabase(adminUrl, "postgres"), async (admin) => {
    if (!(await databaseExists(admin, database))) {
      await admin.query(`CREATE DATABASE ${quoteIdent(database)}`).catch((error: { code?: string }) => {
        if (error.code !== "42P04") throw error;
      });
    }
    // Tenant roles must not even connect here (security case 15).
    await revokePublicConnect(admin, database);
    await revokePublicConnect(admin, "postgres");
  });
  const url = withDatabase(adminUrl, database);
  return { url, migration: await migrateControlPlane(url) };
}
