import "server-only";
import pg from "pg";
import type { Prisma } from "../db/generated/control/client.ts";
import { errorMessage } from "../util/errors.ts";
import { OPERATION_CHANNEL, type OperationKind, type OperationProgress } from "./kinds.ts";
import type { WorkerDeps } from "./handlers.server.ts";
import { runOperation } from "./runner.server.ts";
import { logLines } from "../observability/logger.ts";
import { withLogContext } from "../observability/context.ts";

export type { WorkerDeps };

export interface WorkerOptions {
  /** Administrative control-plane URL: the worker's LISTEN connection and its single-worker lock. */
  controlUrl: string;
  /** Operations run at once. */
  concurrency?: number;
  /** Polling interval as a backstop for a missed notification. */
  pollMs?: number;
  /** Default: the process's structured logger, each operation's lines carrying its id. */
  log?: (line: string) => void;
}

export interface OperationsWorker {
  /** Resolves when no operation is queued or running (tests). */
  idle(): Promise<void>;
  /**
   * Stops claiming work, waits for running operations (at most `graceMs`), then ends its session,
   * which releases the lock: another worker takes over, restarting anything cut short.
   */
  stop(graceMs?: number): Promise<void>;
}

// One worker per control plane: it holds this session lock, so a second one waits (and takes over
// if the first dies), and operations a dead worker left running can safely be restarted.
const WORKER_LOCK = 72_707_371;

/**
 * Carries out queued operations. Started by `npm run dev` / `npm start` beside Next.js and by the
 * browser tests' server; the web app only queues (lib/operations/queue.server.ts).
 */
export function startOperationsWorker(deps: WorkerDeps, options: WorkerOptions): OperationsWorker {
  const log = options.log ?? logLines();
  const concurrency = options.concurrency ?? 3;
  let session: pg.Client | null = null;
  let stopped = false;
  let owner = false;
  let active = 0;
  let pumping = false;
  let again = false;
  const running = new Set<Promise<void>>();
  let connecting = false;
  let standbySaid = false;
  let idleWaiters: Array<() => void> = [];

  const claim = async (): Promise<string | null> => {
    const rows = await deps.control.$queryRaw<Array<{ id: string }>>`
      UPDATE "Operation" SET status = 'running', "startedAt" = COALESCE("startedAt", now())
      WHERE id = (SELECT id FROM "Operation" WHERE status = 'queued' ORDER BY "createdAt" LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id::text`;
    return rows[0]?.id ?? null;
  };

  const notifyIdle = async () => {
    if (active > 0 || idleWaiters.length === 0) return;
    const queued = await deps.control.operation
      .count({ where: { status: { in: ["queued", "running"] } } })
      .catch(() => 1);
    if (queued > 0 || active > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  const pump = async (): Promise<void> => {
    if (!owner || stopped) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        while (active < concurrency && !stopped) {
          const id = await claim();
          if (!id) break;
          active++;
          const job = execute(id).finally(() => {
            active--;
            running.delete(job);
            void pump();
          });
          running.add(job);
        }
      } while (again);
    } catch (error) {
      log(`operations: could not claim work: ${errorMessage(error)}`);
    } finally {
      pumping = false;
    }
    await notifyIdle();
  };

  const execute = async (id: string): Promise<void> => {
    const op = await deps.control.operation.findUniqueOrThrow({ where: { id } });
    // Every line the operation's handler logs, however deep, names the operation.
    await withLogContext({ operationId: id, operation: op.kind, ...(op.slug ? { tenant: op.slug } : {}) }, () =>
      executeLoaded(id, op),
    );
  };

  const executeLoaded = async (
    id: string,
    op: Awaited<ReturnType<typeof deps.control.operation.findUniqueOrThrow>>,
  ): Promise<void> => {
    const t0 = Date.now();
    const outcome = await runOperation(deps, op.kind as OperationKind, op.input, {
      operationId: id,
      slug: op.slug,
      actor: { type: op.actorType as "agency-user", id: op.actorId, label: op.actorLabel },
      ip: op.ip,
      userAgent: op.userAgent,
      progress: op.progress as OperationProgress,
      onProgress: async (progress) => {
        await deps.control.operation.update({ where: { id }, data: { progress: progress as Prisma.InputJsonValue } });
      },
      log,
    });
    log(
      `operation ${op.kind}${op.slug ? ` ${op.slug}` : ""}: ${outcome.ok ? "done" : `failed — ${outcome.message}`} (${Date.now() - t0} ms)`,
    );
  };

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const client = new pg.Client({ connectionString: options.controlUrl, application_name: "portico:operations" });
    client.on("error", () => {});
    // A lost session loses the lock: the interval below reconnects and competes for it again.
    client.on("end", () => {
      if (session === client) {
        session = null;
        owner = false;
      }
    });
    client.on("notification", (message) => {
      if (message.channel === OPERATION_CHANNEL) void pump();
    });
    try {
      await client.connect();
      session = client;
      await client.query(`LISTEN ${OPERATION_CHANNEL}`);
      const locked = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [WORKER_LOCK]);
      if (!locked.rows[0]?.ok) {
        // Said once per standby spell, not at every retry: a standby instance retries every poll.
        if (!standbySaid) log("operations: another worker is running; waiting to take over");
        standbySaid = true;
        session = null;
        await client.end().catch(() => {});
        return;
      }
      // What a dead worker left running restarts: every handler resumes from what is recorded.
      const restarted = await deps.control.operation.updateMany({
        where: { status: "running" },
        data: { status: "queued" },
      });
      if (restarted.count > 0) log(`operations: restarting ${restarted.count} interrupted operation(s)`);
      owner = true;
      standbySaid = false;
      void pump();
    } catch (error) {
      log(`operations: cannot reach the control plane (${errorMessage(error)}); retrying`);
      session = null;
      await client.end().catch(() => {});
    }
  };

  const ensureConnected = async () => {
    if (connecting || session || stopped) return;
    connecting = true;
    await connect().finally(() => (connecting = false));
  };
  void ensureConnected();
  const timer = setInterval(() => {
    if (owner) void pump();
    else void ensureConnected();
  }, options.pollMs ?? 2_000);
  timer.unref?.();

  return {
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        void notifyIdle();
      }),
    stop: async (graceMs = Number.POSITIVE_INFINITY) => {
      stopped = true;
      clearInterval(timer);
      let grace: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([...running]),
        ...(Number.isFinite(graceMs) ? [new Promise((resolve) => (grace = setTimeout(resolve, graceMs)))] : []),
      ]);
      clearTimeout(grace);
      if (running.size > 0)
        log(`operations: stopping with ${running.size} operation(s) unfinished; the next worker restarts them`);
      const client = session;
      session = null;
      await client?.end().catch(() => {});
    },
  };
}
