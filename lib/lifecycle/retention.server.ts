import "server-only";
import { Prisma } from "../db/generated/tenant/client.ts";
import type { ControlDb } from "../db/control.server.ts";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { appendTenantAudit, pruneTenantAudit } from "../audit/tenant-trail.server.ts";
import { InvalidInput } from "../util/errors.ts";

/**
 * Retention (docs/decisions/050): per tenant, how many months registrations, attendee details,
 * messages and audit entries are kept, and the sweep that applies it. Past its period:
 * - a registration is anonymised (no name, email, answers or member; its status, check-in and
 *   event stay, so counts and an event's capacity history stay true);
 * - a registration's answers (attendee details) are cleared;
 * - a sent or failed message in the outbox is deleted (pending ones are never touched);
 * - audit entries are pruned through pruneTenantAudit (the chain resumes from its anchor).
 * What a run would do is counted first with the very conditions it applies, so a dry run's counts
 * are the applied counts when nothing changed between them. Each applied run that changed anything
 * appends one entry to the tenant's audit trail (actor "system: retention") with its counts.
 */

export interface RetentionPolicyValues {
  registrationsMonths: number | null;
  attendeeDetailsMonths: number | null;
  messagesMonths: number | null;
  auditMonths: number | null;
}

/** The defaults a new tenant gets (the migration's column defaults): documented in the README. */
export const RETENTION_DEFAULTS: RetentionPolicyValues = {
  registrationsMonths: 36,
  attendeeDetailsMonths: 12,
  messagesMonths: 6,
  auditMonths: 24,
};

export const RETENTION_FIELDS = [
  "registrationsMonths",
  "attendeeDetailsMonths",
  "messagesMonths",
  "auditMonths",
] as const satisfies ReadonlyArray<keyof RetentionPolicyValues>;

/** Shorter than a month is a typo more often than a policy; longer than 50 years is "forever". */
export const RETENTION_MIN_MONTHS = 1;
export const RETENTION_MAX_MONTHS = 600;

export interface RetentionCounts {
  /** Registrations to anonymise. */
  registrations: number;
  /** Registrations whose answers are cleared (and that are not anonymised in the same run). */
  attendeeDetails: number;
  /** Sent or failed outbox messages to delete. */
  messages: number;
  /** Audit entries to prune. */
  auditEntries: number;
}

export const NO_COUNTS: RetentionCounts = { registrations: 0, attendeeDetails: 0, messages: 0, auditEntries: 0 };

export const countsTotal = (c: RetentionCounts): number =>
  c.registrations + c.attendeeDetails + c.messages + c.auditEntries;

/** What a confirmation form carries back: the counts the person was shown, in one token. */
export const countsToken = (c: RetentionCounts): string =>
  `${c.registrations}.${c.attendeeDetails}.${c.messages}.${c.auditEntries}`;

/** `now` less `months` calendar months (UTC), or null for "keep forever". */
export function cutoff(now: Date, months: number | null): Date | null {
  if (months === null) return null;
  const d = new Date(now.getTime());
  d.setUTCMonth(d.getUTCMonth() - months);
  return d;
}

const FIELD_NAMES: Record<keyof RetentionPolicyValues, string> = {
  registrationsMonths: "registrations",
  attendeeDetailsMonths: "attendee details",
  messagesMonths: "messages",
  auditMonths: "audit entries",
};

/** Checks what a person typed for each period: a whole number of months, or empty for forever. */
export function parseRetentionPolicy(raw: Record<string, unknown>): RetentionPolicyValues {
  const out = {} as RetentionPolicyValues;
  for (const field of RETENTION_FIELDS) {
    const value = raw[field];
    const text = typeof value === "string" ? value.trim() : value === null || value === undefined ? "" : String(value);
    if (text === "") {
      out[field] = null;
      continue;
    }
    const n = Number(text);
    if (!Number.isInteger(n) || n < RETENTION_MIN_MONTHS || n > RETENTION_MAX_MONTHS)
      throw new InvalidInput(
        `Enter a whole number of months from ${RETENTION_MIN_MONTHS} to ${RETENTION_MAX_MONTHS} for ${FIELD_NAMES[field]}, or leave it empty to keep them forever.`,
      );
    out[field] = n;
  }
  return out;
}

/** True when `next` keeps any kind of data for less time than `current` does. */
export function shortens(current: RetentionPolicyValues, next: RetentionPolicyValues): boolean {
  return RETENTION_FIELDS.some((f) => next[f] !== null && (current[f] === null || next[f] < current[f]));
}

type Tx = Parameters<Parameters<TenantDb["$transaction"]>[0]>[0];
type Queryable = Pick<Tx, "$queryRaw" | "$executeRaw">;

