import "server-only";
import type { ControlDb } from "../db/control.server.ts";
import type { JobWorker } from "../jobs/jobs.server.ts";
import { BACKUPS_QUEUE } from "../jobs/queues.ts";
import { errorMessage } from "../util/errors.ts";
import { createBackup, type BackupDeps } from "./backups.server.ts";
import { missedSchedule, retentionFor, scheduledBackupDue } from "./tiers.ts";

/** Every hour; each tenant is backed up once a day, whichever hour its last backup ran. */
export const BACKUPS_CRON = "7 * * * *";

export interface ScheduleResult {
  backedUp: string[];
  failed: Array<{ slug: string; error: string }>;
  expired: number;
}

/**
 * Backs up every live tenant whose last scheduled backup is a day old, one at a time (a backup
 * is one long read per tenant; the fleet's databases are not read at once), then expires backups
 * past their tier's keeping time. A failing tenant is recorded and the rest still run.
 */
export async function runScheduledBackups(deps: BackupDeps, now = new Date()): Promise<ScheduleResult> {
  const tenants = await deps.control.tenant.findMany({
    where: { status: "active", database: { isNot: null } },
    select: { id: true, slug: true, plan: true },
    orderBy: { slug: "asc" },
  });
  const last = await deps.control.backup.groupBy({
    by: ["tenantId"],
    where: { kind: "scheduled", status: { in: ["done", "running"] } },
    _max: { createdAt: true },
  });
  const lastAt = new Map(last.map((l) => [l.tenantId, l._max.createdAt]));
  const result: ScheduleResult = { backedUp: [], failed: [], expired: 0 };
  for (const tenant of tenants) {
    if (!scheduledBackupDue(lastAt.get(tenant.id) ?? null, now)) continue;
    const { tier, expiresAt } = retentionFor(tenant.plan, now);
    try {
      await createBackup(deps, tenant.slug, { kind: "scheduled", tier, expiresAt, by: "system: backups", now });
      result.backedUp.push(tenant.slug);
    } catch (error) {
      result.failed.push({ slug: tenant.slug, error: errorMessage(error) });
    }
  }
  result.expired = await expireBackups(deps, now);
  return result;
}

/** Deletes the files of backups past their expiry and marks their rows expired; returns how many. */
export async function expireBackups(deps: BackupDeps, now = new Date()): Promise<number> {
  const due = await deps.control.backup.findMany({
    where: { status: { in: ["done", "failed"] }, expiresAt: { lt: now } },
    select: { id: true, location: true, key: true },
    take: 1_000,
  });
  let expired = 0;
  for (const b of due) {
    try {
      await deps.backups.byName(b.location).remove(b.key);
      await deps.control.backup.update({ where: { id: b.id }, data: { status: "expired" } });
      expired++;
    } catch {
      // Left for the next run: a location that is briefly unreachable loses nothing.
    }
  }
  return expired;
}

export interface BackupSummary {
  lastAt: Date | null;
  lastBytes: number | null;
  missed: boolean;
}

/** Per tenant: its newest successful backup and whether it missed its schedule. */
export async function backupSummaries(
  control: ControlDb,
  tenants: Array<{ id: string; status: string; createdAt: Date }>,
  now = new Date(),
): Promise<Map<string, BackupSummary>> {
  const ids = tenants.map((t) => t.id);
  const rows = ids.length
    ? await control.backup.findMany({
        where: { tenantId: { in: ids }, status: "done" },
        orderBy: { createdAt: "desc" },
        distinct: ["tenantId"],
        select: { tenantId: true, createdAt: true, bytes: true },
      })
    : [];
  const newest = new Map(rows.map((r) => [r.tenantId, r]));
  return new Map(
    tenants.map((t) => {
      const b = newest.get(t.id);
      return [
        t.id,
        {
          lastAt: b?.createdAt ?? null,
          lastBytes: b?.bytes == null ? null : Number(b.bytes),
          missed: t.status === "active" && missedSchedule(b?.createdAt ?? null, t.createdAt, now),
        },
      ];
    }),
  );
}

/** Registers the hourly scheduled-backup job (whichever instance's worker is free runs it). */
export async function startBackupSchedule(
  jobs: JobWorker,
  deps: BackupDeps,
  options: { cron?: string; log?: (line: string) => void } = {},
): Promise<void> {
  await jobs.registerQueue(BACKUPS_QUEUE, async () => {
    const r = await runScheduledBackups(deps);
    if (r.backedUp.length || r.failed.length || r.expired)
      options.log?.(
        `backups: ${r.backedUp.length} tenant(s) backed up, ${r.failed.length} failed${r.failed.length ? ` (${r.failed.map((f) => `${f.slug}: ${f.error}`).join("; ")})` : ""}, ${r.expired} expired`,
      );
  });
  await jobs.schedule(BACKUPS_QUEUE, options.cron ?? BACKUPS_CRON);
}
