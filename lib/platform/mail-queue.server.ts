import "server-only";
import { z } from "zod";
import type { ControlDb } from "../db/control.server.ts";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { enqueue } from "../jobs/jobs.server.ts";
import { MAIL_FLUSH_QUEUE } from "../jobs/queues.ts";
import {
  flushOutbox,
  pruneOutbox,
  queueMail,
  type FlushResult,
  type OutboxSql,
  type QueuedMail,
  type RetryPolicy,
} from "../mail/outbox.server.ts";
import type { MailTransport } from "../mail/transport.server.ts";
import { logContext } from "../observability/context.ts";
import { log } from "../observability/logger.ts";
import { platform } from "./platform.server.ts";
import { withTenantDb } from "./with-tenant-db.server.ts";

/**
 * Mail through outboxes (docs/decisions/040). A change that causes mail writes the message to the
 * outbox of the database it changes, in its own transaction; once committed, the app asks for a
 * flush of that outbox. Before a tenant transaction the app marks the tenant in the control plane's
 * "MailTarget" (one upsert), so a flush request lost with its process is found by the periodic
 * sweep, which reads that one table instead of every tenant database.
 *
 * The flush and the sweep are jobs of the job queue (lib/jobs, decision 039): the web app only
 * sends a "mail.flush" job (sendMailThroughJobQueue); every instance's worker runs them
 * (lib/operations/mail-jobs.server.ts), with its own connections (MailDeps), and sweeps every
 * minute. Without the queue (tests, scripts), a flush runs in the background of this process.
 */

/** What flushing needs: the control plane, a tenant's database, the way mail leaves. */
export interface MailDeps {
  control: ControlDb;
  withTenant<T>(tenantId: string, fn: (db: TenantDb) => Promise<T>): Promise<T>;
  transport: MailTransport;
}

/** The web app's own (this process's platform): the in-process flush and the tests use these. */
export function platformMailDeps(): MailDeps {
  const p = platform();
  return { control: p.control, withTenant: withTenantDb, transport: p.mail };
}

/** Whose outbox: a tenant database's, or the control plane's (the agency's own mail). */
export type MailTarget = { realm: "tenant"; tenantId: string } | { realm: "agency" };

export const AGENCY_MAIL: MailTarget = { realm: "agency" };
export const tenantMailTarget = (tenantId: string): MailTarget => ({ realm: "tenant", tenantId });

/** The outbox's key: "agency", or the tenant's id (the flush job's singleton key). */
export const targetKey = (t: MailTarget) => (t.realm === "agency" ? "agency" : t.tenantId);

/** A flush job's data, checked: jobs are read back from a table any release may have written. */
export const mailTargetSchema = z.discriminatedUnion("realm", [
  z.object({ realm: z.literal("tenant"), tenantId: z.guid() }),
  z.object({ realm: z.literal("agency") }),
]);

/**
 * How long a mark protects a transaction that has not committed yet: a flush that finds an empty
 * outbox keeps a mark this young due until it is this old, so a transaction committing just after
 * that flush (and whose process then died) is still swept.
 */
export const MARK_GRACE_MS = 2 * 60_000;

/** Pushes a swept target's next sweep past the flush it asked for; the flush then sets it. */
const SWEEP_LEASE_MS = 5 * 60_000;

/**
 * Records that `target` may soon have mail: call it before the transaction that queues the mail
 * (for the agency, inside it). Spurious marks cost one flush of an empty outbox.
 */
export async function markMailDue(control: Pick<ControlDb, "$executeRaw">, target: MailTarget): Promise<void> {
  const tenantId = target.realm === "tenant" ? target.tenantId : null;
  await control.$executeRaw`
    INSERT INTO "MailTarget" ("target", "tenantId", "markedAt", "dueAt")
    VALUES (${targetKey(target)}, ${tenantId}::uuid, now(), now() + ${MARK_GRACE_MS}::int * interval '1 millisecond')
    ON CONFLICT ("target") DO UPDATE SET "markedAt" = now(),
      "dueAt" = LEAST(COALESCE("MailTarget"."dueAt", 'infinity'), now() + ${MARK_GRACE_MS}::int * interval '1 millisecond')`;
}

