import "server-only";
import { randomUUID } from "node:crypto";
import { appendAudit, type AuditActor } from "../audit/log.server.ts";
import type { Prisma } from "../db/generated/control/client.ts";
import { errorMessage } from "../util/errors.ts";
import { OPERATION_KINDS, operationInputs, type OperationKind, type OperationProgress } from "./kinds.ts";
import { HANDLERS, type OperationContext, type OperationResult, type WorkerDeps } from "./handlers.server.ts";

export interface RunOptions {
  /** Who asked: an agency user (queued from the dashboard) or the CLI's `cli:<user>`. */
  actor: AuditActor;
  /** The tenant acted on, if any. */
  slug: string | null;
  /**
   * The queued operation this run carries out (the worker). Without one (the CLI) the run is
   * recorded as an operation once it has finished, so the worker never mistakes it for work
   * left over by a dead worker and runs it a second time.
   */
  operationId?: string;
  /** What an earlier attempt recorded: a restarted operation resumes from it. */
  progress?: OperationProgress;
  /** Told the whole progress after every change: the worker stores it, the CLI prints it. */
  onProgress?: (progress: OperationProgress) => Promise<void> | void;
  ip?: string | null;
  userAgent?: string | null;
  log?: (line: string) => void;
  /**
   * The worker: whether this failure is worth another attempt (a lost connection, not a bad
   * input). When it says yes nothing is recorded or audited; the outcome says `retry` and the
   * queue tries again later.
   */
  retry?: (error: unknown) => boolean;
}

interface Finished {
  operationId: string;
  tenantId: string | null;
  progress: OperationProgress;
}

export type RunOutcome<R> =
  (Finished & { ok: true; result: R }) | (Finished & { ok: false; error: unknown; message: string; retry?: boolean });

/** The audit log's name for a kind: `tenant.suspend`, `fleet.migrate`, `agency-user.role`… */
export function auditActionOf(kind: string): string {
  if (kind === "migrate-fleet") return "fleet.migrate";
  if (kind.startsWith("agency-user-")) return `agency-user.${kind.slice("agency-user-".length)}`;
  return `tenant.${kind}`;
}

/**
 * Runs one agency action in this process: validates its input, runs its handler with live
 * progress, records how it ended on the operation and audits it. The worker runs every queued
 * operation through this, and the CLI runs its commands through it too, so an action leaves the
 * same trail whichever way it was asked for. A failure is returned, not thrown.
 */
export async function runOperation<K extends OperationKind>(
  deps: WorkerDeps,
  kind: K,
  rawInput: unknown,
  options: RunOptions,
): Promise<RunOutcome<OperationResult<K>>> {
  const { control } = deps;
  const operationId = options.operationId ?? randomUUID();
  const previous = options.progress ?? {};
  const progress: OperationProgress = { ...previous, attempt: (previous.attempt ?? 0) + 1 };
  const save = async (patch: Partial<OperationProgress>) => {
    Object.assign(progress, patch);
    await options.onProgress?.(progress);
  };
  const startedAt = new Date();
  let result: Record<string, unknown> | undefined;
  let failure: { error: unknown; message: string } | undefined;
  let tenantId: string | null = null;
  try {
    await save({});
    if (!OPERATION_KINDS.includes(kind)) throw new Error(`unknown operation "${kind}"`);
    const input = operationInputs[kind].parse(rawInput);
    const context: OperationContext = {
      deps,
      id: operationId,
      slug: options.slug,
      input,
      progress,
      save,
      setTenant: (tid: string) => void (tenantId = tid),
      actor: options.actor,
    };
    result = ((await HANDLERS[kind](context as never)) as Record<string, unknown> | undefined) ?? {};
  } catch (error) {
    failure = { error, message: errorMessage(error).slice(0, 2_000) };
  }

  if (failure && options.operationId && options.retry?.(failure.error))
    return { operationId, tenantId, progress, ok: false, retry: true, ...failure };

  const ending = {
    status: failure ? ("failed" as const) : ("succeeded" as const),
    error: failure?.message ?? null,
    result: (result ?? null) as Prisma.InputJsonValue,
    finishedAt: new Date(),
    progress: progress as Prisma.InputJsonValue,
  };
  if (options.operationId) {
    await control.operation.update({ where: { id: operationId }, data: ending });
  } else {
    await control.operation.create({
      data: {
        id: operationId,
        kind,
        slug: options.slug,
        input: (rawInput ?? {}) as Prisma.InputJsonValue,
        actorType: options.actor.type,
        actorId: options.actor.id ?? null,
        actorLabel: options.actor.label.slice(0, 254),
        ip: options.ip?.slice(0, 45) ?? null,
        userAgent: options.userAgent?.slice(0, 300) ?? null,
        createdAt: startedAt,
        startedAt,
        ...ending,
      },
    });
  }

  tenantId ??= options.slug
    ? ((await control.tenant.findUnique({ where: { slug: options.slug }, select: { id: true } }))?.id ?? null)
    : null;
  await appendAudit(control, {
    actor: options.actor,
    action: auditActionOf(kind),
    tenantId,
    ip: options.ip ?? null,
    userAgent: options.userAgent ?? null,
    details: {
      operationId,
      slug: options.slug,
      outcome: failure ? "failed" : "succeeded",
      ...(failure ? { error: failure.message } : {}),
      ...(result ?? {}),
    },
  }).catch((error: unknown) => options.log?.(`operations: could not audit ${operationId}: ${errorMessage(error)}`));

  const finished = { operationId, tenantId, progress };
  return failure
    ? { ...finished, ok: false, ...failure }
    : { ...finished, ok: true, result: result as OperationResult<K> };
}
