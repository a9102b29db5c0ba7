import "server-only";
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { databaseExists, quoteIdent, withClient, withDatabase } from "../db/postgres.ts";
import {
  READ_APPLIED,
  appliedDigest,
  loadMigrations,
  migrationsDigest,
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

/**
 * Serialises builds of one server's template across processes: each instance and each
 * `npm run tenants` run builds it once. GRANT and REVOKE lock nothing they change, so two builds
 * at once could fail with "tuple concurrently updated" (two tenants created at the same moment).
 */
export const TEMPLATE_BUILD_LOCK = 0x706f72_0008;

const buildOnce = onceByKey(buildTemplate);

/** Creates or migrates the server's template, once per server per process. */
export function ensureTemplate(adminUrl: string): Promise<void> {
  return buildOnce(adminUrl);
}

/** Creates or migrates the server's template now, after any other process's build has ended. */
export async function buildTemplate(adminUrl: string): Promise<void> {
  await withClient(withDatabase(adminUrl, "postgres"), async (admin) => {
    // A session lock, released when this connection ends, after the migrations below.
    await admin.query("SELECT pg_advisory_lock($1)", [TEMPLATE_BUILD_LOCK]);
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
    await withClient(withDatabase(adminUrl, TEMPLATE_DATABASE), async (client) => {
      await client.query(`GRANT CREATE, USAGE ON SCHEMA public TO ${quoteIdent(TEMPLATE_ROLE)}`);
      await client.query(`SET ROLE ${quoteIdent(TEMPLATE_ROLE)}`);
      const { applied } = await migrate(client, await loadMigrations(migrationsDir("tenant")));
      // Spares cloned before these migrations would need them too: drop them, the pool refills.
      if (applied.length > 0) await dropSpares(admin);
    });
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
): Promise<CloneResult> {
  await ensureTemplate(adminUrl);
  const cloned = await (async () => {
    if (await databaseExists(admin, database)) return true;
    try {
      return await cloneTemplate(admin, database, owner);
    } catch (error) {
      if ((error as { code?: string }).code === "42P04") return true; // a concurrent run created it
      throw error;
    }
  })();
  if (!cloned) return { cloned, current: null };
  const current = await withClient(withDatabase(adminUrl, database), (handover) =>
    handOver(handover, TEMPLATE_ROLE, owner),
  );
  return { cloned, current };
}

/**
 * CREATE DATABASE `database` as a copy of the template, owned by `owner`. PostgreSQL refuses to
 * copy a database someone is connected to (55006: a process checking the template at start, or
 * migrating it): retried a few times, then false.
 */
async function cloneTemplate(admin: pg.ClientBase, database: string, owner: string): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await admin.query(
        `CREATE DATABASE ${quoteIdent(database)} TEMPLATE ${quoteIdent(TEMPLATE_DATABASE)} OWNER ${quoteIdent(owner)}`,
      );
      return true;
    } catch (error) {
      if ((error as { code?: string }).code !== "55006") throw error;
      await new Promise((r) => setTimeout(r, 40 * (attempt + 1)));
    }
  }
  return false;
}

/**
 * On a connection into a clone, one round trip: gives every object of `from` to `to`, then reads
 * what the clone holds (READ_APPLIED's rows, as the migrator reads them).
 */
async function reassignAndReadApplied(client: pg.ClientBase, from: string, to: string): Promise<AppliedRow[]> {
  const [, applied] = (await client.query(
    `REASSIGN OWNED BY ${quoteIdent(from)} TO ${quoteIdent(to)}; ${READ_APPLIED}`,
  )) as unknown as [pg.QueryResult, pg.QueryResult<AppliedRow>];
  return applied.rows;
}

/**
 * On a connection into a clone: gives every object of `from` to `to`, and reads what the clone
 * holds (as the migrator reads it) in the same round trip. Returns the schema version when it has
 * every migration and nothing edited, else null (the migrate step then finds out).
 */
async function handOver(client: pg.ClientBase, from: string, to: string): Promise<string | null> {
  const migrations = await loadMigrations(migrationsDir("tenant"));
  try {
    const status = statusFrom(await reassignAndReadApplied(client, from, to), migrations);
    return status.pending.length === 0 && status.unknown.length === 0 ? status.version : null;
  } catch {
    // No migration table in the clone, or an unfinished or edited migration there: hand over
    // alone, and let the migrate step find out.
    await client.query(`REASSIGN OWNED BY ${quoteIdent(from)} TO ${quoteIdent(to)}`);
    return null;
  }
}

