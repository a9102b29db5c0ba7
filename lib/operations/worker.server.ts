import "server-only";
import type { Prisma } from "../db/generated/control/client.ts";
import { startJobWorker, type JobContext, type JobWorker } from "../jobs/jobs.server.ts";
import { JOB_QUEUES } from "../jobs/queues.ts";
import { isTransientError } from "../jobs/transient.ts";
import { errorMessage } from "../util/errors.ts";
import { OPERATIONS_DEAD_QUEUE, OPERATIONS_QUEUE, type OperationKind, type OperationProgress } from "./kinds.ts";
import type { WorkerDeps } from "./handlers.server.ts";
import { sendOperationJob } from "./queue.server.ts";
import { runOperation } from "./runner.server.ts";
import { logLines } from "../observability/logger.ts";
import { withLogContext } from "../observability/context.ts";

export type { WorkerDeps };

export interface WorkerOptions {
  /** Administrative control-plane URL: the job queue's connections. */
  controlUrl: string;
  /** Operations this process runs at once. */
  concurrency?: number;
  /** How often queued operations without a job are looked for, and the queue polled (ms). */
  pollMs?: number;
  /** How often lost heartbeats and expired attempts are looked for (seconds). */
  superviseSeconds?: number;
  /** Default: the process's structured logger, each operation's lines carrying its id. */
  log?: (line: string) => void;
}

export interface OperationsWorker {
  /** Resolves when no operation is queued or running (tests). */
  idle(): Promise<void>;
  /**
   * Stops taking operations and waits for running ones (at most `graceMs`); any still running is
   * then handed back to the queue, and another instance's worker retries it at once.
   */
  stop(graceMs?: number): Promise<void>;
  /** Why this worker is not taking operations (the queue's schema unreachable…), or null. */
  problem(): string | null;
  /** The job worker underneath (tests, the scheduled jobs). */
  jobs: JobWorker;
}

/**
 * Carries out queued operations, through the job queue (decision 039). Every instance may run
 * one: pg-boss hands each job to one worker at a time. Started by `npm run dev` / `npm start`
 * beside Next.js and by the browser tests' server; the web app only queues
 * (lib/operations/queue.server.ts).
 */
