import "server-only";
import type { JobWorker } from "../jobs/jobs.server.ts";
import { RETENTION_QUEUE } from "../jobs/queues.ts";
import { runRetention, type RetentionRunDeps } from "./retention.server.ts";

/** Every day at 03:00 UTC; tests pass their own expression. */
export const RETENTION_CRON = "0 3 * * *";

/**
 * Schedules the daily retention run (docs/decisions/050) on the job queue: whichever instance's
 * worker is free runs it, one at a time, over every live tenant, two tenants at once. Each tenant's
 * run is audited in its own trail; a line here says what was done and which tenants were missed.
 */
export async function startRetentionJob(
  jobs: JobWorker,
  deps: RetentionRunDeps,
  options: { cron?: string; concurrency?: number; log?: (line: string) => void } = {},
): Promise<void> {
  await jobs.registerQueue(RETENTION_QUEUE, async () => {
    const outcomes = await runRetention(deps, { concurrency: options.concurrency ?? 2 });
    const failed = outcomes.filter((o) => o.error);
    const changed = outcomes.filter(
      (o) =>
        o.counts && o.counts.registrations + o.counts.attendeeDetails + o.counts.messages + o.counts.auditEntries > 0,
    );
    if (changed.length > 0 || failed.length > 0)
      options.log?.(
        `retention: applied in ${changed.length} of ${outcomes.length} tenant(s)${failed.length ? `; unreachable, left for the next run: ${failed.map((f) => f.slug).join(", ")}` : ""}`,
      );
  });
  await jobs.schedule(RETENTION_QUEUE, options.cron ?? RETENTION_CRON);
}
