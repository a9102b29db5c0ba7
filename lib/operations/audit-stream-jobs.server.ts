import "server-only";
import { z } from "zod";
import { deliverSink, sweepAuditSinks, type StreamDeps } from "../audit/stream-delivery.server.ts";
import { sendAuditDeliverJob } from "../audit/stream-kick.server.ts";
import { TenantClientCache } from "../db/client-cache.ts";
import type { ControlDb } from "../db/control.server.ts";
import type { Keyring } from "../db/keyring.server.ts";
import { createTenantDb, tenantRequestConnection, type TenantDb } from "../db/tenant-db.server.ts";
import type { JobWorker } from "../jobs/jobs.server.ts";
import { AUDIT_DELIVER_QUEUE, AUDIT_SWEEP_QUEUE } from "../jobs/queues.ts";
import { errorMessage } from "../util/errors.ts";

/** Every minute: sinks whose retry is due, or whose delivery request was lost. */
export const AUDIT_SWEEP_CRON = "* * * * *";

export interface AuditStreamJobs {
  deps: StreamDeps;
  /** Resolves once the queues are registered and the sweep scheduled. */
  ready: Promise<void>;
  close(): Promise<void>;
}

const jobData = z.object({ sinkId: z.guid() });

/**
 * Runs audit-stream delivery on this process's job worker (decision 049). "audit.deliver"
 * delivers one sink (keyed by sink, so one at a time per sink); a delivery that leaves more
 * queues the next slice, a failed one queues its retry for when the sink's backoff ends.
 * Tenant entries are read with each tenant's own role, from a small client cache of its own.
 */
export function startAuditStreamJobs(
  jobs: JobWorker,
  options: {
    control: ControlDb;
    keyring: Keyring;
    allowPrivate: boolean;
    concurrency?: number;
    sweepCron?: string;
    delivery?: Partial<Pick<StreamDeps, "batchSize" | "maxBatches" | "timeoutMs" | "retryBaseMs" | "hostname">>;
    log?: (line: string) => void;
  },
): AuditStreamJobs {
  const { control, keyring } = options;
  const concurrency = options.concurrency ?? 2;
  const tenants = new TenantClientCache<TenantDb>(
    async (tenantId) => {
      const { url } = await tenantRequestConnection(control, keyring, tenantId);
      return createTenantDb(url, `audit-stream ${tenantId}`, { poolSize: 1, idleMs: 10_000, connectTimeoutMs: 5_000 });
    },
    { budget: Math.max(2, concurrency), poolSize: 1, idleMs: 60_000 },
  );
  const deps: StreamDeps = {
    control,
    keyring,
    allowPrivate: options.allowPrivate,
    withTenant: (tenantId, fn) => tenants.use(tenantId, fn),
    ...options.delivery,
  };
  const register = async () => {
    await jobs.registerQueue<object>(
      AUDIT_DELIVER_QUEUE,
      async (data) => {
        const parsed = jobData.safeParse(data);
        if (!parsed.success) {
          options.log?.(`audit-stream: a delivery job with unreadable data was dropped (${parsed.error.message})`);
          return;
        }
        const { sinkId } = parsed.data;
        const result = await deliverSink(deps, sinkId);
        if (result.status === "delivered" && result.more) await sendAuditDeliverJob(control, sinkId);
        if (result.status === "failed") {
          options.log?.(`audit-stream: sink ${sinkId}: ${result.error}; next attempt ${result.retryAt.toISOString()}`);
          await sendAuditDeliverJob(control, sinkId, result.retryAt);
        }
      },
      undefined,
      concurrency,
    );
    await jobs.registerQueue(AUDIT_SWEEP_QUEUE, async () => {
      await sweepAuditSinks(control, (sinkId) => sendAuditDeliverJob(control, sinkId));
    });
    await jobs.schedule(AUDIT_SWEEP_QUEUE, options.sweepCron ?? AUDIT_SWEEP_CRON);
  };
  return {
    deps,
    ready: register(),
    async close() {
      await tenants.closeAll().catch((error: unknown) => options.log?.(`audit-stream: ${errorMessage(error)}`));
    },
  };
}
