import "server-only";
import type { ControlDb } from "../db/control.server.ts";
import type { Keyring } from "../db/keyring.server.ts";
import { TenantClientCache } from "../db/client-cache.ts";
import { createTenantDb, tenantRequestConnection, type TenantDb } from "../db/tenant-db.server.ts";
import type { JobWorker } from "../jobs/jobs.server.ts";
import { MAIL_FLUSH_QUEUE, MAIL_SWEEP_QUEUE } from "../jobs/queues.ts";
import { warmMailRenderer } from "../mail/render.server.ts";
import type { MailTransport } from "../mail/transport.server.ts";
import {
  flushMail,
  mailJobContextSchema,
  mailTargetSchema,
  sendMailFlushJob,
  sweepMail,
  type MailDeps,
} from "../platform/mail-queue.server.ts";
import { withLogContext } from "../observability/context.ts";
import { errorMessage } from "../util/errors.ts";

/** Messages one "mail.flush" job sends before it queues the next slice and returns. */
export const MAIL_FLUSH_SLICE = 500;

/** Every minute: the outboxes whose retry is due or whose flush request was lost. */
export const MAIL_SWEEP_CRON = "* * * * *";

export interface MailJobs {
  /** This worker's connections for mail (the housekeeping prunes outboxes with them). */
  deps: MailDeps;
  /** Resolves once the queues are registered and the sweep scheduled (after the worker started). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs the mail outbox's jobs on this process's job worker (decision 040): "mail.flush" sends one
 * outbox's due mail in bounded slices, each slice queueing the next, so a message to 10,000
 * readers never holds a worker or a request for long; "mail.sweep" runs every minute on whichever
 * instance is free. The worker reaches tenant outboxes with each tenant's own role, through the
 * server's PgBouncer when it has one, like a request (the flush keeps no session state), from a
 * small client cache of its own.
 */
export function startMailJobs(
  jobs: JobWorker,
  options: {
    control: ControlDb;
    keyring: Keyring;
    transport: MailTransport;
    /** Outboxes flushed at once by this process. */
    concurrency?: number;
    slice?: number;
    sweepCron?: string;
    log?: (line: string) => void;
  },
): MailJobs {
  const { control, keyring, transport } = options;
  const concurrency = options.concurrency ?? 2;
  const tenants = new TenantClientCache<TenantDb>(
    async (tenantId) => {
      const { url } = await tenantRequestConnection(control, keyring, tenantId);
      return createTenantDb(url, `mail ${tenantId}`, { poolSize: 2, idleMs: 10_000, connectTimeoutMs: 5_000 });
    },
    { budget: Math.max(4, concurrency * 2), poolSize: 2, idleMs: 60_000 },
  );
  const deps: MailDeps = { control, transport, withTenant: (tenantId, fn) => tenants.use(tenantId, fn) };
  const slice = options.slice ?? MAIL_FLUSH_SLICE;
  // The render thread loads its templates now, not while the first flush waits on it.
  warmMailRenderer();

  const register = async () => {
    await jobs.registerQueue<object>(
      MAIL_FLUSH_QUEUE,
      async (data) => {
        const parsed = mailTargetSchema.safeParse(data);
        if (!parsed.success) {
          options.log?.(`mail: a flush job with unreadable data was dropped (${parsed.error.message})`);
          return;
        }
        // A failure to reach the outbox throws: the queue tries again with backoff (lib/jobs/queues.ts).
        const context = mailJobContextSchema.parse((data as { context?: unknown }).context ?? {});
        await withLogContext(context, async () => {
          const result = await flushMail(parsed.data, { deps, limit: slice });
          if (result.more) await sendMailFlushJob(control, parsed.data);
        });
      },
      undefined,
      concurrency,
    );
    await jobs.registerQueue(MAIL_SWEEP_QUEUE, async () => {
      const asked = await sweepMail({ control, request: (target) => sendMailFlushJob(control, target) });
      if (asked > 0) options.log?.(`mail: the sweep asked for ${asked} outbox flush(es)`);
    });
    await jobs.schedule(MAIL_SWEEP_QUEUE, options.sweepCron ?? MAIL_SWEEP_CRON);
  };
  return {
    deps,
    ready: register(),
    async close() {
      await tenants.closeAll().catch((error: unknown) => options.log?.(`mail: ${errorMessage(error)}`));
    },
  };
}
