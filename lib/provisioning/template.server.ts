import "server-only";
import type pg from "pg";
import { databaseExists, quoteIdent, withClient, withDatabase } from "../db/postgres.ts";
import { READ_APPLIED, loadMigrations, migrate, migrationsDir, statusFrom, type AppliedRow } from "../migrations/migrator.ts";
import { onceByKey } from "../util/once.ts";

/**
 * The fast path: each database server keeps a migrated, empty tenant database to clone, so a new
 * tenant costs about one CREATE DATABASE instead of running every migration
 * (docs/decisions/008). Its objects belong to a NOLOGIN role, handed to the tenant's role
 * after the clone; the template database itself belongs to the administrator, so that
 * handover cannot touch it.
 */
export const TEMPLATE_DATABASE = "portico_tenant_template";
export const TEMPLATE_ROLE = "portico_template";

const buildOnce = onceByKey(buildTemplate);

/** Creates or migrates the server's template, once per server per process. */
export function ensureTemplate(adminUrl: string): Promise<void> {
  return buildOnce(adminUrl);
}

async function buildTemplate(adminUrl: string): Promise<void> {
  await withClient(withDatabase(adminUrl, "postgres"), async (admin) => {
    if ((await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [TEMPLATE_ROLE])).rowCount === 0) {
      await admin.query(`CREATE ROLE ${quoteIdent(TEMPLATE_ROLE)} NOLOGIN`).catch((e: { code?: string }) => {
        if (e.code !== "42710") throw e;
      });
    }
    if (!(await databaseExists(admin, TEMPLATE_DATABASE))) {
      await admin.query(`CREATE DATABASE ${quoteIdent(TEMPLATE_DATABASE)}`).catch((e: { code?: string }) => {
        if (e.code !== "42P04") throw e;
      });
    }
    await admin.query(`REVOKE ALL ON DATABASE ${quoteIdent(TEMPLATE_DATABASE)} FROM PUBLIC`);
  });
  await withClient(withDatabase(adminUrl, TEMPLATE_DATABASE), async (client) => {
    await client.query(`GRANT CREATE, USAGE ON SCHEMA public TO ${quoteIdent(TEMPLATE_ROLE)}`);
    await client.query(`SET ROLE ${quoteIdent(TEMPLATE_ROLE)}`);
    await migrate(client, await loadMigrations(migrationsDir("tenant")));
  });
}

export interface CloneResult {
  /** False when the template stayed busy; the caller then creates an empty database and migrates it. */
  cloned: boolean;
  /**
   * The clone's schema version when it has every migration and nothing edited, read on the
   * handover connection; null when the migrate step must run.
   */
  current: string | null;
}

/**
 * Creates `database` for `owner` by cloning the template, then hands every object in it to the
 * owner. Safe to repeat: an existing database only gets the handover again. The template stays
 * busy while another process migrates it (PostgreSQL refuses to copy a database with open
 * connections): then `cloned` is false.
 */
export async function cloneTenantDatabase(adminUrl: string, admin: pg.ClientBase, database: string, owner: string): Promise<CloneResult> {
  await ensureTemplate(adminUrl);
  const cloned = await (async () => {
    if (await databaseExists(admin, database)) return true;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${quoteIdent(database)} TEMPLATE ${quoteIdent(TEMPLATE_DATABASE)} OWNER ${quoteIdent(owner)}`);
        return true;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === "42P04") return true; // a concurrent run created it
        if (code !== "55006") throw error; // 55006: the template is being accessed by others
        await new Promise((r) => setTimeout(r, 40 * (attempt + 1)));
      }
    }
    return false;
  })();
  if (!cloned) return { cloned, current: null };
  const current = await withClient(withDatabase(adminUrl, database), async (handover) => {
    const migrations = await loadMigrations(migrationsDir("tenant"));
    const reassign = `REASSIGN OWNED BY ${quoteIdent(TEMPLATE_ROLE)} TO ${quoteIdent(owner)}`;
    try {
      // One round trip: the handover, then what the clone holds (read as the migrator reads it).
      const [, applied] = (await handover.query(`${reassign}; ${READ_APPLIED}`)) as unknown as [pg.QueryResult, pg.QueryResult<AppliedRow>];
      const status = statusFrom(applied.rows, migrations);
      return status.pending.length === 0 && status.unknown.length === 0 ? status.version : null;
    } catch {
      // No migration table in the clone, or an unfinished or edited migration there: hand over
      // alone, and let the migrate step find out.
      await handover.query(reassign);
      return null;
    }
  });
  return { cloned, current };
}