/**
 * Runs `fn` with the tenant's database after marking the tenant, then asks for a flush once it has
 * committed. `fn` queues mail with queueTenantMail inside its own transaction.
 */
export async function withTenantMail<T>(tenantId: string, fn: (db: TenantDb) => Promise<T>): Promise<T> {
  const target = tenantMailTarget(tenantId);
  await markMailDue(platform().control, target);
  const result = await withTenantDb(tenantId, fn);
  await requestMailFlush(target);
  return result;
}

/** Writes tenant mail into the tenant's outbox with the caller's transaction. */
export function queueTenantMail(tx: Parameters<typeof queueMail>[0], mails: QueuedMail[]): Promise<void> {
  return queueMail(tx, "tenant", mails);
}

// ── asking for a flush ─────────────────────────────────────────────────────────────────────────

/** Asks for `target`'s outbox to be flushed soon. Resolves once asked, not once sent. */
export type MailFlushRequester = (target: MailTarget) => Promise<void>;

const KEY = Symbol.for("portico.mail-queue");
interface State {
  requester: MailFlushRequester | null;
  /** Whether flushes go to the job queue (another process sends the mail). */
  queued: boolean;
  retry: RetryPolicy | null;
  inflight: Map<string, { again: boolean; done: Promise<void> }>;
}
function state(): State {
  const holder = globalThis as { [KEY]?: State };
  holder[KEY] ??= { requester: null, queued: false, retry: null, inflight: new Map() };
  return holder[KEY];
}

/**
 * Replaces the in-process flush (tests, which flush at once or record the request). null
 * restores the in-process flush.
 */
export function setMailFlushRequester(requester: MailFlushRequester | null): void {
  state().requester = requester;
  state().queued = false;
}

/**
 * Sends a "mail.flush" job for `target`'s outbox. Keyed by the outbox (the queue's policy is
 * stately): while one waits, asking again queues nothing, and one asked for during a flush runs
 * after it, so mail committed meanwhile is not left waiting for the sweep.
 */
export async function sendMailFlushJob(control: ControlDb, target: MailTarget): Promise<void> {
  // The asking request's log context travels with the job, so the worker's lines about this
  // flush carry its request id and tenant (a coalesced request's lines carry the first one's).
  const { requestId, realm, tenant } = logContext() ?? {};
  const context = { ...(requestId ? { requestId } : {}), ...(realm ? { realm } : {}), ...(tenant ? { tenant } : {}) };
  await enqueue(control, MAIL_FLUSH_QUEUE, { ...target, context }, { singletonKey: targetKey(target) });
}

/** The log context a flush job carries (sendMailFlushJob), checked. */
export const mailJobContextSchema = z
  .object({
    requestId: z.string().max(100).optional(),
    realm: z.enum(["tenant", "agency", "none"]).optional(),
    tenant: z.string().max(100).optional(),
  })
  .catch({});

/**
 * The web app's way (instrumentation.ts): a flush is a job on the queue, which the workers run;
 * the web role may send jobs and nothing more (decision 039).
 */
export function sendMailThroughJobQueue(): void {
  state().requester = (target) => sendMailFlushJob(platform().control, target);
  state().queued = true;
}

/** The backoff every flush of this process uses unless told otherwise; null restores the default. */
export function setMailRetryPolicy(retry: RetryPolicy | null): void {
  state().retry = retry;
}

/**
 * After the cause has committed: ask for a flush. A failure to ask is logged, never thrown — the
 * mail is safely in the outbox and the mark makes the sweep find it.
 */
export async function requestMailFlush(target: MailTarget): Promise<void> {
  try {
    await (state().requester ?? flushInProcess)(target);
  } catch (error) {
    log().warn({ err: error, target: targetKey(target) }, "could not ask for a mail flush; the sweep will");
  }
}

/**
 * The in-process flush: starts at once in the background, one at a time per outbox; a request
 * arriving while one runs makes it run once more, so nothing committed meanwhile waits.
 */