export function startOperationsWorker(deps: WorkerDeps, options: WorkerOptions): OperationsWorker {
  const log = options.log ?? logLines();
  const pollMs = options.pollMs ?? 2_000;
  const jobs = startJobWorker({
    url: options.controlUrl,
    log,
    pollSeconds: Math.max(0.5, pollMs / 1000),
    ...(options.superviseSeconds ? { superviseSeconds: options.superviseSeconds } : {}),
  });
  let running = 0;
  let idleWaiters: Array<() => void> = [];

  const notifyIdle = async () => {
    if (running > 0 || idleWaiters.length === 0) return;
    const pending = await deps.control.operation
      .count({ where: { status: { in: ["queued", "running"] } } })
      .catch(() => 1);
    if (pending > 0 || running > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  const execute = async (operationId: string, job: JobContext): Promise<void> => {
    const op = await deps.control.operation.findUnique({ where: { id: operationId } });
    // Already finished (a job sent twice for it), or removed: nothing to do.
    if (!op || op.status === "succeeded" || op.status === "failed") return;
    await deps.control.operation.update({
      where: { id: operationId },
      data: { status: "running", startedAt: op.startedAt ?? new Date() },
    });
    running++;
    try {
      // Every line the operation's handler logs, however deep, names the operation.
      await withLogContext({ operationId, operation: op.kind, ...(op.slug ? { tenant: op.slug } : {}) }, () =>
        executeLoaded(op, job),
      );
    } finally {
      running--;
      void notifyIdle();
    }
  };

  const executeLoaded = async (
    op: NonNullable<Awaited<ReturnType<typeof deps.control.operation.findUnique>>>,
    job: JobContext,
  ): Promise<void> => {
    const t0 = Date.now();
    const outcome = await runOperation(deps, op.kind as OperationKind, op.input, {
      operationId: op.id,
      slug: op.slug,
      actor: { type: op.actorType as "agency-user", id: op.actorId, label: op.actorLabel },
      ip: op.ip,
      userAgent: op.userAgent,
      progress: op.progress as OperationProgress,
      onProgress: async (progress) => {
        await deps.control.operation.update({
          where: { id: op.id },
          data: { progress: progress as Prisma.InputJsonValue },
        });
      },
      retry: (error) => !job.lastAttempt && isTransientError(error),
      log,
    });
    const label = `operation ${op.kind}${op.slug ? ` ${op.slug}` : ""}`;
    if (!outcome.ok && outcome.retry) {
      log(`${label}: attempt ${job.attempt} failed (${outcome.message}); retrying later`);
      await deps.control.operation
        .update({
          where: { id: op.id },
          data: {
            status: "queued",
            progress: { ...outcome.progress, note: `retrying after: ${outcome.message}` } as Prisma.InputJsonValue,
          },
        })
        .catch(() => {});
      throw outcome.error instanceof Error ? outcome.error : new Error(outcome.message);
    }
    log(`${label}: ${outcome.ok ? "done" : `failed — ${outcome.message}`} (${Date.now() - t0} ms)`);
  };

  // An operation whose attempts were all cut short (killed, timed out) without an outcome.
  const attempts = (JOB_QUEUES[OPERATIONS_QUEUE]?.retryLimit ?? 0) + 1;
  const giveUp = async (operationId: string): Promise<void> => {
    const updated = await deps.control.operation.updateMany({
      where: { id: operationId, status: { in: ["queued", "running"] } },
      data: {
        status: "failed",
        finishedAt: new Date(),
        error: `stopped after ${attempts} attempts that never finished (killed or timed out); check the worker's log, then queue it again`,
      },
    });
    if (updated.count > 0) log(`operation ${operationId}: gave up after ${attempts} attempts`);
    void notifyIdle();
  };

  void jobs.registerQueue<{ operationId: string }>(OPERATIONS_DEAD_QUEUE, (data) => giveUp(data.operationId));
  void jobs.registerQueue<{ operationId: string }>(
    OPERATIONS_QUEUE,
    (data, job) => execute(data.operationId, job),
    undefined,
    options.concurrency ?? 3,
  );

  // Operations queued without a job (by a release before the job queue, or written by hand) get
  // one; its id is the operation's, so two instances adopting the same one queue it once.
  const adopt = async () => {
    if (jobs.problem() !== null) return;
    // The queue's schema is JOB_SCHEMA ("pgboss"), named here because a tagged query takes no identifier.
    const orphans = await deps.control.$queryRaw<Array<{ id: string; kind: string }>>`
      SELECT o.id::text AS id, o.kind FROM "Operation" o
      WHERE o.status IN ('queued', 'running')
        AND NOT EXISTS (SELECT 1 FROM pgboss.job j WHERE j.name = ${OPERATIONS_QUEUE} AND j.id = o.id)
      ORDER BY o."createdAt" LIMIT 100`;
    for (const o of orphans) await sendOperationJob(deps.control, o.kind as OperationKind, o.id);
    if (orphans.length > 0) log(`operations: queued ${orphans.length} operation(s) that had no job`);
  };
  const timer = setInterval(() => {
    void adopt().catch((error: unknown) =>
      log(`operations: could not look for unqueued operations: ${errorMessage(error)}`),
    );
    void notifyIdle();
  }, pollMs);
  timer.unref?.();
  void jobs
    .started()
    .then(adopt)
    .catch(() => {});

  return {
    jobs,
    problem: () => jobs.problem(),
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        void notifyIdle();
      }),
    stop: async (graceMs = 60_000) => {
      clearInterval(timer);
      if (running > 0) log(`operations: stopping with ${running} operation(s) running`);
      await jobs.stop(graceMs);
    },
  };
}
