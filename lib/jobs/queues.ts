/**
 * Every queue Portico runs, with its policy. The bootstrap creates them (and updates their
 * policy) when it installs the queue's schema, so a job can be sent before any worker has
 * started; a worker's registerQueue() takes its policy from here. A new queue is a new entry.
 */
export interface QueuePolicy {
  /** Attempts after the first, for failures another attempt can fix. */
  retryLimit: number;
  /** Seconds before the first retry; doubled for each later one when retryBackoff is set. */
  retryDelay: number;
  retryBackoff: boolean;
  retryDelayMax?: number;
  /** The most an attempt may run; then it counts as failed (and is retried if attempts remain). */
  expireInSeconds: number;
  /** The worker beats every heartbeatSeconds / 2; a job without a beat this long is retried (≥ 10). */
  heartbeatSeconds?: number;
  /** How long a finished job's row is kept before pg-boss's maintenance deletes it. */
  deleteAfterSeconds: number;
  /** pg-boss's queue policy: "standard", or "singleton" (one active at a time) and kin. */
  policy?: "standard" | "short" | "singleton" | "stately" | "exclusive";
  /** Where a job goes once its retries are spent (a queue listed before this one). */
  deadLetter?: string;
}

const DAY = 24 * 60 * 60;

export const OPERATIONS_QUEUE = "operations";
export const OPERATIONS_DEAD_QUEUE = "operations.dead";
export const HOUSEKEEPING_QUEUE = "housekeeping";
export const MAIL_FLUSH_QUEUE = "mail.flush";
export const MAIL_SWEEP_QUEUE = "mail.sweep";
export const AUDIT_DELIVER_QUEUE = "audit.deliver";
export const AUDIT_SWEEP_QUEUE = "audit.sweep";
export const RETENTION_QUEUE = "retention";
export const BACKUPS_QUEUE = "backups.schedule";

export const JOB_QUEUES: Record<string, QueuePolicy> = {
  // Operations whose attempts were all cut short: the worker records them as failed.
  [OPERATIONS_DEAD_QUEUE]: {
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 60,
    deleteAfterSeconds: 7 * DAY,
  },
  /**
   * Agency operations (lib/operations). A lost connection or a server restarting gets two more
   * attempts, after about 5 s and 10 s; a process killed mid-run is noticed when its heartbeat
   * stops (10 s) and its operation retried by whichever worker is free. A handler's own failure
   * (a bad input, a conflict) is recorded and never retried. Each kind sets its own timeout
   * when queued (lib/operations/kinds.ts).
   */
  [OPERATIONS_QUEUE]: {
    retryLimit: 2,
    retryDelay: 5,
    retryBackoff: true,
    retryDelayMax: 300,
    expireInSeconds: 15 * 60,
    heartbeatSeconds: 10,
    deleteAfterSeconds: 7 * DAY,
    deadLetter: OPERATIONS_DEAD_QUEUE,
  },
  /** Scheduled sweeps (lib/operations/housekeeping.server.ts): one runs at a time. */
  [HOUSEKEEPING_QUEUE]: {
    policy: "singleton",
    retryLimit: 1,
    retryDelay: 60,
    retryBackoff: false,
    expireInSeconds: 10 * 60,
    deleteAfterSeconds: 1 * DAY,
  },
  /**
   * Sending one outbox's due mail (lib/platform/mail-queue.server.ts), keyed by the outbox: at
   * most one job per outbox waits and one runs, so a burst of requests for the same outbox is one
   * flush, and a request arriving mid-flush queues exactly one more. A flush that cannot reach its
   * outbox's database is tried again after about 30 s, 1, 2, 4 and 8 minutes; the outbox rows keep
   * their own per-message backoff, and the sweep finds anything these attempts leave behind.
   */
  [MAIL_FLUSH_QUEUE]: {
    policy: "stately",
    retryLimit: 5,
    retryDelay: 30,
    retryBackoff: true,
    retryDelayMax: 15 * 60,
    expireInSeconds: 10 * 60,
    heartbeatSeconds: 30,
    deleteAfterSeconds: 1 * DAY,
  },
  /** Every minute: asks for a flush of each outbox whose retry is due or whose request was lost. */
  [MAIL_SWEEP_QUEUE]: {
    policy: "singleton",
    retryLimit: 0,
    retryDelay: 60,
    retryBackoff: false,
    expireInSeconds: 2 * 60,
    deleteAfterSeconds: 1 * DAY,
  },
  /**
   * Streaming one audit sink's new entries to its SIEM (lib/audit/stream-delivery.server.ts,
   * decision 049), keyed by the sink: one delivery per sink waits and one runs, so its entries
   * leave in order. A receiver's failure is not a job failure: the sink records it with its own
   * backoff and a retry job waits until then; a worker that cannot reach a database is retried.
   */
  [AUDIT_DELIVER_QUEUE]: {
    policy: "stately",
    retryLimit: 3,
    retryDelay: 30,
    retryBackoff: true,
    retryDelayMax: 10 * 60,
    expireInSeconds: 10 * 60,
    heartbeatSeconds: 30,
    deleteAfterSeconds: 1 * DAY,
  },
  /** Every minute: asks for a delivery of each sink whose retry is due or whose request was lost. */
  [AUDIT_SWEEP_QUEUE]: {
    policy: "singleton",
    retryLimit: 0,
    retryDelay: 60,
    retryBackoff: false,
    expireInSeconds: 2 * 60,
    deleteAfterSeconds: 1 * DAY,
  },
  /**
   * Daily retention (lib/lifecycle/retention.server.ts, docs/decisions/050): one run at a time over
   * every live tenant; a tenant it cannot reach is left for the next day's run, so no retry.
   */
  [RETENTION_QUEUE]: {
    policy: "singleton",
    retryLimit: 0,
    retryDelay: 60,
    retryBackoff: false,
    expireInSeconds: 60 * 60,
    heartbeatSeconds: 30,
    deleteAfterSeconds: 7 * DAY,
  },
  /** Hourly: backs up each tenant whose daily backup is due, then expires old ones (lib/backups). */
  [BACKUPS_QUEUE]: {
    policy: "singleton",
    retryLimit: 1,
    retryDelay: 300,
    retryBackoff: false,
    expireInSeconds: 6 * 60 * 60,
    heartbeatSeconds: 60,
    deleteAfterSeconds: 7 * DAY,
  },
};
