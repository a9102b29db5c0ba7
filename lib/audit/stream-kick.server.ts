import "server-only";
import type { ControlDb } from "../db/control.server.ts";
import { enqueue } from "../jobs/jobs.server.ts";
import { AUDIT_DELIVER_QUEUE } from "../jobs/queues.ts";
import { log } from "../observability/logger.ts";

/**
 * Asks for the delivery of new audit entries of one scope (a tenant's, or null for the agency's)
 * to that scope's sinks (docs/decisions/049). Called after an entry is appended; it returns at
 * once and never throws: the asking (one control-plane read and one job per sink) runs in the
 * background, and the delivery itself runs on a job worker. A user's action never waits on a
 * SIEM, and a lost request is found by the "audit.sweep" job.
 */
export async function kickAuditStreams(tenantId: string | null): Promise<void> {
  // Without a kicker (scripts, the CLI), the worker's sweep finds the entry within a minute.
  const kicker = state().kicker;
  if (!kicker) return;
  try {
    void kicker(tenantId).catch((error: unknown) =>
      log().warn(
        { err: error, tenant: tenantId ?? "agency" },
        "could not ask for audit stream delivery; the sweep will",
      ),
    );
  } catch (error) {
    log().warn({ err: error }, "could not ask for audit stream delivery; the sweep will");
  }
}

/** Sends one "audit.deliver" job per enabled sink of the scope, keyed by the sink. */
export async function sendAuditDeliverJobs(control: ControlDb, tenantId: string | null): Promise<number> {
  const sinks = await control.auditSink.findMany({ where: { tenantId, enabled: true }, select: { id: true } });
  for (const sink of sinks) await sendAuditDeliverJob(control, sink.id);
  return sinks.length;
}

/** Queues a delivery of one sink; while one waits, asking again queues nothing (stately queue). */
export async function sendAuditDeliverJob(control: ControlDb, sinkId: string, startAfter?: Date): Promise<void> {
  await enqueue(
    control,
    AUDIT_DELIVER_QUEUE,
    { sinkId },
    { singletonKey: sinkId, ...(startAfter ? { startAfter } : {}) },
  );
}

type Kicker = (tenantId: string | null) => Promise<unknown>;
const KEY = Symbol.for("portico.audit-stream-kick");
function state(): { kicker: Kicker | null } {
  const holder = globalThis as { [KEY]?: { kicker: Kicker | null } };
  holder[KEY] ??= { kicker: null };
  return holder[KEY];
}

/**
 * How kicks ask: the web app sends jobs through its platform's control plane (instrumentation.ts,
 * through lib/platform/audit-streams.server.ts); tests pass their own; null stops asking.
 */
export function setAuditStreamKicker(kicker: Kicker | null): void {
  state().kicker = kicker;
}