function flushInProcess(target: MailTarget): Promise<void> {
  const { inflight } = state();
  const key = targetKey(target);
  const running = inflight.get(key);
  if (running) {
    running.again = true;
    return Promise.resolve();
  }
  const entry = { again: false, done: Promise.resolve() };
  entry.done = (async () => {
    try {
      do {
        entry.again = false;
        const result = await flushMail(target);
        if (result.more) entry.again = true;
      } while (entry.again);
    } catch (error) {
      log().warn({ err: error, target: key }, "mail flush failed; the sweep will try again");
    } finally {
      inflight.delete(key);
    }
  })();
  inflight.set(key, entry);
  return Promise.resolve();
}

/**
 * Resolves once every in-process flush of this process has finished (tests, the dev outbox page).
 * With the job queue, a worker sends: this waits (at most `timeoutMs`) until no outbox marked in
 * the last two minutes holds a message that has not had its first attempt yet.
 */
export async function mailFlushesSettled(options: { timeoutMs?: number } = {}): Promise<void> {
  const { inflight, queued } = state();
  while (inflight.size > 0) await Promise.all([...inflight.values()].map((e) => e.done));
  if (!queued) return;
  const { control } = platform();
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const marked = await control.$queryRaw<Array<{ tenantId: string | null }>>`
    SELECT "tenantId"::text FROM "MailTarget"
    WHERE "markedAt" > now() - ${MARK_GRACE_MS}::int * interval '1 millisecond'`;
  const unsent = async (sql: OutboxSql) =>
    sql.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM "MailOutbox" WHERE "status" = 'pending' AND "lastError" IS NULL`;
  for (const { tenantId } of marked) {
    const count = () =>
      (tenantId ? withTenantDb(tenantId, unsent) : unsent(control)).then(
        ([row]) => row?.n ?? 0,
        () => 0, // an outbox that cannot be read has nothing to wait for here
      );
    while ((await count()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  }
}

// ── flushing ───────────────────────────────────────────────────────────────────────────────────

export interface FlushOptions {
  retry?: RetryPolicy;
  /** Whose connections (default: this process's platform). */
  deps?: MailDeps;
  /** At most this many messages in this call (a queue job's bounded slice); `more` says if any remain. */
  limit?: number;
}

/**
 * Sends what is due in `target`'s outbox, then records in "MailTarget" when it is next due and any
 * message given up on. This is the "mail.flush" job's handler.
 */
export async function flushMail(target: MailTarget, options: FlushOptions = {}): Promise<FlushResult> {
  const { deps = platformMailDeps(), ...rest } = options;
  const flush = { retry: state().retry ?? undefined, ...rest, transport: deps.transport };
  const { control } = deps;
  let result: FlushResult;
  try {
    result =
      target.realm === "agency"
        ? await flushOutbox(control, "control", flush)
        : await deps.withTenant(target.tenantId, (db) =>
            flushOutbox(db, "tenant", { ...flush, tenantId: target.tenantId }),
          );
  } catch (error) {
    // The outbox could not be read (its database is down): try again later, mail stays queued.
    await control.$executeRaw`
      UPDATE "MailTarget" SET "dueAt" = now() + ${SWEEP_LEASE_MS}::int * interval '1 millisecond'
      WHERE "target" = ${targetKey(target)}`;
    throw error;
  }
  const nextDue = result.more ? new Date() : result.nextDueAt;
  const tenantId = target.realm === "tenant" ? target.tenantId : null;
  // Due again at the earliest retry; a mark younger than the grace stays due until the grace ends.
  await control.$executeRaw`
    INSERT INTO "MailTarget" ("target", "tenantId", "dueAt", "failed", "lastFailedAt", "lastError")
    VALUES (${targetKey(target)}, ${tenantId}::uuid, ${nextDue}::timestamptz, ${result.failed}::int,
            CASE WHEN ${result.failed}::int > 0 THEN now() END, ${result.lastFailure})
    ON CONFLICT ("target") DO UPDATE SET
      "dueAt" = CASE WHEN "MailTarget"."markedAt" > now() - ${MARK_GRACE_MS}::int * interval '1 millisecond'
                     THEN LEAST(COALESCE(${nextDue}::timestamptz, 'infinity'),
                                "MailTarget"."markedAt" + ${MARK_GRACE_MS}::int * interval '1 millisecond')
                     ELSE ${nextDue}::timestamptz END,
      "failed" = "MailTarget"."failed" + ${result.failed}::int,
      "lastFailedAt" = CASE WHEN ${result.failed}::int > 0 THEN now() ELSE "MailTarget"."lastFailedAt" END,
      "lastError" = COALESCE(${result.lastFailure}, "MailTarget"."lastError")`;
  if (result.sent || result.failed || result.retrying)
    log().info(
      { target: target.realm, sent: result.sent, failed: result.failed, retrying: result.retrying },
      "mail flushed",
    );
  return result;
}

/**
 * The periodic sweep: asks for a flush of every outbox whose "MailTarget" row is due — a retry's
 * time has come, or a mark whose flush request never came. Reads only that table; claims the rows
 * it takes (SKIP LOCKED), so two instances sweeping at once ask once. Returns how many it asked for.
 */
export async function sweepMail(
  options: { dueBy?: Date; max?: number; control?: ControlDb; request?: MailFlushRequester } = {},
): Promise<number> {
  const control = options.control ?? platform().control;
  const request = options.request ?? requestMailFlush;
  // Tenants offboarded since their mail was marked have no outbox left to flush.
  await control.$executeRaw`
    DELETE FROM "MailTarget" m WHERE m."tenantId" IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM "Tenant" t WHERE t."id" = m."tenantId")`;
  const due = await control.$queryRaw<Array<{ target: string; tenantId: string | null }>>`
    UPDATE "MailTarget" SET "dueAt" = now() + ${SWEEP_LEASE_MS}::int * interval '1 millisecond'
    WHERE "target" IN (SELECT "target" FROM "MailTarget" WHERE "dueAt" <= ${options.dueBy ?? new Date()}::timestamptz
                       ORDER BY "dueAt" LIMIT ${options.max ?? 500} FOR UPDATE SKIP LOCKED)
    RETURNING "target", "tenantId"::text`;
  for (const row of due) {
    const target = row.tenantId ? tenantMailTarget(row.tenantId) : AGENCY_MAIL;
    // One lost request leaves its row leased until the next sweep, never the others unasked.
    await request(target).catch((error: unknown) =>
      log().warn({ err: error, target: targetKey(target) }, "could not ask for a mail flush; the next sweep will"),
    );
  }
  return due.length;
}

/** Sent and failed messages are kept this long (the record of what went out), then deleted. */
export const MAIL_KEEP_DAYS = 30;

/**
 * Deletes sent and failed messages older than MAIL_KEEP_DAYS from the control plane's outbox and
 * from those of tenants that had mail marked since then (so an idle tenant's database is not
 * opened every time). Returns how many; an outbox that cannot be reached is left for next time.
 */
export async function pruneMail(deps: MailDeps, now = new Date()): Promise<{ deleted: number; skipped: number }> {
  const before = new Date(now.getTime() - MAIL_KEEP_DAYS * 86_400_000);
  let deleted = await pruneOutbox(deps.control, before);
  let skipped = 0;
  const tenants = await deps.control.$queryRaw<Array<{ tenantId: string }>>`
    SELECT m."tenantId"::text AS "tenantId" FROM "MailTarget" m JOIN "Tenant" t ON t."id" = m."tenantId"
    WHERE COALESCE(m."markedAt", ${now}::timestamptz) > ${before}::timestamptz - interval '1 day'`;
  for (const { tenantId } of tenants) {
    try {
      deleted += await deps.withTenant(tenantId, (db) => pruneOutbox(db, before));
    } catch (error) {
      skipped++;
      log().warn({ err: error, target: tenantId }, "could not prune a tenant's mail outbox; the next run will");
    }
  }
  return { deleted, skipped };
}
