import "server-only";
import type { ControlDb } from "../db/control.server.ts";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { errorMessage } from "../util/errors.ts";
import { mapSettledBounded, TimeoutError, withTimeout } from "../util/concurrency.ts";
import { metrics } from "../observability/metrics.ts";

/**
 * The fleet fan-out: per-tenant figures read from each tenant's own database, through that
 * tenant's own role and cached client, and kept in the control plane's TenantMetrics as a brief
 * cache (docs/decisions/012).
 *
 * Bounds, all of them enforced here:
 * - at most `concurrency` tenants are asked at once;
 * - each tenant's queries carry `timeoutMs` as statement_timeout, so PostgreSQL cancels a hung
 *   query and frees the connection; the wait as a whole (connecting included) is abandoned
 *   TIMEOUT_GRACE_MS later, should the server not answer at all;
 * - the whole fan-out has `budgetMs`: tenants not started by then are not asked, and keep their
 *   older figures marked stale, so a page over many broken tenants still renders in bounded time;
 * - figures younger than `maxAgeMs` are served from the cache without asking the tenant.
 */

export const DAYS = 30;
const TIMEOUT_GRACE_MS = 500;

export interface TenantFigures {
  members: number;
  events: number;
  registrations30d: number;
  /** Registrations per day, oldest first, the last entry being today (UTC). */
  registrationsDaily: number[];
  dbSizeBytes: number;
  connections: number;
  lastActivityAt: Date | null;
  latencyMs: number;
}

export type MetricsState =
  | { state: "healthy"; collectedAt: Date; figures: TenantFigures; cached: boolean }
  | { state: "degraded"; collectedAt: Date; reason: string; cached: boolean; last: TenantFigures | null }
  | { state: "stale"; collectedAt: Date | null; reason: string; last: TenantFigures | null }
  | { state: "inactive" };

export interface FanOutTenant {
  id: string;
  slug: string;
  status: string;
}

export interface FanOutOptions {
  concurrency: number;
  timeoutMs: number;
  budgetMs: number;
  maxAgeMs: number;
  /** Runs `fn` with the tenant's own client (withTenantDb in the app). */
  useTenant: <T>(tenantId: string, fn: (db: TenantDb) => Promise<T>) => Promise<T>;
  now?: () => number;
}

export interface FanOutResult {
  states: Map<string, MetricsState>;
  /** Slugs whose databases were asked now (what the audit entry records). */
  read: string[];
  fromCache: number;
  skipped: number;
  elapsedMs: number;
  maxInFlight: number;
}

/** Tenants whose database exists and is expected to answer. */
export function isReadable(status: string): boolean {
  return status === "active" || status === "suspended";
}

interface DailyRow {
  day: string;
  n: number;
}
interface SummaryRow {
  members: number;
  events: number;
  registrations30d: number;
  db_size: bigint | number | string;
  connections: number;
  last_activity: Date | null;
}

/** One tenant's figures, read with its own role; a statement over `timeoutMs` is cancelled by PostgreSQL. */
export async function readTenantFigures(db: TenantDb, timeoutMs: number, today = new Date()): Promise<TenantFigures> {
  const started = performance.now();
  const since = startOfUtcDay(today, DAYS - 1);
  const [, summary, daily] = await db.$transaction([
    // SET LOCAL, parameterised: this transaction's statements are cancelled after timeoutMs.
    db.$queryRaw`SELECT set_config('statement_timeout', ${String(Math.max(1, Math.floor(timeoutMs)))}, true)`,
    db.$queryRaw<SummaryRow[]>`
      SELECT
        (SELECT count(*) FROM "User" WHERE active)::int AS members,
        (SELECT count(*) FROM "Event")::int AS events,
        (SELECT count(*) FROM "Registration" WHERE "createdAt" >= ${since})::int AS "registrations30d",
        pg_database_size(current_database()) AS db_size,
        (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database())::int AS connections,
        GREATEST(
          (SELECT max("lastSignInAt") FROM "User"),
          (SELECT max("updatedAt") FROM "Registration"),
          (SELECT max("updatedAt") FROM "Event")
        ) AS last_activity`,
    db.$queryRaw<DailyRow[]>`
      SELECT to_char(("createdAt" AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, count(*)::int AS n
        FROM "Registration" WHERE "createdAt" >= ${since} GROUP BY 1`,
  ]);
  const row = summary[0];
  if (!row) throw new Error("the figures query returned nothing");
  const byDay = new Map(daily.map((d) => [d.day, d.n]));
  const registrationsDaily = Array.from(
    { length: DAYS },
    (_, i) => byDay.get(isoDay(startOfUtcDay(today, DAYS - 1 - i))) ?? 0,
  );
  return {
    members: row.members,
    events: row.events,
    registrations30d: row.registrations30d,
    registrationsDaily,
    dbSizeBytes: Number(row.db_size),
    connections: row.connections,
    lastActivityAt: row.last_activity,
    latencyMs: Math.round((performance.now() - started) * 10) / 10,
  };
}

/**
 * Figures for `tenants`, from the cache where fresh and from each database otherwise, within the
 * bounds above. Every answer (figures or the reason for failing) is written back to the cache.
 */
