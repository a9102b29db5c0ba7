import "server-only";
import pg from "pg";
import { appendAudit } from "../audit/log.server.ts";
import type { Prisma } from "../db/generated/control/client.ts";
import { errorMessage } from "../util/errors.ts";
import { OPERATION_CHANNEL, OPERATION_KINDS, operationInputs, type OperationKind, type OperationProgress } from "./kinds.ts";
import { HANDLERS, type OperationContext, type WorkerDeps } from "./handlers.server.ts";

export type { WorkerDeps };

export interface WorkerOptions {
  /** Administrative control-plane URL: the worker's LISTEN connection and its single-worker lock. */
  controlUrl: string;
  /** Operations run at once. */
  concurrency?: number;
  /** Polling interval as a backstop for a missed notification. */
  pollMs?: number;
  log?: (line: string) => void;
}

export interface OperationsWorker {
  /** Resolves when no operation is queued or running (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

// One worker per control plane: it holds this session lock, so a second one waits (and takes over
// if the first dies), and operations a dead worker left running can safely be restarted.
const WORKER_LOCK = 72_707_371;

/**
 * Carries out queued operations. Started by `npm run dev` / `npm start` beside Next.js and by the
 * browser tests' server; the web app only queues (lib/operations/queue.server.ts).
 */
export function startOperationsWorker(deps: WorkerDeps, options: WorkerOptions): OperationsWorker {
  const log = options.log ?? (() => {});
  const concurrency = options.concurrency ?? 3;
  let session: pg.Client | null = null;
  let stopped = false;
  let owner = false;
  let active = 0;
  let pumping = false;
  let again = false;
  const running = new Set<Promise<void>>();
  let connecting = false;
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
    const queued = await deps.control.operation.count({ where: { status: { in: ["queued", "running"] } } }).catch(() => 1);
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
    const kind = op.kind as OperationKind;
    const progress: OperationProgress = { ...(op.progress as OperationProgress), attempt: ((op.progress as OperationProgress).attempt ?? 0) + 1 };
    const save = async (patch: Partial<OperationProgress>) => {
      Object.assign(progress, patch);
      await deps.control.operation.update({ where: { id }, data: { progress: progress as Prisma.InputJsonValue } });
    };
    const t0 = Date.now();
    let result: Record<string, unknown> | undefined;
    let failure: string | undefined;
    let tenantId: string | null = null;
    try {
      await save({});
      if (!OPERATION_KINDS.includes(kind)) throw new Error(`unknown operation "${op.kind}"`);
      const input = operationInputs[kind].parse(op.input);
      const context: OperationContext = {
        deps,
        id,
        slug: op.slug,
        input,
        progress,
        save,
        setTenant: (tid: string) => void (tenantId = tid),
        actor: { type: op.actorType as "agency-user", id: op.actorId, label: op.actorLabel },
      };
      result = (await HANDLERS[kind](context as never)) ?? {};
    } catch (error) {
      failure = errorMessage(error).slice(0, 2_000);
    }
    await deps.control.operation.update({
      where: { id },
      data: {
        status: failure ? "failed" : "succeeded",
        error: failure ?? null,
        result: (result ?? null) as Prisma.InputJsonValue,
        finishedAt: new Date(),
        progress: progress as Prisma.InputJsonValue,
      },
    });
    await appendAudit(deps.control, {
      actor: { type: op.actorType as "agency-user", id: op.actorId, label: op.actorLabel },
      action: kind === "migrate-fleet" ? "fleet.migrate" : kind.startsWith("agency-user-") ? `agency-user.${kind.slice("agency-user-".length)}` : `tenant.${kind}`,
      tenantId: tenantId ?? (await deps.control.tenant.findUnique({ where: { slug: op.slug ?? "" }, select: { id: true } }))?.id ?? null,
      ip: op.ip,
      userAgent: op.userAgent,
      details: { operationId: id, slug: op.slug, outcome: failure ? "failed" : "succeeded", ...(failure ? { error: failure } : {}), ...(result ?? {}) },
    }).catch((error: unknown) => log(`operations: could not audit ${id}: ${errorMessage(error)}`));
    log(`operation ${op.kind}${op.slug ? ` ${op.slug}` : ""}: ${failure ? `failed — ${failure}` : "done"} (${Date.now() - t0} ms)`);
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
        log("operations: another worker is running; waiting to take over");
        session = null;
        await client.end().catch(() => {});
        return;
      }
      // What a dead worker left running restarts: every handler resumes from what is recorded.
      const restarted = await deps.control.operation.updateMany({ where: { status: "running" }, data: { status: "queued" } });
      if (restarted.count > 0) log(`operations: restarting ${restarted.count} interrupted operation(s)`);
      owner = true;
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
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await Promise.allSettled([...running]);
      const client = session;
      session = null;
      await client?.end().catch(() => {});
    },
  };
}