/** The tenant's policy; the defaults while no one has saved one. */
export async function readRetentionPolicy(db: Pick<TenantDb, "retentionPolicy">): Promise<RetentionPolicyValues> {
  const row = await db.retentionPolicy.findUnique({ where: { id: 1 } });
  if (!row) return { ...RETENTION_DEFAULTS };
  return {
    registrationsMonths: row.registrationsMonths,
    attendeeDetailsMonths: row.attendeeDetailsMonths,
    messagesMonths: row.messagesMonths,
    auditMonths: row.auditMonths,
  };
}

// The conditions, shared by counting and applying so the two cannot drift apart. A registration
// counts from the end of its event; one already anonymised is never counted again.
const anonymiseWhere = (regCut: Date) => Prisma.sql`
  r."anonymisedAt" IS NULL AND r."eventId" IN (SELECT e."id" FROM "Event" e WHERE e."endsAt" < ${regCut})`;

const clearWhere = (detailsCut: Date, regCut: Date | null) => Prisma.sql`
  r."anonymisedAt" IS NULL AND r."detailsClearedAt" IS NULL
  AND r."eventId" IN (SELECT e."id" FROM "Event" e WHERE e."endsAt" < ${detailsCut}
    ${regCut ? Prisma.sql`AND NOT (e."endsAt" < ${regCut})` : Prisma.empty})`;

const messagesWhere = (msgCut: Date) => Prisma.sql`m."status" IN ('sent', 'failed') AND m."createdAt" < ${msgCut}`;

async function count(db: Queryable, query: Prisma.Sql): Promise<number> {
  const [row] = await db.$queryRaw<Array<{ n: bigint }>>(query);
  return Number(row?.n ?? 0);
}

/** What applying `policy` at `now` would do, counted; nothing is changed. */
export async function retentionPreview(
  db: Queryable,
  policy: RetentionPolicyValues,
  now = new Date(),
): Promise<RetentionCounts> {
  const regCut = cutoff(now, policy.registrationsMonths);
  const detailsCut = cutoff(now, policy.attendeeDetailsMonths);
  const msgCut = cutoff(now, policy.messagesMonths);
  const auditCut = cutoff(now, policy.auditMonths);
  return {
    registrations: regCut
      ? await count(db, Prisma.sql`SELECT count(*) AS n FROM "Registration" r WHERE ${anonymiseWhere(regCut)}`)
      : 0,
    attendeeDetails: detailsCut
      ? await count(db, Prisma.sql`SELECT count(*) AS n FROM "Registration" r WHERE ${clearWhere(detailsCut, regCut)}`)
      : 0,
    messages: msgCut
      ? await count(db, Prisma.sql`SELECT count(*) AS n FROM "MailOutbox" m WHERE ${messagesWhere(msgCut)}`)
      : 0,
    auditEntries: auditCut
      ? await count(
          db,
          // As pruneTenantAudit cuts: every entry before the first one that is still young.
          Prisma.sql`SELECT count(*) AS n FROM "AuditEntry" WHERE "id" <
            COALESCE((SELECT min("id") FROM "AuditEntry" WHERE "at" >= ${auditCut}), 9223372036854775807)`,
        )
      : 0,
  };
}

/**
 * The placeholder an anonymised registration's email becomes: unique per registration (one
 * registration per address per event stays true) and in the reserved .invalid domain.
 */
export const ANONYMISED_EMAIL_DOMAIN = "anonymised.invalid";

/** Anonymises the registrations matched by `where` (an SQL condition on alias r); their count. */
export async function anonymiseRegistrations(db: Queryable, where: Prisma.Sql, now: Date): Promise<number> {
  return db.$executeRaw`
    UPDATE "Registration" r SET
      "email" = r."id"::text || ${"@" + ANONYMISED_EMAIL_DOMAIN},
      "name" = '',
      "answers" = '{}'::jsonb,
      "userId" = NULL,
      "confirmTokenHash" = NULL,
      "detailsClearedAt" = COALESCE(r."detailsClearedAt", ${now}),
      "anonymisedAt" = ${now},
      "updatedAt" = ${now}
    WHERE ${where}`;
}

/**
 * Applies the tenant's saved policy (or `policy`) at `now`: registrations, answers and messages in
 * one transaction, then the audit prune, then one audit entry with the counts when anything was
 * done. Returns what it did.
 */
