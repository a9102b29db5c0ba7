import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import { MigrationError, errorMessage } from "../util/errors.ts";
import { onceByKey } from "../util/once.ts";

/**
 * Applies Prisma-layout SQL migrations in process (docs/decisions/002): one transaction per
 * migration, recorded in `_prisma_migrations` exactly as Prisma records them, so
 * `prisma migrate status` agrees wherever the engine exists.
 */

export interface Migration {
  name: string;
  sql: string;
  /** sha-256 of migration.sql, hex: what Prisma stores in `_prisma_migrations.checksum`. */
  checksum: string;
}

export type SchemaName = "control" | "tenant";

export function migrationsDir(schema: SchemaName, root = process.cwd()): string {
  return path.join(root, "prisma", schema, "migrations");
}

export function checksum(sql: string): string {
  return createHash("sha256").update(sql, "utf8").digest("hex");
}

/** Reads `<dir>/<timestamp>_<name>/migration.sql`, in name order. Cached per directory. */
export const loadMigrations: (dir: string) => Promise<Migration[]> = onceByKey((dir) => readMigrations(dir));

/** Reads the directory afresh (loadMigrations caches). */
export async function readMigrations(dir: string): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory() && /^\d{14}_[a-z0-9_]+$/.test(e.name))
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: checksum(sql) };
    }),
  );
}

// Prisma's own definition of its bookkeeping table (schema-engine, postgres flavour).
const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

// One migrator per database at a time, across processes: a transaction-level advisory lock
// would not cover CREATE TABLE above, so a session lock is taken and released explicitly.
const LOCK_KEY = 72_707_369; // arbitrary, fixed: "portico migrate"

export interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * A short fingerprint of a set of migrations (names and checksums, in any order): equal for two
 * databases, or a database and a directory, exactly when they hold the same migrations.
 */
export function migrationsDigest(migrations: ReadonlyArray<{ name: string; checksum: string }>): string {
  const lines = migrations.map((m) => `${m.name} ${m.checksum}\n`).sort();
  return createHash("sha256").update(lines.join(""), "utf8").digest("hex").slice(0, 12);
}

/** The digest of what READ_APPLIED's rows say is applied; null while a migration is unfinished. */
export function appliedDigest(rows: AppliedRow[]): string | null {
  if (rows.some((r) => r.rolled_back_at === null && r.finished_at === null)) return null;
  return migrationsDigest(
    rows.filter((r) => r.rolled_back_at === null).map((r) => ({ name: r.migration_name, checksum: r.checksum })),
  );
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Applied here but unknown to this code: a newer release migrated this database. */
  unknown: string[];
  /** The newest migration applied, or null for an empty database. */
  version: string | null;
}

/**
 * What is applied: rows of this query go to statusFrom, which orders them. Fails where the table
 * does not exist. No ORDER BY: in a new connection, the sort's operator and collation lookups are
 * a noticeable share of a fleet migration's work per tenant (decision 014, docs/benchmarks.md),
 * while a handful of rows sorts in JavaScript for nothing.
 */
export const READ_APPLIED = `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`;

