import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import type pg from "pg";
import { quoteIdent as quoteRole, withClient, withDatabase } from "../db/postgres.ts";
import { tenantConnectionUrl, withOneTenantDb } from "../db/tenant-db.server.ts";
import { reapplyErasures, type CompletedErasure } from "../lifecycle/erasure.server.ts";
import {
  allowTrailAnchor,
  countRows,
  insertRows,
  listTables,
  quoteIdent,
  readTable,
  resetSequences,
  tableColumns,
} from "../lifecycle/table-copy.server.ts";
import { loadMigrations, migrationsDir } from "../migrations/migrator.ts";
import { discardTenant } from "../provisioning/resume.server.ts";
import { provisionTenant } from "../provisioning/provision.server.ts";
import { serverAdminUrl, type ProvisionDeps } from "../provisioning/servers.server.ts";
import { parseTenantSpec } from "../provisioning/spec.ts";
import { notifyTenantChanged } from "../tenancy/invalidation.server.ts";
import { FALLBACK_THEME, themeSchema } from "../tenancy/theme.ts";
import { InvalidInput, TenantNotFound } from "../util/errors.ts";
import { backupWriter, openBackup, type BackupHeader } from "./envelope.server.ts";
import type { BackupStore } from "./storage.server.ts";

/**
 * Backups of one tenant's database and their restores (docs/decisions/052). A backup is one
 * REPEATABLE READ snapshot of every table, streamed through the envelope into a backup location;
 * a restore verifies the whole file first (checksum, authentication, tenant, schema) and only then
 * takes that tenant alone into maintenance, keeps a pre-restore backup, and replaces its rows in
 * one transaction that also checks every table's row count and checksum before it commits.
 */

/**
 * The backup locations: one for every tenant, or one per region (named by the region), so a
 * tenant's backups stay in its region; each stored location by name.
 */
export interface BackupLocations {
  regional: boolean;
  /** The region's location; null when locations are per region and this region has none. */
  forRegion(region: string): BackupStore | null;
  byName(name: string): BackupStore;
}

export interface BackupDeps extends ProvisionDeps {
  backups: BackupLocations;
}

export const BACKUP_KINDS = ["scheduled", "manual", "pre-restore"] as const;
export type BackupKind = (typeof BACKUP_KINDS)[number];

export interface BackupOptions {
  kind: BackupKind;
  by: string;
  tier?: "daily" | "weekly" | "monthly" | null;
  expiresAt?: Date | null;
  /** Read through this connection instead of the tenant's role (a restore's own safety copy). */
  url?: string;
  /** Another region's location, confirmed by an agency owner (the caller checks the role). */
  confirmRegion?: string | null;
  now?: Date;
}

const LATEST_VERSION = `SELECT migration_name AS name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name DESC LIMIT 1`;

/** Writes every table of an open REPEATABLE READ transaction into the writer; returns the table list. */
async function snapshot(client: pg.Client, line: (text: string) => Promise<void>): Promise<BackupHeader["tables"]> {
  const tables: BackupHeader["tables"] = [];
  for (const name of await listTables(client)) {
    await line(`#table ${name}`);
    const hash = createHash("sha256");
    const rows = await readTable(client, name, async (lines) => {
      for (const l of lines) {
        hash.update(`${l}\n`);
        await line(l);
      }
    });
    const sha256 = hash.digest("hex");
    await line(`#end ${name} ${rows} ${sha256}`);
    tables.push({ name, rows, sha256 });
  }
  return tables;
}

/**
 * Where a tenant's backup is written: its region's location; another region's only when an agency
 * owner confirmed that region by name (residency, decision 053).
 */
function backupStoreFor(deps: BackupDeps, tenant: { slug: string; region: string }, confirmRegion: string | null) {
  const own = deps.backups.forRegion(tenant.region);
  if (own && (!confirmRegion || confirmRegion === own.name)) return own;
  if (confirmRegion) return deps.backups.byName(confirmRegion);
  throw new InvalidInput(
    `"${tenant.slug}" is in region ${tenant.region}, which has no backup location: add ${tenant.region}=<folder or s3://bucket> to PORTICO_BACKUP_LOCATIONS, or an agency owner confirms storing its backups in another region`,
  );
}

