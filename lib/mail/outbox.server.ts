import "server-only";
import { LRUCache } from "lru-cache";
import type { MailBrand, MailContent } from "./content.ts";
import { MAIL_LOCALES, type MailLocale } from "./messages/index.ts";
import { personalise, type PersonalisableMail } from "./personalise.ts";
import { renderPersonalisableOffThread } from "./render.server.ts";
import { deliverMail, deliverRendered } from "./send.server.ts";
import { SMTP_CONNECTIONS, type MailTransport } from "./transport.server.ts";
import { metrics } from "../observability/metrics.ts";
import { log } from "../observability/logger.ts";

/**
 * The mail outbox (docs/decisions/040): a message is written as a row in the same transaction as
 * the change that causes it, in the database that change happens in (a tenant's, or the control
 * plane for the agency's own mail), and a flush sends the rows that are due. The row holds what the
 * templates render — the content, the brand, the language — so sending needs no other lookup.
 *
 * Both databases have the same "MailOutbox" table; the control plane's also names the tenant a
 * message speaks for. Plain SQL keeps one implementation for both Prisma clients.
 */

/** What the outbox needs of a client or an interactive transaction: tagged-template SQL. */
export interface OutboxSql {
  $queryRaw<T = unknown>(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<T>;
  $executeRaw(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<number>;
}

export interface QueuedMail {
  to: string;
  fromName: string;
  fromAddress: string;
  content: MailContent;
  brand: MailBrand;
  /** The reader's language, decided when the cause happened; null for English. */
  locale: MailLocale | null;
  /** Control plane only: the tenant a message speaks for (null for the agency's own mail). */
  tenantId?: string | null;
}

/** Which outbox: a tenant database's, or the control plane's (which has the tenantId column). */
export type OutboxKind = "tenant" | "control";

/**
 * Writes messages to the outbox with the caller's client or transaction: call it inside the
 * transaction that makes the change the messages tell of, so both commit or neither does.
 */
export async function queueMail(sql: OutboxSql, kind: OutboxKind, mails: QueuedMail[]): Promise<void> {
  if (mails.length === 0) return;
  // One statement for any number of messages: parallel arrays, unnested into rows.
  const to = mails.map((m) => m.to);
  const fromName = mails.map((m) => m.fromName.slice(0, 120));
  const fromAddress = mails.map((m) => m.fromAddress);
  const content = mails.map((m) => serialiseContent(m.content));
  const brand = mails.map((m) => JSON.stringify(m.brand));
  const locale = mails.map((m) => m.locale);
  if (kind === "control") {
    const tenantId = mails.map((m) => m.tenantId ?? null);
    await sql.$executeRaw`
      INSERT INTO "MailOutbox" ("id", "toAddress", "fromName", "fromAddress", "content", "brand", "locale", "tenantId")
      SELECT gen_random_uuid(), t, fn, fa, c::jsonb, b::jsonb, l, tid::uuid
      FROM unnest(${to}::text[], ${fromName}::text[], ${fromAddress}::text[], ${content}::text[], ${brand}::text[],
                  ${locale}::text[], ${tenantId}::text[]) AS m(t, fn, fa, c, b, l, tid)`;
  } else {
    await sql.$executeRaw`
      INSERT INTO "MailOutbox" ("id", "toAddress", "fromName", "fromAddress", "content", "brand", "locale")
      SELECT gen_random_uuid(), t, fn, fa, c::jsonb, b::jsonb, l
      FROM unnest(${to}::text[], ${fromName}::text[], ${fromAddress}::text[], ${content}::text[], ${brand}::text[],
                  ${locale}::text[]) AS m(t, fn, fa, c, b, l)`;
  }
}

/** Dates travel as ISO strings in JSON; these are the fields the templates read as dates. */
export function serialiseContent(content: MailContent): string {
  return JSON.stringify(content);
}

export function reviveContent(raw: unknown): MailContent {
  const content = (typeof raw === "string" ? JSON.parse(raw) : raw) as Record<string, unknown>;
  const copy: Record<string, unknown> = { ...content };
  if (typeof copy.until === "string") copy.until = new Date(copy.until);
  if (copy.event && typeof copy.event === "object") {
    const event = { ...(copy.event as Record<string, unknown>) };
    for (const key of ["startsAt", "endsAt"]) if (typeof event[key] === "string") event[key] = new Date(event[key]);
    copy.event = event;
  }
  return copy as unknown as MailContent;
}

export interface RetryPolicy {
  /** The delay before attempt n+1 after n failed attempts. */
  delayMs(attempts: number): number;
  /** After this many failed attempts the message is marked failed. */
  maxAttempts: number;
  /** How long a claimed row is kept from other flushes while it is being sent. */
  leaseMs: number;
}

/** 30 s, 1 min, 2 min … capped at an hour; ten attempts span about four hours. */
export const DEFAULT_RETRY: RetryPolicy = {
  delayMs: (attempts) => Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000),
  maxAttempts: 10,
  leaseMs: 5 * 60_000,
};

export interface FlushResult {
  sent: number;
  /** Given up on: a permanent refusal (5xx, an unrenderable message) or too many attempts. */
  failed: number;
  /** Failed this time, pending again at a later nextAttemptAt. */
  retrying: number;
  /** The first message given up on in this flush, for the agency's view. */
  lastFailure: string | null;
  /** When the earliest message still pending is due, or null when none is. */
  nextDueAt: Date | null;
  /** True when the flush stopped at its row limit with messages still due. */
  more: boolean;
}

/**
 * Claims up to `take` due rows: FOR UPDATE SKIP LOCKED, so concurrent flushes never take the same
 * row, and nextAttemptAt pushed past the lease in the same statement.
 */
function claim(sql: OutboxSql, kind: OutboxKind, take: number, leaseMs: number): PromiseLike<ClaimedRow[]> {
  if (kind === "control")
    return sql.$queryRaw<ClaimedRow[]>`
      UPDATE "MailOutbox" SET "attempts" = "attempts" + 1,
             "nextAttemptAt" = now() + ${leaseMs}::int * interval '1 millisecond'
      WHERE "id" IN (SELECT "id" FROM "MailOutbox" WHERE "status" = 'pending' AND "nextAttemptAt" <= now()
                     ORDER BY "nextAttemptAt", "createdAt" LIMIT ${take} FOR UPDATE SKIP LOCKED)
      RETURNING "id"::text, "toAddress", "fromName", "fromAddress", "content", "brand", "locale", "attempts",
                "tenantId"::text`;
  return sql.$queryRaw<ClaimedRow[]>`
    UPDATE "MailOutbox" SET "attempts" = "attempts" + 1,
           "nextAttemptAt" = now() + ${leaseMs}::int * interval '1 millisecond'
    WHERE "id" IN (SELECT "id" FROM "MailOutbox" WHERE "status" = 'pending' AND "nextAttemptAt" <= now()
                   ORDER BY "nextAttemptAt", "createdAt" LIMIT ${take} FOR UPDATE SKIP LOCKED)
    RETURNING "id"::text, "toAddress", "fromName", "fromAddress", "content", "brand", "locale", "attempts",
              NULL::text AS "tenantId"`;
}

type RenderArgs = { brand: MailBrand; locale: MailLocale | undefined };

interface ClaimedRow {
  id: string;
  toAddress: string;
  fromName: string;
  fromAddress: string;
  content: unknown;
  brand: MailBrand;
  locale: string | null;
  attempts: number;
  tenantId: string | null;
}

/**
 * A refusal that retrying cannot change: the server's 5xx answer (a mailbox that does not exist),
 * or a message the layer itself refuses to build.
 */
export function isPermanent(error: unknown): boolean {
  const e = error as { responseCode?: unknown; name?: unknown } | null;
  if (e && typeof e.responseCode === "number") return e.responseCode >= 500 && e.responseCode < 600;
  return e?.name === "InvalidInput";
}

function describe(error: unknown): string {
  const e = error as { response?: unknown; message?: unknown } | null;
  const text = typeof e?.response === "string" ? e.response : String(e?.message ?? error);
  return text.replace(/\s+/g, " ").slice(0, 500);
}

function asLocale(value: string | null): MailLocale | undefined {
  return MAIL_LOCALES.find((l) => l === value);
}

/**
 * Messages many readers get (a message to every attendee is one row per reader, differing only by
 * name) are rendered once per language and brand, each reader's name then put in its place
 * (lib/mail/personalise.ts). Kept across flushes: a bulk message is sent in several slices.
 */
const sharedRenders = new LRUCache<string, Promise<PersonalisableMail | null>>({ max: 64 });

/** What rows that can share one rendering have in common, or null for a row with no reader's name. */
function sharedKey(row: ClaimedRow): string | null {
  const content = (typeof row.content === "string" ? JSON.parse(row.content) : row.content) as Record<string, unknown>;
  const { name, ...rest } = content;
  if (typeof name !== "string") return null;
  return JSON.stringify([row.locale, row.brand, rest]);
}

/**
 * Sends what is due in one outbox. Rows are claimed in batches by one statement (FOR UPDATE SKIP
 * LOCKED, so concurrent flushes never take the same row) that also pushes nextAttemptAt past a
 * lease: no transaction stays open while the mail server talks, and a flush that dies mid-send
 * leaves its rows to be tried again once the lease ends. Each outcome is one statement: sent, due
 * again later with backoff, or failed.
 */
export async function flushOutbox(
  sql: OutboxSql,
  kind: OutboxKind,
  options: {
    transport: MailTransport;
    /** The tenant whose database this is (tenant outboxes); control rows carry their own. */
    tenantId?: string | null;
    retry?: RetryPolicy;
    batchSize?: number;
    /** Stop after this many rows (a queue job's bounded slice); the rest stay due. */
    limit?: number;
    /** Messages sent at once within a batch. */
    concurrency?: number;
  },
): Promise<FlushResult> {
  const retry = options.retry ?? DEFAULT_RETRY;
  const batchSize = options.batchSize ?? 100;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const counter = metrics().mail;
  const transportKind = options.transport.kind;
  const result: FlushResult = { sent: 0, failed: 0, retrying: 0, lastFailure: null, nextDueAt: null, more: false };
  let handled = 0;
  for (;;) {
    const take = Math.min(batchSize, limit - handled);
    if (take <= 0) {
      result.more = true;
      break;
    }
    const rows = await claim(sql, kind, take, retry.leaseMs);
    if (rows.length === 0) break;
    handled += rows.length;
    const keys = new Map(rows.map((row) => [row.id, sharedKey(row)]));
    const readers = new Map<string, number>();
    for (const key of keys.values()) if (key) readers.set(key, (readers.get(key) ?? 0) + 1);
    // One rendering for rows that share it (more than one reader here, or already rendered).
    const renderFor = async (row: ClaimedRow, content: MailContent, render: RenderArgs) => {
      const key = keys.get(row.id);
      if (!key || ((readers.get(key) ?? 0) < 2 && !sharedRenders.has(key))) return null;
      let shared = sharedRenders.get(key);
      if (!shared) {
        shared = renderPersonalisableOffThread(content, render).catch(() => null);
        sharedRenders.set(key, shared);
      }
      const template = await shared;
      return template && personalise(template, (content as { name: string }).name);
    };
    const queue = [...rows];
    const worker = async () => {
      for (let row = queue.shift(); row; row = queue.shift()) await sendOne(row);
    };
    const sendOne = async (row: ClaimedRow) => {
      try {
        const envelope = {
          tenantId: kind === "control" ? row.tenantId : (options.tenantId ?? null),
          to: row.toAddress,
          fromName: row.fromName,
          fromAddress: row.fromAddress,
        };
        const content = reviveContent(row.content);
        const render = { brand: row.brand, locale: asLocale(row.locale) };
        const mail = await renderFor(row, content, render);
        const sent = mail
          ? await deliverRendered(options.transport, envelope, mail)
          : await deliverMail(options.transport, envelope, content, render);
        // Done with: the content shrinks to its kind. Sign-in and invitation links carry single-use
        // tokens the database otherwise keeps only as hashes (security case 62).
        await sql.$executeRaw`
          UPDATE "MailOutbox" SET "status" = 'sent', "sentAt" = now(), "messageId" = ${sent.id.slice(0, 250)},
                 "lastError" = NULL, "content" = jsonb_build_object('kind', "content"->'kind')
          WHERE "id" = ${row.id}::uuid`;
        result.sent++;
        counter.inc({ transport: transportKind, outcome: "sent" });
        // No address or subject: the line carries the context of whoever asked for the flush.
        log().info({ transport: transportKind, messageId: sent.id, outboxId: row.id }, "mail sent");
      } catch (error) {
        const reason = describe(error);
        if (isPermanent(error) || row.attempts >= retry.maxAttempts) {
          await sql.$executeRaw`
            UPDATE "MailOutbox" SET "status" = 'failed', "lastError" = ${reason},
                   "content" = jsonb_build_object('kind', "content"->'kind')
            WHERE "id" = ${row.id}::uuid`;
          result.failed++;
          result.lastFailure = reason;
          counter.inc({ transport: transportKind, outcome: "failed" });
          // No address: the outbox row says which message; the line says why.
          log().warn({ transport: transportKind, outboxId: row.id, attempts: row.attempts, reason }, "mail failed");
        } else {
          await sql.$executeRaw`
            UPDATE "MailOutbox" SET "lastError" = ${reason},
                   "nextAttemptAt" = now() + ${Math.round(retry.delayMs(row.attempts))}::int * interval '1 millisecond'
            WHERE "id" = ${row.id}::uuid`;
          result.retrying++;
          counter.inc({ transport: transportKind, outcome: "retry" });
          log().info({ transport: transportKind, outboxId: row.id, attempts: row.attempts, reason }, "mail deferred");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? SMTP_CONNECTIONS, rows.length) }, worker));
  }
  const [next] = await sql.$queryRaw<Array<{ at: Date | null }>>`
    SELECT min("nextAttemptAt") AS at FROM "MailOutbox" WHERE "status" = 'pending'`;
  result.nextDueAt = next?.at ?? null;
  return result;
}

/**
 * Deletes sent and failed messages created before `before`, at most `limit` in one statement;
 * returns how many. Pending mail is never touched, however old.
 */
export async function pruneOutbox(sql: OutboxSql, before: Date, limit = 10_000): Promise<number> {
  return sql.$executeRaw`
    DELETE FROM "MailOutbox" WHERE "id" IN (
      SELECT "id" FROM "MailOutbox" WHERE "status" IN ('sent', 'failed') AND "createdAt" < ${before}::timestamptz
      LIMIT ${limit})`;
}