async function readApplied(client: pg.Client): Promise<AppliedRow[]> {
  const exists = await client.query(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`);
  if (!exists.rows[0]?.present) return [];
  return (await client.query<AppliedRow>(READ_APPLIED)).rows;
}

function verify(applied: AppliedRow[], migrations: Migration[]): void {
  const byName = new Map(migrations.map((m) => [m.name, m]));
  for (const row of applied) {
    if (row.finished_at === null) {
      throw new MigrationError(
        row.migration_name,
        `migration ${row.migration_name} started but never finished; inspect the database, then delete its row from _prisma_migrations to retry`,
      );
    }
    const local = byName.get(row.migration_name);
    if (local && local.checksum !== row.checksum) {
      throw new MigrationError(
        row.migration_name,
        `migration ${row.migration_name} was edited after it was applied (checksum ${local.checksum.slice(0, 12)}… ≠ applied ${row.checksum.slice(0, 12)}…). ` +
          `Restore the original file and put the change in a new migration.`,
      );
    }
  }
}

export async function migrationStatus(client: pg.Client, migrations: Migration[]): Promise<MigrationStatus> {
  return statusFrom(await readApplied(client), migrations);
}

/** The status from READ_APPLIED's rows, in any order; throws on an unfinished or edited migration. */
export function statusFrom(rows: AppliedRow[], migrations: Migration[]): MigrationStatus {
  // Migration names start with their timestamp, so name order is the order they were written in.
  const applied = rows
    .filter((r) => r.rolled_back_at === null)
    .sort((a, b) => (a.migration_name < b.migration_name ? -1 : a.migration_name > b.migration_name ? 1 : 0));
  verify(applied, migrations);
  const appliedNames = new Set(applied.map((r) => r.migration_name));
  const known = new Set(migrations.map((m) => m.name));
  const names = applied.map((r) => r.migration_name);
  return {
    applied: names,
    pending: migrations.filter((m) => !appliedNames.has(m.name)).map((m) => m.name),
    unknown: names.filter((n) => !known.has(n)),
    version: names.at(-1) ?? null,
  };
}

export interface MigrateResult {
  applied: string[];
  version: string | null;
}

/**
 * Applies every pending migration in order. Applying twice is a no-op.
 *
 * Two round trips when one migration is pending (lock and read; apply, record, commit and
 * unlock), not one per statement: a fleet migration opens a new connection per tenant and is
 * CPU-bound, and every statement costs both ends parse, plan and protocol work (decision 014).
 */
export async function migrate(client: pg.Client, migrations: Migration[]): Promise<MigrateResult> {
  let unlocked = false;
  try {
    const status = statusFrom(await lockAndReadApplied(client), migrations);
    const done = new Set(status.applied);
    const pending = migrations.filter((m) => !done.has(m.name));
    for (const [i, migration] of pending.entries()) {
      // The last one releases the lock in its own query, after COMMIT.
      await applyOne(client, migration, i === pending.length - 1);
    }
    unlocked = pending.length > 0;
    const appliedNow = pending.map((m) => m.name);
    const version = [...done, ...appliedNow].sort().at(-1) ?? null;
    return { applied: appliedNow, version };
  } finally {
    // Nothing pending, or a failure: the lock is still held (a failed query stops at its error).
    if (!unlocked) await client.query(UNLOCK).catch(() => {});
  }
}

const UNLOCK = `SELECT pg_advisory_unlock(${LOCK_KEY})`;

/** Takes the migrator's lock, then reads what is applied, creating Prisma's table if absent. */
async function lockAndReadApplied(client: pg.Client): Promise<AppliedRow[]> {
  try {
    // One simple-protocol query, two statements: the session lock outlives the implicit
    // transaction, also when the read fails.
    const results = (await client.query(`SELECT pg_advisory_lock(${LOCK_KEY}); ${READ_APPLIED}`)) as unknown as Array<
      pg.QueryResult<AppliedRow>
    >;
    return results[1]!.rows;
  } catch (error) {
    if ((error as { code?: string }).code !== "42P01") throw error; // undefined_table
    await client.query(CREATE_TABLE);
    return [];
  }
}

/** A string literal (standard_conforming_strings, PostgreSQL's default since 9.1). */
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

async function applyOne(client: pg.Client, migration: Migration, unlockAfter: boolean): Promise<void> {
  const started = new Date();
  // The migration and its record in one transaction, sent as one simple-protocol query; the
  // newlines keep a trailing line comment in migration.sql from swallowing what follows.
  const record =
    `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count) ` +
    `VALUES (${literal(randomUUID())}, ${literal(migration.checksum)}, now(), ${literal(migration.name)}, NULL, ${literal(started.toISOString())}, 1)`;
  try {
    await client.query(`BEGIN;\n${migration.sql}\n;\n${record};\nCOMMIT;${unlockAfter ? `\n${UNLOCK};` : ""}`);
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw new MigrationError(
      migration.name,
      `migration ${migration.name} failed and was rolled back: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}