/**
 * Spare databases (docs/decisions/015 and 059): clones of the template made ahead of time, each
 * with a NOLOGIN role of its own that owns the database and every object in it, and connected to
 * once (the first connection to a new database builds its catalog cache file). Provisioning
 * renames a spare's database and role to the tenant's and gives the role its password: nothing
 * is copied, reassigned or connected to while someone waits. Nobody but the spare's role (which
 * cannot log in) and the administrator may connect, exactly as a tenant's database.
 *
 * A spare's name says which migrations it holds: `portico_ready_<digest>_<id>`, the digest
 * (lib/migrations/migrator.ts migrationsDigest) read from its own `_prisma_migrations` when it
 * was made. A claim takes only spares whose digest is that of this release's migrations, so a
 * claimed database needs no migration check; its role is `portico_ready_<id>`. Releases before
 * decision 059 named theirs `portico_spare_<id>` (objects owned by the template role) and claim
 * anything so named: the new prefix keeps them from claiming a spare they cannot hand over.
 */
export const SPARE_PREFIX = "portico_ready_";
/**
 * A spare is made under this name and renamed to SPARE_PREFIX only once it is ready: a claim in
 * another process never sees one whose catalog row is still being changed (a concurrent REVOKE
 * and rename of the same database fail with "tuple concurrently updated").
 */
const WARMING_PREFIX = "portico_warming_";
/** Ready spares of any release, and those of releases before decision 059 (dropped by a refill). */
const SPARES = `SELECT datname FROM pg_database WHERE datname LIKE 'portico\\_ready\\_%' OR datname LIKE 'portico\\_spare\\_%' ORDER BY datname`;
const LEFT_OVER = `SELECT datname FROM pg_database WHERE datname LIKE 'portico\\_ready\\_%' OR datname LIKE 'portico\\_spare\\_%' OR datname LIKE 'portico\\_warming\\_%' ORDER BY datname`;
const SPARE_ROLES = `SELECT rolname FROM pg_roles WHERE rolname LIKE 'portico\\_ready\\_%' ORDER BY rolname`;
const SPARE_NAME = /^portico_ready_([0-9a-f]{12})_([0-9a-f]{12})$/;
const spareRole = (id: string) => `${SPARE_PREFIX}${id}`;

/** The digest a spare must carry to be claimed by this release. */
async function currentDigest(): Promise<{ digest: string; version: string | null }> {
  const migrations = await loadMigrations(migrationsDir("tenant"));
  return { digest: migrationsDigest(migrations), version: migrations.at(-1)?.name ?? null };
}

/**
 * Makes a spare the tenant's: renames its database to `database` and its role to `role`, in one
 * transaction, then starts a refill. Returns null when no spare of this release's migrations is
 * ready, or when `database` or `role` exists already (a run resumed or racing): the caller then
 * creates them as without spares. The caller sets the role's password and login (ensureRole).
 */
export async function claimSpare(
  adminUrl: string,
  admin: pg.ClientBase,
  database: string,
  role: string,
  spares: number,
): Promise<CloneResult | null> {
  await ensureTemplate(adminUrl);
  const { digest, version } = await currentDigest();
  const ready = (await admin.query<{ datname: string }>(SPARES)).rows
    .map(({ datname }) => ({ datname, match: SPARE_NAME.exec(datname) }))
    .filter((s) => s.match?.[1] === digest);
  try {
    for (const { datname, match } of ready) {
      try {
        // One simple-protocol query: both renames commit together or not at all.
        await admin.query(
          `ALTER DATABASE ${quoteIdent(datname)} RENAME TO ${quoteIdent(database)}; ` +
            `ALTER ROLE ${quoteIdent(spareRole(match![2]!))} RENAME TO ${quoteIdent(role)}`,
        );
        return { cloned: true, current: version };
      } catch (error) {
        const code = (error as { code?: string }).code;
        // 42P04 / 42710: the tenant's database or role exists (a resumed run); 23505: a
        // concurrent run of the same tenant is creating or claiming one of them right now.
        if (code === "42P04" || code === "42710" || code === "23505") return null;
        // 3D000: another run claimed it first; 55006: it is being dropped right now; XX000 (tuple
        // concurrently updated): another run is changing its catalog row; 42704: its role is
        // gone (it is being dropped). Each: try the next one.
        if (code !== "3D000" && code !== "55006" && code !== "XX000" && code !== "42704") throw error;
      }
    }
    return null;
  } finally {
    // Refilled in the background: the next tenant finds one ready.
    void refillSpares(adminUrl, spares).catch(() => {});
  }
}

