import "server-only";
import type { ControlDb } from "../db/control.server.ts";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { flushOutbox, queueMail, type FlushResult, type QueuedMail, type RetryPolicy } from "../mail/outbox.server.ts";
import { log } from "../observability/logger.ts";
import { platform } from "./platform.server.ts";
import { withTenantDb } from "./with-tenant-db.server.ts";

/**
 * Mail through outboxes (docs/decisions/040). A change that causes mail writes the message to the
 * outbox of the database it changes, in its own transaction; once committed, the app asks for a
 * flush of that outbox. Before a tenant transaction the app marks the tenant in the control plane's
 * "MailTarget" (one upsert), so a flush request lost with its process is found by the periodic
 * sweep, which reads that one table instead of every tenant database.
 */

/** Whose outbox: a tenant database's, or the control plane's (the agency's own mail). */
export type MailTarget = { realm: "tenant"; tenantId: string } | { realm: "agency" };

export const AGENCY_MAIL: MailTarget = { realm: "agency" };
export const tenantMailTarget = (tenantId: string): MailTarget => ({ realm: "tenant", tenantId });

const targetKey = (t: MailTarget) => (t.realm === "agency" ? "agency" : t.tenantId);

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
  retry: RetryPolicy | null;
  inflight: Map<string, { again: boolean; done: Promise<void> }>;
}
function state(): State {
  const holder = globalThis as { [KEY]?: State };
  holder[KEY] ??= { requester: null, retry: null, inflight: new Map() };
  return holder[KEY];
}

/**
 * Replaces the in-process flush with a queue: the job queue's "mail.flush" job (whose handler
 * calls flushMail) is what production wires here. null restores the in-process flush.
 */
export function setMailFlushRequester(requester: MailFlushRequester | null): void {
  state().requester = requester;
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

/** Resolves once every in-process flush of this process has finished (tests, the dev outbox page). */
export async function mailFlushesSettled(): Promise<void> {
  const { inflight } = state();
  while (inflight.size > 0) await Promise.all([...inflight.values()].map((e) => e.done));
}

// ── flushing ───────────────────────────────────────────────────────────────────────────────────

export interface FlushOptions {
  retry?: RetryPolicy;
  /** At most this many messages in this call (a queue job's bounded slice); `more` says if any remain. */
  limit?: number;
}

/**
 * Sends what is due in `target`'s outbox, then records in "MailTarget" when it is next due and any
 * message given up on. This is the "mail.flush" job's handler.
 */
export async function flushMail(target: MailTarget, options: FlushOptions = {}): Promise<FlushResult> {
  const p = platform();
  options = { retry: state().retry ?? undefined, ...options };
  let result: FlushResult;
  try {
    result =
      target.realm === "agency"
        ? await flushOutbox(p.control, "control", { transport: p.mail, ...options })
        : await withTenantDb(target.tenantId, (db) =>
            flushOutbox(db, "tenant", { transport: p.mail, tenantId: target.tenantId, ...options }),
          );
  } catch (error) {
    // The outbox could not be read (its database is down): try again later, mail stays queued.
    await p.control.$executeRaw`
      UPDATE "MailTarget" SET "dueAt" = now() + ${SWEEP_LEASE_MS}::int * interval '1 millisecond'
      WHERE "target" = ${targetKey(target)}`;
    throw error;
  }
  const nextDue = result.more ? new Date() : result.nextDueAt;
  const tenantId = target.realm === "tenant" ? target.tenantId : null;
  // Due again at the earliest retry; a mark younger than the grace stays due until the grace ends.
  await p.control.$executeRaw`
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
export async function sweepMail(options: { dueBy?: Date; max?: number } = {}): Promise<number> {
  const { control } = platform();
  // Tenants offboarded since their mail was marked have no outbox left to flush.
  await control.$executeRaw`
    DELETE FROM "MailTarget" m WHERE m."tenantId" IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM "Tenant" t WHERE t."id" = m."tenantId")`;
  const due = await control.$queryRaw<Array<{ target: string; tenantId: string | null }>>`
    UPDATE "MailTarget" SET "dueAt" = now() + ${SWEEP_LEASE_MS}::int * interval '1 millisecond'
    WHERE "target" IN (SELECT "target" FROM "MailTarget" WHERE "dueAt" <= ${options.dueBy ?? new Date()}::timestamptz
                       ORDER BY "dueAt" LIMIT ${options.max ?? 500} FOR UPDATE SKIP LOCKED)
    RETURNING "target", "tenantId"::text`;
  for (const row of due) await requestMailFlush(row.tenantId ? tenantMailTarget(row.tenantId) : AGENCY_MAIL);
  return due.length;
}

/** Sweeps every `intervalMs` in this process until stopped (until the job queue's cron takes over). */
export function startMailSweep(intervalMs = 60_000): { stop(): void } {
  const timer = setInterval(() => {
    sweepMail().catch((error: unknown) => log().warn({ err: error }, "mail sweep failed"));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
