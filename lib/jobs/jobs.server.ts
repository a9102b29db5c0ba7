/**
 * The job queue: pg-boss, in its own schema of the control-plane database (decision 039).
 *
 * A queue is first declared, with its policy (retries, backoff, timeout, heartbeat, retention),
 * in JOB_QUEUES (lib/jobs/queues.ts): the bootstrap creates it there, so jobs can be sent before
 * any worker has started.
 *
 * Sending — any code, the web app included (its least-privileged role may only insert jobs):
 *
 *   await control.$transaction(async (tx) => {
 *     await tx.outboxMessage.create({ ... });
 *     await enqueue(control, "mail.flush", { tenantId }, { tx, singletonKey: tenantId });
 *   }); // the job exists if and only if the transaction commits
 *
 * Options: id (a uuid; the same id twice queues once), singletonKey (with a singleton or stately
 * policy: one waiting job per key), startAfter, and per-job expireInSeconds / retryLimit.
 *
 * Running — the worker process, with the administrative connection. `npm start` makes one per
 * instance (lib/operations/start.server.ts, where a queue's handler is registered on
 * `worker.jobs`):
 *
 *   await worker.jobs.registerQueue("mail.flush", async (data, job) => { ... }, undefined, 2);
 *   await worker.jobs.schedule("mail.flush", "*\/5 * * * *");   // a cron job on that queue
 *
 * A handler that returns completes its job; one that throws fails this attempt, and pg-boss tries
 * again after the policy's delay until retryLimit is spent (`job.lastAttempt` says when none
 * follows). Throw only for what another attempt can fix (isTransientError in
 * lib/jobs/transient.ts tells a lost connection from a bad input); record anything else and
 * return. A job whose process died mid-run is retried once its heartbeat stops (the worker beats
 * for it every heartbeatSeconds / 2). Every instance runs a worker: claiming uses SELECT … FOR
 * UPDATE SKIP LOCKED, so two never run the same attempt.
 */
import "server-only";
import { hostname } from "node:os";
import { PgBoss, type ConstructorOptions, type Job } from "pg-boss";
import { logLines } from "../observability/logger.ts";
import { errorMessage } from "../util/errors.ts";
import { JOB_QUEUES, type QueuePolicy } from "./queues.ts";
import { withClient } from "../db/postgres.ts";
import { ensureQueue, JOB_SCHEMA, jobSchemaState, releaseProblem } from "./schema.ts";

export type { QueuePolicy };

/** A control-plane client or an interactive transaction on it (anything Prisma can run raw SQL on). */
export interface SqlRunner {
  // The one use of the unsafe form in the application (security case 61): pg-boss's own statements.
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>; // unsafe-sql-allowed
}

/**
 * pg-boss's database interface over a Prisma client or transaction. Prisma cannot return a
 * regclass column, which pg-boss's "is the schema installed" probe selects: it is read as text.
 */
function overPrisma(db: SqlRunner) {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const sql = text.replace(/^(SELECT to_regclass\('[^']*'\)) as name$/, "$1::text AS name");
      // pg-boss's statement text, never a caller's; every value is bound by position (case 61).
      const rows = await db.$queryRawUnsafe<unknown>(sql, ...(values ?? [])); // unsafe-sql-allowed
      return { rows: Array.isArray(rows) ? rows : [] };
    },
  };
}

// pg-boss arms timers for its queue cache even when it only sends; a process that merely sends
// (the web app, the CLI) must still be free to exit, so the sender's timers do not hold it.
const unrefClock = {
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
  setInterval: (fn: () => void, ms: number) => setInterval(fn, ms).unref(),
  clearInterval: (handle: unknown) => clearInterval(handle as NodeJS.Timeout),
};

const senders = new WeakMap<object, Promise<PgBoss>>();

/** One sending pg-boss per control-plane client, over that client's own pool. */
function senderFor(control: SqlRunner): Promise<PgBoss> {
  let sender = senders.get(control);
  if (!sender) {
    const boss = new PgBoss({
      db: overPrisma(control),
      schema: JOB_SCHEMA,
      clock: unrefClock,
      migrate: false,
      supervise: false,
      schedule: false,
      registerInstance: false,
      openTelemetry: { enabled: false },
    });
    boss.on("error", () => {});
    sender = boss.start().catch((error: unknown) => {
      senders.delete(control);
      throw new Error(`the job queue is not usable: ${errorMessage(error)}`, { cause: error });
    });
    senders.set(control, sender);
  }
  return sender;
}

