import type pg from "pg";
import { connectionAdvice } from "../db/connection-advice.ts";
import { withClient } from "../db/postgres.ts";
import { probePooler } from "../db/pooler-probe.ts";
import { jobSchemaState, type JobSchemaState } from "../jobs/schema.ts";
import { workerProblem } from "../jobs/worker-state.ts";
import { loadMigrations, migrationsDir, READ_APPLIED, statusFrom, type AppliedRow } from "../migrations/migrator.ts";
import { isDraining } from "../observability/lifecycle.ts";
import type { OperationFigures } from "../observability/metrics.ts";
import { withTimeout } from "../util/concurrency.ts";

/**
 * /readyz and the operations figures of /metrics, answered by the HTTP server in front of
 * Next.js (scripts/next-server.ts) over a connection of their own to the control plane, so they
 * tell the truth even when the app's pools are wedged. No server-only import: that server runs
 * outside Next.js's react-server build.
 */
export type Readiness = { ready: true } | { ready: false; reason: string };

/** How long the control plane has to answer before the instance counts as not ready. */
export const READINESS_TIMEOUT_MS = 3_000;

/**
 * Ready when not draining, the control plane answers, every control-plane migration this code
 * ships is applied there and none it does not know (a newer release's), the job queue's schema
 * is at this release's version, and this instance's job worker (when it reports through
 * `workerStateFile`, as `npm start` arranges) takes jobs.
 */
export async function readiness(
  controlUrl: string | undefined,
  timeoutMs = READINESS_TIMEOUT_MS,
  options: { workerStateFile?: string | undefined } = {},
): Promise<Readiness> {
  if (isDraining()) return { ready: false, reason: "draining: this instance is shutting down" };
  if (!controlUrl) return { ready: false, reason: "DATABASE_URL is not set" };
  let rows: AppliedRow[];
  let queue: JobSchemaState;
  try {
    ({ rows, queue } = await withTimeout(
      withClient(controlUrl, async (client: pg.Client) => ({
        rows: (await client.query<AppliedRow>(READ_APPLIED)).rows,
        queue: await jobSchemaState(client),
      })),
      timeoutMs,
      "the control plane",
    ));
  } catch (error) {
    // Connected, but no migrations table: an empty database, or DATABASE_URL names the wrong one.
    if ((error as { code?: unknown }).code === "42P01")
      return {
        ready: false,
        reason: `control-plane migrations: none applied (${describe(error)}); check that DATABASE_URL names Portico's control-plane database, or start Portico once (npm start) to create its schema`,
      };
    return { ready: false, reason: `control plane unreachable: ${connectionAdvice(error) ?? describe(error)}` };
  }
  try {
    const status = statusFrom(rows, await loadMigrations(migrationsDir("control")));
    if (status.pending.length > 0) {
      return {
        ready: false,
        reason: `control-plane migrations behind: ${status.pending.length} not applied (${status.pending.join(", ")}); start Portico with the new release's bootstrap (npm start) or apply them`,
      };
    }
    if (status.unknown.length > 0) {
      return {
        ready: false,
        reason: `control plane ahead of this release: ${status.unknown.length} migration(s) it does not ship (${status.unknown.join(", ")}); a newer Portico release runs against it: upgrade this instance`,
      };
    }
  } catch (error) {
    return { ready: false, reason: `control-plane migrations: ${describe(error)}` };
  }
  if (!queue.ok) return { ready: false, reason: queue.reason };
  if (options.workerStateFile) {
    const problem = await workerProblem(options.workerStateFile);
    if (problem) return { ready: false, reason: `job worker: ${problem}` };
  }
  return poolersReady(controlUrl, timeoutMs);
}

/**
 * Every PgBouncer that tenant traffic goes through answers (docs/decisions/038). Without it, the
 * tenants on that server answer their branded 503; the instance is not ready, and says which
 * pooler and what to do.
 */
async function poolersReady(controlUrl: string, timeoutMs: number): Promise<Readiness> {
  let poolers: Array<{ name: string; poolerUrl: string }>;
  try {
    poolers = await withTimeout(
      withClient(
        controlUrl,
        async (client: pg.Client) =>
          (
            await client.query<{ name: string; poolerUrl: string }>(
              `SELECT name, "poolerUrl" FROM "DatabaseServer" WHERE "poolerUrl" IS NOT NULL ORDER BY name`,
            )
          ).rows,
      ),
      timeoutMs,
      "the control plane",
    );
  } catch (error) {
    return { ready: false, reason: `control plane unreachable: ${describe(error)}` };
  }
  const down: string[] = [];
  await Promise.all(
    poolers.map(async ({ name, poolerUrl }) => {
      const url = new URL(poolerUrl);
      const address = `${url.hostname}:${url.port || 5432}`;
      const problem = await probePooler(url.hostname, Number(url.port || 5432), timeoutMs);
      if (problem) down.push(`PgBouncer of server "${name}" at ${address} unreachable (${problem})`);
    }),
  );
  if (down.length === 0) return { ready: true };
  return {
    ready: false,
    reason: `${down.sort().join("; ")}: tenants on ${down.length === 1 ? "that server" : "those servers"} answer 503; start PgBouncer there, or send their traffic direct with \`npm run tenants -- servers pooler <server> --off\``,
  };
}

/** Operations by kind and state, the queue's depth and its oldest entry's age, for /metrics. */
export async function operationFigures(
  controlUrl: string,
  timeoutMs = READINESS_TIMEOUT_MS,
): Promise<OperationFigures> {
  return withTimeout(
    withClient(controlUrl, async (client) => {
      const byKind = await client.query<{ kind: string; state: string; count: string }>(
        `SELECT kind, status::text AS state, count(*)::text AS count FROM "Operation" GROUP BY kind, status`,
      );
      const queue = await client.query<{ queued: string; oldest: number | null }>(
        `SELECT count(*)::text AS queued, EXTRACT(EPOCH FROM now() - min("createdAt"))::float8 AS oldest
         FROM "Operation" WHERE status = 'queued'`,
      );
      // pg-boss's own counts per queue, refreshed by its monitor every few seconds.
      const jobs = await client
        .query<{ queue: string; queued: number; active: number; failed: number }>(
          `SELECT name AS queue, queued_count AS queued, active_count AS active, failed_count AS failed FROM pgboss.queue`,
        )
        .then((r) => r.rows)
        .catch(() => []);
      return {
        jobs: jobs.flatMap((q) =>
          (["queued", "active", "failed"] as const).map((state) => ({
            queue: q.queue,
            state,
            count: Number(q[state]),
          })),
        ),
        byKindAndState: byKind.rows.map((r) => ({ kind: r.kind, state: r.state, count: Number(r.count) })),
        queued: Number(queue.rows[0]?.queued ?? 0),
        oldestQueuedSeconds: Math.max(0, queue.rows[0]?.oldest ?? 0),
      };
    }),
    timeoutMs,
    "the control plane",
  );
}

/** One line, no connection URL (the driver's messages never carry the password; scrubbed anyway). */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/[a-z]+:\/\/[^\s@]*@/gi, "")
    .split("\n")[0]!
    .slice(0, 300);
}