export async function collectFleetMetrics(
  control: ControlDb,
  tenants: readonly FanOutTenant[],
  options: FanOutOptions,
): Promise<FanOutResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const readable = tenants.filter((t) => isReadable(t.status));
  const cachedRows = readable.length
    ? await control.tenantMetrics.findMany({ where: { tenantId: { in: readable.map((t) => t.id) } } })
    : [];
  const cached = new Map(cachedRows.map((r) => [r.tenantId, r]));
  const states = new Map<string, MetricsState>();
  for (const t of tenants) if (!isReadable(t.status)) states.set(t.id, { state: "inactive" });

  const toRead: FanOutTenant[] = [];
  let fromCache = 0;
  for (const t of readable) {
    const row = cached.get(t.id);
    if (row && started - row.collectedAt.getTime() < options.maxAgeMs) {
      states.set(t.id, fromRow(row, true));
      fromCache++;
    } else {
      toRead.push(t);
    }
  }

  let inFlight = 0;
  let maxInFlight = 0;
  let skipped = 0;
  const read: string[] = [];
  const deadline = started + options.budgetMs;
  await mapSettledBounded(toRead, options.concurrency, async (tenant) => {
    const previous = cached.get(tenant.id);
    if (now() >= deadline) {
      skipped++;
      states.set(tenant.id, {
        state: "stale",
        collectedAt: previous?.collectedAt ?? null,
        reason: `not asked: the fan-out's ${options.budgetMs} ms budget was spent on other tenants`,
        last: previous ? figuresOf(previous) : null,
      });
      return;
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    read.push(tenant.slug);
    const collectedAt = new Date();
    try {
      const figures = await withTimeout(
        options.useTenant(tenant.id, (db) => readTenantFigures(db, options.timeoutMs, collectedAt)),
        options.timeoutMs + TIMEOUT_GRACE_MS,
        `the database of ${tenant.slug}`,
      );
      states.set(tenant.id, { state: "healthy", collectedAt, figures, cached: false });
      await saveFigures(control, tenant.id, collectedAt, figures);
    } catch (error) {
      const reason = describeFailure(error, options.timeoutMs);
      metrics().fanOutDegraded.inc({ reason: reason.startsWith("timed out") ? "timeout" : "error" });
      states.set(tenant.id, {
        state: "degraded",
        collectedAt,
        reason,
        cached: false,
        last: previous ? figuresOf(previous) : null,
      });
      await saveFailure(control, tenant.id, collectedAt, reason);
    } finally {
      inFlight--;
    }
  });
  const m = metrics();
  m.fanOutDuration.observe((now() - started) / 1000);
  if (skipped) m.fanOutDegraded.inc({ reason: "budget" }, skipped);
  return { states, read, fromCache, skipped, elapsedMs: Math.round(now() - started), maxInFlight };
}

/**
 * The reason a dashboard shows for a tenant that failed. Both ways of timing out (PostgreSQL
 * cancelling the statement, or the whole wait, connecting included, passing its deadline) start
 * with "timed out", which is also how the fan-out metric counts them.
 */
export function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof TimeoutError) return `timed out: ${error.message}`;
  const e = error as {
    code?: string;
    cause?: { code?: string };
    meta?: { code?: string; driverAdapterError?: { cause?: { originalCode?: string } } };
  } | null;
  const codes = [e?.code, e?.meta?.code, e?.meta?.driverAdapterError?.cause?.originalCode, e?.cause?.code];
  if (codes.includes("57014")) return `timed out: no answer within ${timeoutMs} ms (statement cancelled)`;
  const line =
    errorMessage(error)
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? "unknown error";
  return line.slice(0, 300);
}

type MetricsRow = Awaited<ReturnType<ControlDb["tenantMetrics"]["findMany"]>>[number];

function figuresOf(row: MetricsRow): TenantFigures | null {
  if (row.members === null || row.events === null) return null;
  return {
    members: row.members,
    events: row.events,
    registrations30d: row.registrations30d ?? 0,
    registrationsDaily: Array.isArray(row.registrationsDaily) ? (row.registrationsDaily as number[]) : [],
    dbSizeBytes: Number(row.dbSizeBytes ?? 0),
    connections: row.connections ?? 0,
    lastActivityAt: row.lastActivityAt,
    latencyMs: row.latencyMs ?? 0,
  };
}

/** What a cached row says, without asking the tenant. */
export function fromRow(row: MetricsRow, cached: boolean): MetricsState {
  const figures = figuresOf(row);
  if (row.error === null && figures) return { state: "healthy", collectedAt: row.collectedAt, figures, cached };
  return { state: "degraded", collectedAt: row.collectedAt, reason: row.error ?? "no figures", cached, last: figures };
}

async function saveFigures(control: ControlDb, tenantId: string, collectedAt: Date, f: TenantFigures): Promise<void> {
  const data = {
    collectedAt,
    error: null,
    latencyMs: f.latencyMs,
    members: f.members,
    events: f.events,
    registrations30d: f.registrations30d,
    registrationsDaily: f.registrationsDaily,
    dbSizeBytes: BigInt(f.dbSizeBytes),
    connections: f.connections,
    lastActivityAt: f.lastActivityAt,
  };
  // A tenant offboarded meanwhile has no row to hang figures on: nothing to keep.
  await control.tenantMetrics
    .upsert({ where: { tenantId }, create: { tenantId, ...data }, update: data })
    .catch(() => {});
}

async function saveFailure(control: ControlDb, tenantId: string, collectedAt: Date, reason: string): Promise<void> {
  // The last good figures stay, so the dashboard can still show what was known.
  await control.tenantMetrics
    .upsert({
      where: { tenantId },
      create: { tenantId, collectedAt, error: reason },
      update: { collectedAt, error: reason },
    })
    .catch(() => {});
}

function startOfUtcDay(date: Date, daysBack: number): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - daysBack));
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Day labels matching registrationsDaily, oldest first. */
export function dayLabels(today: Date): string[] {
  return Array.from({ length: DAYS }, (_, i) => isoDay(startOfUtcDay(today, DAYS - 1 - i)));
}
