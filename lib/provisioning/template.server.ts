import "server-only";
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { databaseExists, quoteIdent, withClient, withDatabase } from "../db/postgres.ts";
import {
  READ_APPLIED,
  loadMigrations,
  migrate,
  migrationsDir,
  statusFrom,
  type AppliedRow,
} from "../migrations/migrator.ts";
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
    const { applied } = await migrate(client, await loadMigrations(migrationsDir("tenant")));
    // Spares cloned before these migrations would need them too: drop them, the pool refills.
    if (applied.length > 0) await withClient(withDatabase(adminUrl, "postgres"), dropSpares);
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
export async function cloneTenantDatabase(
  adminUrl: string,
  admin: pg.ClientBase,
  database: string,
  owner: string,
  spares = 0,
): Promise<CloneResult> {
  await ensureTemplate(adminUrl);
  const cloned = await (async () => {
    if (await databaseExists(admin, database)) return true;
    if (spares > 0) {
      const claimed = await claimSpare(admin, database);
      // Refilled in the background: the next tenant finds one ready.
      void refillSpares(adminUrl, spares).catch(() => {});
      if (claimed) return true;
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await admin.query(
          `CREATE DATABASE ${quoteIdent(database)} TEMPLATE ${quoteIdent(TEMPLATE_DATABASE)} OWNER ${quoteIdent(owner)}`,
        );
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
      const [, applied] = (await handover.query(`${reassign}; ${READ_APPLIED}`)) as unknown as [
        pg.QueryResult,
        pg.QueryResult<AppliedRow>,
      ];
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

/**
 * Spare databases (docs/decisions/015): clones of the template made ahead of time, each
 * connected to once (the first connection to a new database builds its catalog cache file), so
 * provisioning renames one instead of cloning and warming while someone waits. They belong to
 * the administrator, their objects to the template role, and nobody else may connect, exactly as
 * a fresh clone before its handover.
 */
export const SPARE_PREFIX = "portico_spare_";
/**
 * A spare is made under this name and renamed to SPARE_PREFIX only once it is ready: a claim in
 * another process never sees one whose catalog row is still being changed (a concurrent REVOKE
 * and rename of the same database fail with "tuple concurrently updated").
 */
const WARMING_PREFIX = "portico_warming_";
const SPARES = `SELECT datname FROM pg_database WHERE datname LIKE 'portico\\_spare\\_%' ORDER BY datname`;
const LEFT_OVER = `SELECT datname FROM pg_database WHERE datname LIKE 'portico\\_spare\\_%' OR datname LIKE 'portico\\_warming\\_%' ORDER BY datname`;

/** Renames a spare to `database`; false when none is ready. Concurrent claims each get another. */
async function claimSpare(admin: pg.ClientBase, database: string): Promise<boolean> {
  for (const { datname } of (await admin.query<{ datname: string }>(SPARES)).rows) {
    try {
      await admin.query(`ALTER DATABASE ${quoteIdent(datname)} RENAME TO ${quoteIdent(database)}`);
      return true;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "42P04") return true; // a concurrent run of this tenant created its database
      // 3D000: another run claimed it first; 55006: it is being dropped right now; XX000 (tuple
      // concurrently updated): another run is changing its catalog row. Each: try the next one.
      if (code !== "3D000" && code !== "55006" && code !== "XX000") throw error;
    }
  }
  return false;
}

const refilling = new Map<string, Promise<void>>();

/** Tops the server's spares up to `count`; one refill per server at a time in this process. */
export function refillSpares(adminUrl: string, count: number): Promise<void> {
  const running = refilling.get(adminUrl);
  if (running || count <= 0) return running ?? Promise.resolve();
  const run = (async () => {
    await ensureTemplate(adminUrl);
    await withClient(withDatabase(adminUrl, "postgres"), async (admin) => {
      const have = (await admin.query(SPARES)).rowCount ?? 0;
      for (let i = have; i < count; i++) {
        const id = randomBytes(6).toString("hex");
        const warming = `${WARMING_PREFIX}${id}`;
        await admin.query(`CREATE DATABASE ${quoteIdent(warming)} TEMPLATE ${quoteIdent(TEMPLATE_DATABASE)}`);
        await admin.query(`REVOKE ALL ON DATABASE ${quoteIdent(warming)} FROM PUBLIC`);
        await withClient(withDatabase(adminUrl, warming), (c) => c.query("SELECT 1"));
        await admin.query(`ALTER DATABASE ${quoteIdent(warming)} RENAME TO ${quoteIdent(`${SPARE_PREFIX}${id}`)}`);
      }
    });
  })().finally(() => refilling.delete(adminUrl));
  refilling.set(adminUrl, run);
  return run;
}

/** Waits for every refill this process started (benchmarks and tests measure without one running). */
export async function sparesSettled(): Promise<void> {
  await Promise.allSettled([...refilling.values()]);
}

/**
 * Drops every spare on the server, and any left half-made by a process that stopped while making
 * one (a template migration, or a test server's cleanup).
 */
export async function dropSpares(admin: pg.ClientBase): Promise<void> {
  for (const { datname } of (await admin.query<{ datname: string }>(LEFT_OVER)).rows) {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
  }
}
