import "server-only";
import type { AuditActor } from "../audit/log.server.ts";
import type { ControlDb } from "../db/control.server.ts";
import { Prisma } from "../db/generated/control/client.ts";
import { TenantConflict } from "../util/errors.ts";
import { enqueue, type SqlRunner } from "../jobs/jobs.server.ts";
import { checkOperationInput, OPERATION_TIMEOUT_SECONDS, OPERATIONS_QUEUE, type OperationKind } from "./kinds.ts";

export interface QueueRequest<K extends OperationKind> {
  kind: K;
  slug: string | null;
  input: unknown;
  actor: AuditActor;
  ip?: string | null;
  userAgent?: string | null;
  /** The same key always yields the same operation: a form submitted twice queues once. */
  idempotencyKey?: string;
}

/**
 * Queues an agency action for the operations worker: its Operation row (the dashboard's view of
 * it) and its job (lib/jobs, same id) are written in one transaction, so neither exists without
 * the other. This is all the web app does for an action: it holds no administrative credentials
 * (docs/decisions/009, 039).
 */
export async function queueOperation<K extends OperationKind>(
  control: ControlDb,
  request: QueueRequest<K>,
): Promise<{ id: string; existing: boolean }> {
  const input = checkOperationInput(request.kind, request.input);
  if (request.idempotencyKey) {
    const earlier = await control.operation.findUnique({
      where: { idempotencyKey: request.idempotencyKey },
      select: { id: true },
    });
    if (earlier) return { id: earlier.id, existing: true };
  }
  if (request.kind === "provision" && request.slug) {
    const [tenant, pending] = await Promise.all([
      control.tenant.findUnique({ where: { slug: request.slug }, select: { status: true } }),
      control.operation.findFirst({
        where: { kind: "provision", slug: request.slug, status: { in: ["queued", "running"] } },
        select: { id: true, idempotencyKey: true },
      }),
    ]);
    // The same submission sent twice at once: the other copy queued it between our two reads.
    if (!tenant && pending && request.idempotencyKey && pending.idempotencyKey === request.idempotencyKey)
      return { id: pending.id, existing: true };
    if (tenant || pending)
      throw new TenantConflict(
        `the slug "${request.slug}" was just taken${tenant ? "" : " by another wizard"}; go back to Organisation and choose another`,
      );
  }
  try {
    const op = await control.$transaction(async (tx) => {
      const created = await tx.operation.create({
        data: {
          kind: request.kind,
          slug: request.slug,
          input: input as Prisma.InputJsonValue,
          idempotencyKey: request.idempotencyKey ?? null,
          actorType: request.actor.type,
          actorId: request.actor.id ?? null,
          actorLabel: request.actor.label.slice(0, 254),
          ip: request.ip?.slice(0, 45) ?? null,
          userAgent: request.userAgent?.slice(0, 300) ?? null,
        },
        select: { id: true },
      });
      await sendOperationJob(control, request.kind, created.id, tx);
      return created;
    });
    return { id: op.id, existing: false };
  } catch (error) {
    if (request.idempotencyKey && error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      const earlier = await control.operation.findUniqueOrThrow({
        where: { idempotencyKey: request.idempotencyKey },
        select: { id: true },
      });
      return { id: earlier.id, existing: true };
    }
    throw error;
  }
}

/**
 * Waits (polling) until the operation has finished or `timeoutMs` has passed. For quick actions
 * whose form shows the outcome in place, e.g. changing an agency user's role.
 */
export async function awaitOperation(
  control: ControlDb,
  id: string,
  timeoutMs = 10_000,
): Promise<{ status: "succeeded" | "failed" | "pending"; error: string | null; result: unknown }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const op = await control.operation.findUnique({
      where: { id },
      select: { status: true, error: true, result: true },
    });
    if (op && (op.status === "succeeded" || op.status === "failed"))
      return { status: op.status, error: op.error, result: op.result };
    if (Date.now() >= deadline) return { status: "pending", error: null, result: null };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The job that carries out operation `id`; sent again for the same id it queues nothing. */
export async function sendOperationJob(
  control: ControlDb,
  kind: OperationKind,
  id: string,
  tx?: SqlRunner,
): Promise<void> {
  await enqueue(
    control,
    OPERATIONS_QUEUE,
    { operationId: id },
    { id, expireInSeconds: OPERATION_TIMEOUT_SECONDS[kind] ?? 15 * 60, ...(tx ? { tx } : {}) },
  );
}