export async function applyRetention(
  db: TenantDb,
  options: { now?: Date; policy?: RetentionPolicyValues } = {},
): Promise<RetentionCounts> {
  const now = options.now ?? new Date();
  const policy = options.policy ?? (await readRetentionPolicy(db));
  const regCut = cutoff(now, policy.registrationsMonths);
  const detailsCut = cutoff(now, policy.attendeeDetailsMonths);
  const msgCut = cutoff(now, policy.messagesMonths);
  const auditCut = cutoff(now, policy.auditMonths);
  const done = await db.$transaction(async (tx) => {
    const registrations = regCut ? await anonymiseRegistrations(tx, anonymiseWhere(regCut), now) : 0;
    const attendeeDetails = detailsCut
      ? await tx.$executeRaw`
          UPDATE "Registration" r SET "answers" = '{}'::jsonb, "detailsClearedAt" = ${now}, "updatedAt" = ${now}
          WHERE ${clearWhere(detailsCut, regCut)}`
      : 0;
    const messages = msgCut ? await tx.$executeRaw`DELETE FROM "MailOutbox" m WHERE ${messagesWhere(msgCut)}` : 0;
    return { registrations, attendeeDetails, messages };
  });
  const auditEntries = auditCut ? await pruneTenantAudit(db, auditCut) : 0;
  const counts: RetentionCounts = { ...done, auditEntries };
  if (countsTotal(counts) > 0)
    await appendTenantAudit(db, {
      actor: { type: "system", label: "system: retention" },
      action: "retention.applied",
      details: { ...counts, policy: { ...policy } },
    });
  return counts;
}

export class RetentionNeedsConfirmation extends InvalidInput {
  constructor(readonly counts: RetentionCounts) {
    super(
      `This will anonymise ${counts.registrations} registration(s), clear the answers of ${counts.attendeeDetails}, delete ${counts.messages} message(s) and ${counts.auditEntries} audit entry(ies). Confirm to save and apply it.`,
    );
  }
}

/** Who changes the policy, as the tenant's audit trail names them. */
export interface RetentionEditor {
  email: string;
  name: string;
}

/**
 * Saves a new policy. One that shortens any period and would remove something must carry the
 * counts it was shown (`confirmed`, countsToken): they are computed again here, and a missing or
 * different token (the data changed since the preview) is refused with the current counts. A
 * confirmed shortening is applied at once, so what was shown is what happens; a lengthening or a
 * change that removes nothing is simply saved. Audited in the tenant's trail.
 */
export async function saveRetentionPolicy(
  db: TenantDb,
  editor: RetentionEditor,
  next: RetentionPolicyValues,
  confirmed: string | null,
  now = new Date(),
): Promise<{ applied: RetentionCounts | null; previous: RetentionPolicyValues }> {
  const previous = await readRetentionPolicy(db);
  const preview = await retentionPreview(db, next, now);
  const needsConfirmation = shortens(previous, next) && countsTotal(preview) > 0;
  if (needsConfirmation && confirmed !== countsToken(preview)) throw new RetentionNeedsConfirmation(preview);
  await db.retentionPolicy.upsert({
    where: { id: 1 },
    create: { id: 1, ...next, updatedAt: now },
    update: { ...next, updatedAt: now },
  });
  await appendTenantAudit(db, {
    actor: { type: "member", personEmail: editor.email, personName: editor.name, label: "member" },
    action: "retention.policy-changed",
    details: { previous: { ...previous }, next: { ...next } },
  });
  const applied = needsConfirmation ? await applyRetention(db, { now, policy: next }) : null;
  return { applied, previous };
}

/** A tenant the scheduled run covers: live ones only (a suspended portal's data is left as it is). */
export interface RetentionRunDeps {
  control: ControlDb;
  withTenant<T>(tenantId: string, fn: (db: TenantDb) => Promise<T>): Promise<T>;
}

export interface TenantRetentionOutcome {
  slug: string;
  counts?: RetentionCounts;
  error?: string;
}

/**
 * Runs retention over live tenants (or one, by slug), `concurrency` at a time. A tenant that fails
 * (its database unreachable) is reported and left for the next run; the others go on. With dryRun,
 * counts only.
 */
export async function runRetention(
  deps: RetentionRunDeps,
  options: { slug?: string; dryRun?: boolean; concurrency?: number; now?: Date } = {},
): Promise<TenantRetentionOutcome[]> {
  const tenants = await deps.control.tenant.findMany({
    where: { status: "active", ...(options.slug ? { slug: options.slug } : {}) },
    select: { id: true, slug: true },
    orderBy: { slug: "asc" },
  });
  if (options.slug && tenants.length === 0)
    throw new InvalidInput(`No live tenant is called "${options.slug}": \`npm run tenants -- list\` shows them.`);
  const outcomes: TenantRetentionOutcome[] = new Array(tenants.length);
  let next = 0;
  const worker = async () => {
    while (next < tenants.length) {
      const i = next++;
      const t = tenants[i]!;
      try {
        const counts = await deps.withTenant(t.id, async (db) =>
          options.dryRun
            ? retentionPreview(db, await readRetentionPolicy(db), options.now)
            : applyRetention(db, { ...(options.now ? { now: options.now } : {}) }),
        );
        outcomes[i] = { slug: t.slug, counts };
      } catch (error) {
        outcomes[i] = { slug: t.slug, error: error instanceof Error ? error.message : String(error) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  return outcomes;
}
