import "server-only";
import type { ControlDb } from "../db/control.server.ts";
import type { JobWorker } from "../jobs/jobs.server.ts";
import { HOUSEKEEPING_QUEUE } from "../jobs/queues.ts";
import { pruneMail, type MailDeps } from "../platform/mail-queue.server.ts";

/** Every 15 minutes; tests pass a per-second expression. */
export const HOUSEKEEPING_CRON = "*/15 * * * *";

/** Expired tokens are kept this long after they expired, for anyone asking why a link failed. */
const KEEP_EXPIRED_MS = 30 * 24 * 60 * 60 * 1000;

export interface SweepResult {
  rateLimits: number;
  invitations: number;
  impersonationGrants: number;
}

/**
 * Deletes what has expired and will never be used: rate-limit counters past their window,
 * agency invitations and impersonation grants never used and expired a month ago. A grant that
 * was used stays (it records an agency user's visit), as does everything the audit log holds.
 */
export async function sweepExpired(control: ControlDb, now = new Date()): Promise<SweepResult> {
  const longAgo = new Date(now.getTime() - KEEP_EXPIRED_MS);
  const [rateLimits, invitations, impersonationGrants] = await Promise.all([
    control.rateLimit.deleteMany({ where: { expire: { lt: BigInt(now.getTime()) } } }),
    control.agencyInvitation.deleteMany({ where: { usedAt: null, expiresAt: { lt: longAgo } } }),
    control.impersonationGrant.deleteMany({ where: { usedAt: null, expiresAt: { lt: longAgo } } }),
  ]);
  return {
    rateLimits: rateLimits.count,
    invitations: invitations.count,
    impersonationGrants: impersonationGrants.count,
  };
}

/**
 * Runs the housekeeping sweep on the queue's schedule (a cron job: whichever instance's worker is
 * free runs each occurrence, one at a time), and with `mail`, deletes sent and failed outbox
 * messages past their keeping time (pruneMail). Finished job rows are deleted by the queue itself,
 * after each queue's deleteAfterSeconds (lib/jobs/queues.ts).
 */
export async function startHousekeeping(
  jobs: JobWorker,
  control: ControlDb,
  options: { cron?: string; log?: (line: string) => void; mail?: MailDeps } = {},
): Promise<void> {
  await jobs.registerQueue(HOUSEKEEPING_QUEUE, async () => {
    const swept = await sweepExpired(control);
    const total = swept.rateLimits + swept.invitations + swept.impersonationGrants;
    if (total > 0)
      options.log?.(
        `housekeeping: deleted ${swept.rateLimits} expired rate-limit counter(s), ${swept.invitations} invitation(s), ${swept.impersonationGrants} impersonation grant(s)`,
      );
    if (!options.mail) return;
    const pruned = await pruneMail(options.mail);
    if (pruned.deleted > 0 || pruned.skipped > 0)
      options.log?.(
        `housekeeping: deleted ${pruned.deleted} sent or failed outbox message(s)${pruned.skipped ? `; ${pruned.skipped} outbox(es) unreachable, left for the next run` : ""}`,
      );
  });
  await jobs.schedule(HOUSEKEEPING_QUEUE, options.cron ?? HOUSEKEEPING_CRON);
}