export interface EnqueueOptions {
  /** A Prisma interactive transaction on the same control plane: the job commits with it. */
  tx?: SqlRunner;
  /** The job's id (a uuid). A second send with the same id queues nothing and returns null. */
  id?: string;
  /** At most one job with this key waits at a time on a queue whose policy says so. */
  singletonKey?: string;
  /** Not before this time (or this many seconds from now). */
  startAfter?: Date | number;
  /** Overrides the queue's policy for this job. */
  expireInSeconds?: number;
  heartbeatSeconds?: number;
  retryLimit?: number;
}

/**
 * Queues a job on `queue` (which a worker registered). Resolves with its id, or null when a job
 * with the same id or singleton key already exists. Inside `tx`, the job is sent on the
 * transaction's connection: it is visible to workers only once the transaction commits.
 */
export async function enqueue(
  control: SqlRunner,
  queue: string,
  data: object,
  options: EnqueueOptions = {},
): Promise<string | null> {
  const boss = await senderFor(control);
  const { tx, ...rest } = options;
  return boss.send(queue, data, { ...rest, ...(tx ? { db: overPrisma(tx) } : {}) });
}

export interface JobContext {
  id: string;
  queue: string;
  /** 1 for the first attempt, 2 for the first retry… */
  attempt: number;
  /** No retry follows this attempt if it fails. */
  lastAttempt: boolean;
  /** Aborted when the job expires or the worker is stopped. */
  signal: AbortSignal;
}

export type JobHandler<T> = (data: T, job: JobContext) => Promise<void>;

export interface JobWorkerOptions {
  /** The administrative control-plane URL. */
  url: string;
  log?: (line: string) => void;
  /** How often expired jobs and lost heartbeats are looked for, and old rows deleted (seconds). */
  superviseSeconds?: number;
  /** How often finished jobs past their queue's deleteAfterSeconds are deleted (seconds). */
  maintenanceSeconds?: number;
  /** How often each queue is polled besides LISTEN/NOTIFY (seconds, at least 0.5). */
  pollSeconds?: number;
  /** Seconds between attempts to start while the queue's schema is not usable. */
  retrySeconds?: number;
  /** Seconds between checks, while running, that this release may still take jobs. */
  checkSeconds?: number;
}

export interface JobWorker {
  /**
   * Runs the queue's jobs in this process, `concurrency` at a time. Its policy is JOB_QUEUES's
   * entry unless given (then the queue is created or updated with it).
   */
  registerQueue<T extends object>(
    name: string,
    handler: JobHandler<T>,
    policy?: QueuePolicy,
    concurrency?: number,
  ): Promise<void>;
  /** A cron schedule (UTC unless tz) that sends `data` to the queue `name`, registered first. */
  schedule(name: string, cron: string, data?: object, options?: { tz?: string }): Promise<void>;
  /** Why this worker is not taking jobs, or null when it is. */
  problem(): string | null;
  /** Resolves once the worker has started (or rejects with why it could not, still retrying). */
  started(): Promise<void>;
  /** Jobs running in this process now. */
  active(): number;
  /**
   * Stops taking jobs and waits (at most graceMs) for running ones; any still running then is
   * failed so that another worker retries it at once.
   */
  stop(graceMs?: number): Promise<void>;
  /** The pg-boss instance, for tests and the queue's own figures. */
  boss: PgBoss;
}

/**
 * Starts this process's job worker. It keeps trying to start while the queue's schema cannot be
 * reached, saying why in the log and through problem() (which /readyz reports).
 */
