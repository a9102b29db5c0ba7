import { createRequire } from "node:module";
import type pg from "pg";
import { PgBoss } from "pg-boss";
import { quoteIdent } from "../db/postgres.ts";
import { loadMigrations, migrationsDir, READ_APPLIED, statusFrom, type AppliedRow } from "../migrations/migrator.ts";
import { JOB_QUEUES, type QueuePolicy } from "./queues.ts";

/**
 * The job queue's tables (pg-boss's own schema) in the control-plane database. No server-only
 * import: /readyz reads the schema's version from the HTTP server outside Next.js's build.
 */
export const JOB_SCHEMA = "pgboss";

/** The schema version this release's pg-boss creates and expects (its package.json says). */
export const JOB_SCHEMA_VERSION: number = (
  createRequire(import.meta.url)("pg-boss/package.json") as { pgboss: { schema: number } }
).pgboss.schema;

/** pg-boss's queue options for a policy; every queue wakes its workers through NOTIFY. */
export function queueOptionsOf(policy: QueuePolicy) {
  return {
    policy: policy.policy ?? "standard",
    retryLimit: policy.retryLimit,
    retryDelay: policy.retryDelay,
    retryBackoff: policy.retryBackoff,
    ...(policy.retryDelayMax ? { retryDelayMax: policy.retryDelayMax } : {}),
    expireInSeconds: policy.expireInSeconds,
    ...(policy.heartbeatSeconds ? { heartbeatSeconds: policy.heartbeatSeconds } : {}),
    deleteAfterSeconds: policy.deleteAfterSeconds,
    ...(policy.deadLetter ? { deadLetter: policy.deadLetter } : {}),
    notify: true,
  };
}

/**
 * Creates the queue's schema, or migrates it to this release's pg-boss, and every queue of
 * JOB_QUEUES with its policy, with the administrative connection at bootstrap. pg-boss
 * serialises concurrent installs with an advisory lock, so two instances starting together are
 * safe. Nothing else runs: no maintenance, no schedules.
 */
export async function installJobSchema(adminUrl: string): Promise<void> {
  const boss = new PgBoss({
    connectionString: adminUrl,
    schema: JOB_SCHEMA,
    application_name: "portico:jobs-install",
    max: 1,
    migrate: true,
    supervise: false,
    schedule: false,
    registerInstance: false,
    openTelemetry: { enabled: false },
  });
  boss.on("error", () => {});
  try {
    await boss.start();
    for (const [name, policy] of Object.entries(JOB_QUEUES)) await ensureQueue(boss, name, policy);
  } finally {
    await boss.stop({ graceful: false }).catch(() => {});
  }
}

/**
 * What a role that only SENDS jobs needs (the web app's least-privileged role): read the version
 * and the queues' settings, insert jobs. It cannot fetch, complete, delete or create queues.
 */
export async function grantJobSender(client: pg.ClientBase, role: string): Promise<void> {
  const schema = quoteIdent(JOB_SCHEMA);
  const who = quoteIdent(role);
  await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${who}`);
  await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${who}`);
  await client.query(`GRANT SELECT ON ${schema}.version, ${schema}.queue TO ${who}`);
  // Jobs are inserted into their queue's partition (job_common unless a queue has its own table);
  // the insert returns the new job's id and start time, and nothing else of a job is readable.
  await client.query(`GRANT INSERT, SELECT (id, start_after) ON ${schema}.job TO ${who}`);
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace
     WHERE n.nspname = $1 AND p.relname = 'job'`,
    [JOB_SCHEMA],
  );
  for (const { name } of rows)
    await client.query(`GRANT INSERT, SELECT (id, start_after) ON ${schema}.${quoteIdent(name)} TO ${who}`);
}

export type JobSchemaState = { ok: true; version: number } | { ok: false; reason: string };

/** Whether the queue's schema is there, readable, and at the version this release expects. */
export async function jobSchemaState(client: pg.ClientBase): Promise<JobSchemaState> {
  let version: number | null;
  try {
    const { rows } = await client.query<{ version: string }>(`SELECT version FROM ${quoteIdent(JOB_SCHEMA)}.version`);
    version = rows[0] ? Number(rows[0].version) : null;
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (code === "42P01" || code === "3F000")
      return {
        ok: false,
        reason: `job queue schema "${JOB_SCHEMA}" is missing: start Portico with this release's bootstrap (npm start), which creates it`,
      };
    if (code === "42501")
      return {
        ok: false,
        reason: `job queue schema "${JOB_SCHEMA}" is not readable by this role (${message ?? "permission denied"}): re-run the bootstrap, which grants it, or grant USAGE on the schema`,
      };
    throw error;
  }
  if (version === null)
    return {
      ok: false,
      reason: `job queue schema "${JOB_SCHEMA}" has no version row: it was not installed completely`,
    };
  if (version !== JOB_SCHEMA_VERSION)
    return {
      ok: false,
      reason:
        version > JOB_SCHEMA_VERSION
          ? `job queue schema is at version ${version}, newer than this release's ${JOB_SCHEMA_VERSION}: a newer Portico release migrated it; upgrade this instance`
          : `job queue schema is at version ${version}, older than this release's ${JOB_SCHEMA_VERSION}: start this release's bootstrap (npm start) to migrate it`,
    };
  return { ok: true, version };
}

/** Creates the queue with `policy`, or brings an existing one's settings to it. */
export async function ensureQueue(boss: PgBoss, name: string, policy: QueuePolicy): Promise<void> {
  const options = queueOptionsOf(policy);
  if (await boss.getQueue(name)) {
    const { policy: _fixed, ...changeable } = options;
    await boss.updateQueue(name, changeable);
    return;
  }
  await boss.createQueue(name, options).catch(async (error: unknown) => {
    // Another instance created it between our look and our create.
    if (!(await boss.getQueue(name))) throw error;
  });
}

/**
 * Why this release must not take jobs from this control plane, or null: a newer release has
 * applied migrations this one does not ship, so its queued work may be of kinds or shapes this
 * code does not know. Every instance must run the same release.
 */
export async function releaseProblem(client: pg.ClientBase): Promise<string | null> {
  let rows: AppliedRow[];
  try {
    rows = (await client.query<AppliedRow>(READ_APPLIED)).rows;
  } catch (error) {
    if ((error as { code?: string }).code === "42P01") return null; // not a control plane yet
    throw error;
  }
  const { unknown } = statusFrom(rows, await loadMigrations(migrationsDir("control")));
  if (unknown.length === 0) return null;
  return `the control plane has ${unknown.length} migration(s) this release does not ship (${unknown.join(", ")}): a newer Portico release runs against it; upgrade this instance (its job worker takes no jobs until then)`;
}