/** Backs a tenant up into its location; returns the Backup row's id. */
export async function createBackup(
  deps: BackupDeps,
  slug: string,
  options: BackupOptions,
): Promise<{
  id: string;
  tenantId: string;
  location: string;
  bytes: number;
  sha256: string;
  tables: BackupHeader["tables"];
}> {
  const tenant = await deps.control.tenant.findUnique({ where: { slug }, include: { database: true } });
  if (!tenant?.database) throw new TenantNotFound(`no tenant with a database named "${slug}"`);
  if (tenant.status !== "active" && tenant.status !== "suspended")
    throw new InvalidInput(`"${slug}" is ${tenant.status}; only a live tenant can be backed up`);
  const store = backupStoreFor(deps, tenant, options.confirmRegion ?? null);
  const now = options.now ?? new Date();
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const key = `${tenant.id}/${stamp}-${randomBytes(4).toString("hex")}.pbk`;
  const row = await deps.control.backup.create({
    data: {
      tenantId: tenant.id,
      slug,
      kind: options.kind,
      tier: options.tier ?? null,
      location: store.name,
      key,
      createdBy: options.by,
      createdAt: now,
    },
  });
  const work = await mkdtemp(path.join(os.tmpdir(), "portico-backup-"));
  const file = path.join(work, "backup.pbk");
  try {
    const url = options.url ?? (await tenantConnectionUrl(deps.control, deps.keyring, tenant.id));
    const written = await withClient(url, async (client) => {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const schemaVersion = (await client.query<{ name: string }>(LATEST_VERSION)).rows[0]?.name ?? null;
      const writer = backupWriter(
        deps.keyring,
        {
          tenantId: tenant.id,
          slug,
          name: tenant.name,
          plan: tenant.plan,
          schemaVersion,
          createdAt: now.toISOString(),
        },
        file,
      );
      try {
        const tables = await snapshot(client, (l) => writer.line(l));
        await client.query("COMMIT");
        return await writer.finish(tables);
      } catch (error) {
        await writer.abort();
        throw error;
      }
    });
    await store.put(key, file);
    await deps.control.backup.update({
      where: { id: row.id },
      data: {
        status: "done",
        bytes: BigInt(written.bytes),
        sha256: written.sha256,
        schemaVersion: written.header.schemaVersion,
        tables: written.header.tables.map(({ name, rows }) => ({ name, rows })),
        finishedAt: new Date(),
        expiresAt: options.expiresAt ?? null,
      },
    });
    return {
      id: row.id,
      tenantId: tenant.id,
      location: store.name,
      bytes: written.bytes,
      sha256: written.sha256,
      tables: written.header.tables,
    };
  } catch (error) {
    await deps.control.backup
      .update({
        where: { id: row.id },
        data: { status: "failed", error: (error as Error).message, finishedAt: new Date() },
      })
      .catch(() => {});
    throw error;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface VerifiedBackup {
  backup: { id: string; tenantId: string; slug: string; location: string };
  header: BackupHeader;
  plainFile: string;
}

/**
 * Fetches a backup and verifies it completely into `work`: the file's checksum against the
 * control plane's record, the envelope (checksum, authentication), the tenant it names against
 * the record, and its schema against the migrations this release knows. Changes nothing.
 */
export async function verifyBackup(deps: BackupDeps, backupId: string, work: string): Promise<VerifiedBackup> {
  const backup = await deps.control.backup.findUnique({ where: { id: backupId } });
  if (!backup) throw new InvalidInput(`no backup with the id ${backupId} (see \`npm run tenants -- backups <slug>\`)`);
  if (backup.status !== "done" || !backup.sha256)
    throw new InvalidInput(`backup ${backupId} is ${backup.status}; only a completed backup can be restored`);
  const file = path.join(work, "backup.pbk");
  await deps.backups.byName(backup.location).get(backup.key, file);
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  if (hash.digest("hex") !== backup.sha256)
    throw new InvalidInput(
      `backup ${backupId} does not match the checksum recorded when it was made: the stored file is damaged or was replaced; nothing was restored`,
    );
  const plainFile = path.join(work, "backup.jsonl");
  const header = await openBackup(deps.keyring, file, plainFile);
  if (header.tenantId !== backup.tenantId)
    throw new InvalidInput(
      `the file stored as backup ${backupId} of "${backup.slug}" holds another tenant's data; nothing was restored`,
    );
  const known = (await loadMigrations(migrationsDir("tenant"))).map((m) => m.name);
  if (header.schemaVersion && !known.includes(header.schemaVersion))
    throw new InvalidInput(
      `backup ${backupId} was made at schema ${header.schemaVersion}, which this Portico does not know; restore it with a newer release`,
    );
  return {
    backup: { id: backup.id, tenantId: backup.tenantId, slug: backup.slug, location: backup.location },
    header,
    plainFile,
  };
}

/**
 * The tenant's audit trail (decision 048). A restore never rewrites history: in place, these
 * tables are left exactly as they are (and the restore is appended to them); into a new tenant,
 * whose trail is still empty, the backup's trail is carried over so the history continues.
 */
export const TRAIL_TABLES: readonly string[] = ["AuditPerson", "AuditEntry", "AuditAnchor"];

/**
 * Replaces every row of the database `client` is connected to with the backup's, in one
 * transaction: every table emptied, the backup's rows inserted parents first, sequences moved on,
 * then each table's row count (and, at the same schema, the checksum of its rows read back)
 * compared with the backup's before COMMIT. Any difference rolls everything back. With
 * `keepTrail`, the audit trail's tables are neither emptied nor loaded nor compared; without it
 * they must be empty (a new tenant's) and are loaded like the rest.
 */
export async function restoreRows(
  client: pg.Client,
  verified: Pick<VerifiedBackup, "header" | "plainFile">,
  options: { keepTrail: boolean },
): Promise<Record<string, number>> {
  const { header, plainFile } = verified;
  const present = await listTables(client);
  const missing = header.tables.filter((t) => !present.includes(t.name)).map((t) => t.name);
  if (missing.length) throw new InvalidInput(`the backup has tables this database lacks: ${missing.join(", ")}`);
  const skip = new Set(options.keepTrail ? TRAIL_TABLES : []);
  const replaced = present.filter((t) => !skip.has(t));
  const sameSchema =
    ((await client.query<{ name: string }>(LATEST_VERSION)).rows[0]?.name ?? null) === header.schemaVersion;
  await client.query("BEGIN");
  try {
    if (!options.keepTrail) {
      for (const t of TRAIL_TABLES.filter((name) => present.includes(name)))
        if ((await countRows(client, t)) > 0)
          throw new InvalidInput(`${t} already has entries: a backup's audit trail loads only into a new tenant`);
      // The trail's anchor is written only in a pruning transaction (decision 048); this is one.
      await allowTrailAnchor(client);
    }
    // The trail's tables are never truncated (their trigger refuses it); empty here if loaded.
    const truncated = replaced.filter((t) => !TRAIL_TABLES.includes(t));
    if (truncated.length)
      await client.query(`TRUNCATE ${truncated.map((t) => quoteIdent(t)).join(", ")} RESTART IDENTITY`);
    let table: string | null = null;
    let skipping = false;
    let columns: string[] = [];
    let batch: string[] = [];
    const lines = readline.createInterface({ input: createReadStream(plainFile), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.startsWith("#table ")) {
        const name = line.slice(7);
        skipping = skip.has(name);
        table = skipping ? null : name;
        columns = table ? await tableColumns(client, table) : [];
      } else if (line.startsWith("#end ")) {
        if (table) await insertRows(client, table, batch, columns);
        batch = [];
        table = null;
      } else if (line.length > 0) {
        if (skipping) continue;
        if (!table) throw new InvalidInput("the backup has rows outside a table section: the file is damaged");
        batch.push(line);
        if (batch.length >= 500) {
          await insertRows(client, table, batch, columns);
          batch = [];
        }
      }
    }
    await resetSequences(client, replaced);
    const counts: Record<string, number> = {};
    for (const expected of header.tables.filter((t) => !skip.has(t.name))) {
      counts[expected.name] = await countRows(client, expected.name);
      if (counts[expected.name] !== expected.rows)
        throw new Error(
          `${expected.name}: ${counts[expected.name]} row(s) restored, the backup holds ${expected.rows}`,
        );
      if (sameSchema) {
        const hash = createHash("sha256");
        await readTable(client, expected.name, async (rows) => {
          for (const r of rows) hash.update(`${r}\n`);
        });
        if (hash.digest("hex") !== expected.sha256)
          throw new Error(`${expected.name}: the rows read back differ from the backup's`);
      }
    }
    await client.query("COMMIT");
    return counts;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

/** With locations per region, a backup from another region's location needs that region confirmed. */
function checkRegion(
  deps: BackupDeps,
  verified: VerifiedBackup,
  tenant: { slug: string; region: string },
  confirmRegion: string | null,
): void {
  const from = verified.backup.location;
  if (!deps.backups.regional || from === tenant.region || confirmRegion === from) return;
  throw new InvalidInput(
    `backup ${verified.backup.id} is kept in region ${from} and "${tenant.slug}" is in ${tenant.region}: restoring it across regions needs an agency owner to confirm the region ${from}; nothing was restored`,
  );
}

/**
 * The erasures carried out in `tenantId`'s live database (decision 051): a backup made before one
 * still holds the member, so a restore of it carries them out again. Read with the tenant's own
 * role; none when the tenant has no database any more.
 */
async function completedErasures(deps: BackupDeps, tenantId: string): Promise<CompletedErasure[]> {
  const tenant = await deps.control.tenant.findUnique({ where: { id: tenantId }, select: { database: true } });
  if (!tenant?.database) return [];
  const url = await tenantConnectionUrl(deps.control, deps.keyring, tenantId);
  return withClient(url, async (c) => {
    const rows = await c.query<CompletedErasure>(
      `SELECT id, "userId", "requestedAt", "completedAt", "handledById" FROM "DataSubjectRequest"
        WHERE kind = 'erasure' AND status = 'completed' ORDER BY "completedAt"`,
    );
    return rows.rows;
  });
}

/** Carries `requests` out again on the rows just restored at `url` (a connection of its own). */
async function reapplyErasuresAt(
  url: string,
  requests: CompletedErasure[],
): Promise<{ erased: number; ownersLeft: string[] }> {
  if (requests.length === 0) return { erased: 0, ownersLeft: [] };
  return withOneTenantDb(url, "restore-erasures", (db) => reapplyErasures(db, requests));
}

export interface RestoreOptions {
  by: string;
  /** A backup kept in another region restored here: that region, confirmed by an agency owner. */
  confirmRegion?: string | null;
  /** Restoring another tenant's backup here: the source tenant's slug, typed by an agency owner. */
  confirmCrossTenant?: string | null;
}

/**
 * Restores a backup into the live tenant `slug`: refused unless the backup is the tenant's own,
 * or an agency owner typed the source tenant's slug (the caller checks the role). Verified before
 * anything changes; then that tenant alone is in maintenance, a pre-restore backup is kept, its
 * rows are replaced and verified, and it serves again. A failure leaves its rows as they were.
 */
export async function restoreInPlace(
  deps: BackupDeps,
  slug: string,
  backupId: string,
  options: RestoreOptions,
): Promise<{
  tenantId: string;
  from: string;
  crossTenant: boolean;
  preRestoreBackupId: string;
  rows: Record<string, number>;
  /** Erasures carried out since the backup, applied again (decision 051). */
  erasures: { erased: number; ownersLeft: string[] };
}> {
  const tenant = await deps.control.tenant.findUnique({ where: { slug }, include: { database: true } });
  if (!tenant?.database) throw new TenantNotFound(`no tenant with a database named "${slug}"`);
  if (tenant.status !== "active" && tenant.status !== "suspended")
    throw new InvalidInput(`"${slug}" is ${tenant.status}; only a live tenant can be restored in place`);
  const work = await mkdtemp(path.join(os.tmpdir(), "portico-restore-"));
  try {
    const verified = await verifyBackup(deps, backupId, work);
    const crossTenant = verified.header.tenantId !== tenant.id;
    if (crossTenant && options.confirmCrossTenant !== verified.backup.slug)
      throw new InvalidInput(
        `backup ${backupId} belongs to "${verified.backup.slug}", not "${slug}": restoring it would replace ${slug}'s data with another tenant's. An agency owner must confirm by typing "${verified.backup.slug}"; nothing was restored`,
      );
    checkRegion(deps, verified, tenant, options.confirmRegion ?? null);
    const current = tenant.database.schemaVersion;
    if (verified.header.schemaVersion && current && verified.header.schemaVersion > current)
      throw new InvalidInput(
        `backup ${backupId} was made at schema ${verified.header.schemaVersion}, newer than "${slug}" (${current}): migrate the tenant first; nothing was restored`,
      );
    const erased = await completedErasures(deps, verified.header.tenantId);
    const db = tenant.database;
    const admin = await serverAdminUrl(deps, db.serverId);
    const notify = () => notifyTenantChanged(deps.control, tenant.id);
    await deps.control.tenant.update({ where: { id: tenant.id }, data: { maintenance: "restoring from a backup" } });
    await notify();
    try {
      // Nothing writes while the rows are replaced: the tenant's role cannot log in and loses its sessions.
      await withClient(withDatabase(admin, "postgres"), async (c) => {
        await c.query(`ALTER ROLE ${quoteRole(db.roleName)} NOLOGIN`);
        await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", [db.roleName]);
      });
      const tenantAdminUrl = withDatabase(admin, db.databaseName);
      const safety = await createBackup(deps, slug, {
        kind: "pre-restore",
        by: options.by,
        url: tenantAdminUrl,
        confirmRegion: deps.backups.forRegion(tenant.region) ? null : verified.backup.location,
      });
      const rows = await withClient(tenantAdminUrl, (c) => restoreRows(c, verified, { keepTrail: true }));
      // Still closed to the tenant's role: nobody erased signs in between the two.
      const erasures = await reapplyErasuresAt(tenantAdminUrl, erased);
      return {
        tenantId: tenant.id,
        from: verified.backup.slug,
        crossTenant,
        preRestoreBackupId: safety.id,
        rows,
        erasures,
      };
    } finally {
      await withClient(withDatabase(admin, "postgres"), (c) => c.query(`ALTER ROLE ${quoteRole(db.roleName)} LOGIN`));
      await deps.control.tenant.update({ where: { id: tenant.id }, data: { maintenance: null } });
      await notify();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Restores a backup into a new tenant `newSlug` (no domains); a failure removes what it created. */
export async function restoreIntoNewTenant(
  deps: BackupDeps,
  backupId: string,
  newSlug: string,
  options: { name?: string | null } = {},
): Promise<{
  tenantId: string;
  sourceSlug: string;
  region: string | null;
  rows: Record<string, number>;
  erasures: { erased: number; ownersLeft: string[] };
}> {
  const work = await mkdtemp(path.join(os.tmpdir(), "portico-restore-"));
  let created = false;
  try {
    const verified = await verifyBackup(deps, backupId, work);
    const source = await deps.control.tenant.findUnique({ where: { id: verified.header.tenantId } });
    const theme = themeSchema.safeParse(source?.theme);
    const spec = parseTenantSpec(
      {
        slug: newSlug,
        name: options.name ?? `${verified.header.name} (restored)`.slice(0, 120),
        plan: verified.header.plan,
        theme: theme.success ? theme.data : FALLBACK_THEME,
        // A regional backup's copy is placed in the same region, so its data stays there.
        ...(deps.backups.regional ? { region: verified.backup.location } : {}),
      },
      "the restored tenant",
    );
    const { tenantId } = await provisionTenant(deps, spec, { mode: "create", seed: false });
    created = true;
    const url = await tenantConnectionUrl(deps.control, deps.keyring, tenantId);
    const rows = await withClient(url, (c) => restoreRows(c, verified, { keepTrail: false }));
    const erasures = await reapplyErasuresAt(url, await completedErasures(deps, verified.header.tenantId));
    return {
      tenantId,
      sourceSlug: verified.backup.slug,
      region: deps.backups.regional ? verified.backup.location : null,
      rows,
      erasures,
    };
  } catch (error) {
    if (created) {
      await deps.control.tenant.update({ where: { slug: newSlug }, data: { status: "failed" } });
      await discardTenant(deps, newSlug).catch(() => {});
    }
    throw error;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A tenant's backups, newest first. */
export async function listBackups(deps: Pick<BackupDeps, "control">, tenantId: string, take = 50) {
  return deps.control.backup.findMany({ where: { tenantId }, orderBy: { createdAt: "desc" }, take });
}