export function startJobWorker(options: JobWorkerOptions): JobWorker {
  const log = options.log ?? logLines();
  const supervise = options.superviseSeconds ?? 5;
  const config: ConstructorOptions = {
    connectionString: options.url,
    schema: JOB_SCHEMA,
    application_name: "portico:jobs",
    max: 6,
    // The schema is the bootstrap's to create and migrate, never a worker's.
    migrate: false,
    supervise: true,
    schedule: true,
    superviseIntervalSeconds: supervise,
    monitorIntervalSeconds: supervise,
    maintenanceIntervalSeconds: options.maintenanceSeconds ?? Math.max(supervise, 60),
    cronWorkerIntervalSeconds: Math.min(supervise, 5),
    cronMonitorIntervalSeconds: Math.min(supervise, 30),
    useListenNotify: true,
    instanceName: `portico@${hostname()}`,
    openTelemetry: { enabled: false },
  };
  const boss = new PgBoss(config);
  let problem: string | null = "starting";
  let stopped = false;
  let active = 0;
  const registrations: Array<() => Promise<void>> = [];
  const said = new Set<string>();
  const report = (line: string) => {
    if (said.has(line)) return;
    said.add(line);
    log(line);
  };
  boss.on("error", (error: Error) => report(`jobs: ${errorMessage(error)}`));
  boss.on("warning", (warning: { message: string }) => report(`jobs: ${warning.message}`));

  let startedOk: () => void;
  const startedPromise = new Promise<void>((resolve) => (startedOk = resolve));
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let checkTimer: ReturnType<typeof setInterval> | undefined;

  // Why this worker must not take jobs (another release's control plane, the queue's schema
  // missing or at another version), or null; thrown errors mean the database is unreachable.
  const preflight = () =>
    withClient(options.url, async (client) => {
      const release = await releaseProblem(client);
      if (release) return release;
      const schema = await jobSchemaState(client);
      return schema.ok ? null : schema.reason;
    });

  const retryLater = () => {
    if (!stopped) retryTimer = setTimeout(() => void tryStart(), (options.retrySeconds ?? 5) * 1_000);
  };

  const tryStart = async (): Promise<void> => {
    if (stopped) return;
    try {
      const blocked = await preflight();
      if (blocked) {
        problem = blocked;
        report(`jobs: ${blocked}; checking again every ${options.retrySeconds ?? 5} s`);
        retryLater();
        return;
      }
      await boss.start();
      for (const register of registrations) await register();
      problem = null;
      said.clear();
      log("jobs: worker started");
      startedOk();
      if (!stopped) checkTimer = setInterval(() => void watch(), (options.checkSeconds ?? 15) * 1_000);
    } catch (error) {
      problem = `the job worker cannot use the queue schema "${JOB_SCHEMA}": ${errorMessage(error)}`;
      report(`jobs: ${problem}; retrying`);
      await boss.stop({ graceful: false }).catch(() => {});
      retryLater();
    }
  };

  // A release that became the older one while running stops taking jobs (those running finish).
  const watch = async (): Promise<void> => {
    if (stopped || problem !== null) return;
    const blocked = await preflight().catch(() => null);
    if (!blocked || stopped) return;
    problem = blocked;
    clearInterval(checkTimer);
    report(`jobs: ${blocked}; stopping this worker`);
    await boss.stop({ graceful: true, timeout: 30_000 }).catch(() => {});
    retryLater();
  };
  const starting = tryStart();

  const worker: JobWorker = {
    boss,
    problem: () => problem,
    started: () => startedPromise,
    active: () => active,
    async registerQueue<T extends object>(name: string, handler: JobHandler<T>, policy?: QueuePolicy, concurrency = 1) {
      const register = async () => {
        const wanted = policy ?? JOB_QUEUES[name];
        if (!wanted) throw new Error(`the queue "${name}" has no policy: add it to lib/jobs/queues.ts`);
        if (policy || !(await boss.getQueue(name))) await ensureQueue(boss, name, wanted);
        await boss.work<T>(
          name,
          {
            localConcurrency: concurrency,
            batchSize: 1,
            pollingIntervalSeconds: options.pollSeconds ?? 2,
            // NOTIFY wakes a worker for a new job, not for a retry coming due: poll for those too.
            notifyPollingIntervalSeconds: Math.max(options.pollSeconds ?? 2, 2),
            includeMetadata: true,
          },
          async ([job]) => {
            if (!job) return;
            active++;
            try {
              await handler(job.data, contextOf(name, job));
            } finally {
              active--;
            }
          },
        );
      };
      registrations.push(register);
      // Before the start, the registration waits for it; after, it runs now.
      if (problem === null) await register();
    },
    async schedule(name, cron, data, scheduleOptions) {
      await startedPromise;
      await boss.schedule(name, cron, data ?? null, scheduleOptions?.tz ? { tz: scheduleOptions.tz } : {});
    },
    async stop(graceMs = 30_000) {
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(checkTimer);
      await starting;
      if (problem === null && active > 0)
        log(`jobs: stopping; waiting up to ${Math.round(graceMs / 1000)} s for ${active} running job(s)`);
      await boss.stop({ graceful: true, timeout: Math.max(1_000, graceMs) }).catch(() => {});
      problem = "stopped";
    },
  };
  return worker;
}

function contextOf(queue: string, job: Job<unknown> & { retryLimit?: number }): JobContext {
  const retryLimit = job.retryLimit ?? 0;
  return {
    id: job.id,
    queue,
    attempt: job.retryCount + 1,
    lastAttempt: job.retryCount >= retryLimit,
    signal: job.signal,
  };
}