const refilling = new Map<string, Promise<void>>();

/**
 * Tops the server's spares of this release's migrations up to `count`; one refill per server at
 * a time in this process. Spares of other migrations are dropped once this release has made one
 * of its own. A release still running during a deploy, whose migrations the template has moved
 * past, drops the one it made and stops: it neither keeps spares nor drops the new release's.
 */
export function refillSpares(adminUrl: string, count: number): Promise<void> {
  const running = refilling.get(adminUrl);
  if (running || count <= 0) return running ?? Promise.resolve();
  const run = (async () => {
    await ensureTemplate(adminUrl);
    const { digest } = await currentDigest();
    await withClient(withDatabase(adminUrl, "postgres"), async (admin) => {
      const all = (await admin.query<{ datname: string }>(SPARES)).rows.map((r) => r.datname);
      const ours = all.filter((name) => SPARE_NAME.exec(name)?.[1] === digest);
      for (let i = ours.length; i < count; i++) {
        const made = await makeSpare(adminUrl, admin);
        if (made?.digest !== digest) {
          // The template holds other migrations than this release knows: no spare for anyone.
          if (made) await dropSpare(admin, made.name);
          return;
        }
        if (i === ours.length) {
          for (const name of all.filter((n) => !ours.includes(n))) await dropSpare(admin, name);
        }
      }
    });
  })().finally(() => refilling.delete(adminUrl));
  refilling.set(adminUrl, run);
  return run;
}

/**
 * Clones the template into a new spare with a role of its own, hands the objects to that role and
 * warms the catalog cache on the same connection, then renames it ready. Returns its name and the
 * digest of the migrations it holds; one that holds an unfinished migration is dropped (null).
 */
async function makeSpare(adminUrl: string, admin: pg.ClientBase): Promise<{ name: string; digest: string } | null> {
  const id = randomBytes(6).toString("hex");
  const role = spareRole(id);
  const warming = `${WARMING_PREFIX}${id}`;
  let rows: AppliedRow[];
  try {
    await admin.query(`CREATE ROLE ${quoteIdent(role)} NOLOGIN`);
    if (!(await cloneTemplate(admin, warming, role))) throw new Error("the tenant template stayed busy; no spare made");
    await admin.query(
      `REVOKE ALL ON DATABASE ${quoteIdent(warming)} FROM PUBLIC; ` +
        `GRANT CONNECT, TEMPORARY ON DATABASE ${quoteIdent(warming)} TO ${quoteIdent(role)}`,
    );
    rows = await withClient(withDatabase(adminUrl, warming), (c) => reassignAndReadApplied(c, TEMPLATE_ROLE, role));
  } catch (error) {
    // Nothing half-made stays behind: the warming database (if any) and the role.
    await dropSpare(admin, warming).catch(() => {});
    throw error;
  }
  const digest = appliedDigest(rows);
  if (digest === null) {
    await dropSpare(admin, warming);
    return null;
  }
  const name = `${SPARE_PREFIX}${digest}_${id}`;
  await admin.query(`ALTER DATABASE ${quoteIdent(warming)} RENAME TO ${quoteIdent(name)}`);
  return { name, digest };
}

/** Drops one spare (or half-made one) and its role. */
async function dropSpare(admin: pg.ClientBase, datname: string): Promise<void> {
  await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
  const id = datname.slice(-12);
  if (/^[0-9a-f]{12}$/.test(id)) await dropSpareRole(admin, spareRole(id));
}

async function dropSpareRole(admin: pg.ClientBase, role: string): Promise<void> {
  try {
    await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
  } catch (error) {
    // 2BP01: it still owns a database another process is making right now; that process drops it.
    if ((error as { code?: string }).code !== "2BP01") throw error;
  }
}

/** Waits for every refill this process started (benchmarks and tests measure without one running). */
export async function sparesSettled(): Promise<void> {
  await Promise.allSettled([...refilling.values()]);
}

/**
 * Drops every spare on the server and their roles, and any left half-made by a process that
 * stopped while making one (a template migration, or a test server's cleanup).
 */
export async function dropSpares(admin: pg.ClientBase): Promise<void> {
  for (const { datname } of (await admin.query<{ datname: string }>(LEFT_OVER)).rows) {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
  }
  for (const { rolname } of (await admin.query<{ rolname: string }>(SPARE_ROLES)).rows) {
    await dropSpareRole(admin, rolname);
  }
}
