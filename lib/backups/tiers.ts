import { BACKUP_RETENTION, isPlan } from "../tenancy/plans.ts";

/**
 * Which retention tier a scheduled backup belongs to and when it expires (docs/decisions/052):
 * grandfather-father-son by the calendar (UTC). The 1st of a month is monthly, a Sunday weekly,
 * any other day daily; a tier the plan keeps none of falls back to weekly, then daily.
 */
export type BackupTier = "daily" | "weekly" | "monthly";

const DAY_MS = 24 * 60 * 60 * 1000;

/** A tenant whose newest successful backup is older than this has missed its schedule. */
export const MISSED_AFTER_MS = 26 * 60 * 60 * 1000;

/** Manual and pre-restore backups are kept this long. */
export const KEEP_UNSCHEDULED_MS = 30 * DAY_MS;

export function retentionFor(plan: string, at: Date): { tier: BackupTier; expiresAt: Date } {
  const keep = BACKUP_RETENTION[isPlan(plan) ? plan : "starter"];
  let tier: BackupTier = at.getUTCDate() === 1 ? "monthly" : at.getUTCDay() === 0 ? "weekly" : "daily";
  if (tier === "monthly" && keep.monthly === 0) tier = "weekly";
  if (tier === "weekly" && keep.weekly === 0) tier = "daily";
  const expiresAt = new Date(at);
  if (tier === "monthly") expiresAt.setUTCMonth(expiresAt.getUTCMonth() + keep.monthly);
  else if (tier === "weekly") expiresAt.setTime(at.getTime() + keep.weekly * 7 * DAY_MS);
  else expiresAt.setTime(at.getTime() + keep.daily * DAY_MS);
  return { tier, expiresAt };
}

/** Whether a live tenant missed its schedule: no successful backup within MISSED_AFTER_MS. */
export function missedSchedule(lastSuccessAt: Date | null, tenantCreatedAt: Date, now: Date): boolean {
  const since = lastSuccessAt ?? tenantCreatedAt;
  return now.getTime() - since.getTime() > MISSED_AFTER_MS;
}

/** A scheduled backup is due when the last one is older than a day, less an hour of slack. */
export function scheduledBackupDue(lastScheduledAt: Date | null, now: Date): boolean {
  return !lastScheduledAt || now.getTime() - lastScheduledAt.getTime() >= DAY_MS - 60 * 60 * 1000;
}
