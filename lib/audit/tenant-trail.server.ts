import "server-only";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { GENESIS_HASH, chainHash, verifyRun, type ChainProblem } from "./chain.ts";
import { kickAuditStreams } from "./stream-kick.server.ts";

/**
 * The tenant's own audit trail (docs/decisions/048), kept in the tenant's database: sign-ins, team,
 * settings and event changes, exports, check-ins, messages, and every access by the agency.
 * Hash-chained like the agency log (lib/audit/chain.ts) and append-only by trigger. Entries name
 * people by AuditPerson id only, so erasure pseudonymises the person and the chain still verifies.
 */

export type TenantActorType = "member" | "agency" | "system" | "anonymous";

export interface TenantAuditEvent {
  actor: {
    type: TenantActorType;
    /** A member's (or would-be member's) email: identity goes to AuditPerson, never inline. */
    personEmail?: string | null;
    personName?: string | null;
    /** Non-personal: "member", "agency: ops@agency.example", "system: retention", "anonymous". */
    label: string;
  };
  /** Dotted verb: "auth.sign-in", "team.invite", "event.update"… (see lib/audit/trail-actions.ts). */
  action: string;
  /** The person the action was about (invited member, attendee checked in…). */
  subject?: { email: string; name?: string | null } | null;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
  /** The tenant whose database this is: tells the audit streams to look. Not stored. */
  tenantId?: string | null;
}

/** Every column of an entry except id and hash, in the order they are hashed. */
export interface TenantChainFields {
  at: Date;
  actorType: string;
  actorPersonId: string | null;
  actorLabel: string;
  action: string;
  subjectPersonId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: unknown;
}

export function tenantEntryHash(prevHash: string, f: TenantChainFields): string {
  return chainHash(prevHash, [
    "tenant-trail/1",
    f.at.toISOString(),
    f.actorType,
    f.actorPersonId,
    f.actorLabel,
    f.action,
    f.subjectPersonId,
    f.ip,
    f.userAgent,
    f.details,
  ]);
}

// Appends are serialised per tenant database so each entry chains onto the one before it.
const TRAIL_LOCK = 72_707_371;

type Tx = Parameters<Parameters<TenantDb["$transaction"]>[0]>[0];

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

async function personId(tx: Tx, email: string | null | undefined, name: string | null | undefined) {
  if (!email) return null;
  const key = normaliseEmail(email).slice(0, 254);
  const cleanName = name?.trim().slice(0, 200) || null;
  const row = await tx.auditPerson.upsert({
    where: { email: key },
    create: { email: key, name: cleanName },
    update: cleanName ? { name: cleanName } : {},
    select: { id: true },
  });
  return row.id;
}

/** Appends one entry to this tenant's trail. Throws if it cannot be written (decision 048). */
export async function appendTenantAudit(db: TenantDb, event: TenantAuditEvent): Promise<{ id: bigint; hash: string }> {
  const written = await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${TRAIL_LOCK})`;
    const actorPersonId = await personId(tx, event.actor.personEmail, event.actor.personName);
    const subjectPersonId = event.subject ? await personId(tx, event.subject.email, event.subject.name) : null;
    const prevHash = await headHash(tx);
    const fields: TenantChainFields = {
      at: new Date(),
      actorType: event.actor.type,
      actorPersonId,
      actorLabel: event.actor.label.slice(0, 254),
      action: event.action.slice(0, 64),
      subjectPersonId,
      ip: event.ip?.slice(0, 45) ?? null,
      userAgent: event.userAgent?.slice(0, 300) ?? null,
      details: JSON.parse(JSON.stringify(event.details ?? {})) as Record<string, unknown>,
    };
    const hash = tenantEntryHash(prevHash, fields);
    const created = await tx.auditEntry.create({
      data: { ...fields, details: fields.details as object, prevHash, hash },
      select: { id: true },
    });
    return { id: created.id, hash };
  });
  void kickAuditStreams(event.tenantId ?? null).catch(() => undefined);
  return written;
}

/** The hash the next entry chains onto: the newest entry's, else the anchor's, else genesis. */
async function headHash(tx: Tx): Promise<string> {
  const last = await tx.auditEntry.findFirst({ orderBy: { id: "desc" }, select: { hash: true } });
  if (last) return last.hash;
  const anchor = await tx.auditAnchor.findUnique({ where: { id: 1 } });
  return anchor?.prunedThroughHash ?? GENESIS_HASH;
}

export type TenantTrailVerification =
  | { ok: true; entries: number; head: string }
  | { ok: false; /** Entries verified before the problem. */ entries: number; problem: ChainProblem };

/** Walks the trail in id order, in batches, from the anchor (or genesis). */
export async function verifyTenantTrail(db: TenantDb, batchSize = 2_000): Promise<TenantTrailVerification> {
  const anchor = await db.auditAnchor.findUnique({ where: { id: 1 } });
  let prev = anchor?.prunedThroughHash ?? GENESIS_HASH;
  let cursor: bigint | undefined = anchor?.prunedThroughId;
  let count = 0;
  for (;;) {
    const rows = await db.auditEntry.findMany({
      orderBy: { id: "asc" },
      take: batchSize,
      ...(cursor !== undefined ? { where: { id: { gt: cursor } } } : {}),
    });
    if (rows.length === 0) return { ok: true, entries: count, head: prev };
    const { problem, last, verified } = verifyRun(rows, prev, tenantEntryHash);
    if (problem) return { ok: false, entries: count + verified, problem };
    prev = last;
    count += rows.length;
    cursor = rows[rows.length - 1]!.id;
  }
}

/**
 * Deletes the entries written before `before` (retention) and moves the anchor to the last one
 * deleted, in one transaction, so the rest still verifies. People no entry names any more are
 * deleted too. Returns how many entries were deleted.
 */
export async function pruneTenantAudit(db: TenantDb, before: Date): Promise<number> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${TRAIL_LOCK})`;
    // Cut by id, not by time alone: everything before the first entry that is still young goes.
    const firstKept = await tx.auditEntry.findFirst({
      where: { at: { gte: before } },
      orderBy: { id: "asc" },
      select: { id: true },
    });
    const last = await tx.auditEntry.findFirst({
      where: firstKept ? { id: { lt: firstKept.id } } : {},
      orderBy: { id: "desc" },
      select: { id: true, hash: true },
    });
    if (!last) return 0;
    await tx.$queryRaw`SELECT set_config('portico.audit_prune', 'on', true)`;
    const { count } = await tx.auditEntry.deleteMany({ where: { id: { lte: last.id } } });
    const anchor = { prunedThroughId: last.id, prunedThroughHash: last.hash, prunedAt: new Date() };
    await tx.auditAnchor.upsert({ where: { id: 1 }, create: { id: 1, ...anchor }, update: anchor });
    await tx.auditPerson.deleteMany({ where: { actorOf: { none: {} }, subjectOf: { none: {} } } });
    return count;
  });
}

/**
 * Erasure: the person's email and name are removed from the trail's people; their entries keep
 * the person id (shown as a pseudonym), so every hash still verifies. Returns rows changed (0 or 1).
 */
export async function pseudonymiseAuditPerson(db: TenantDb, email: string): Promise<number> {
  const { count } = await db.auditPerson.updateMany({
    where: { email: normaliseEmail(email) },
    data: { email: null, name: null, erasedAt: new Date() },
  });
  return count;
}

/** How an erased person is shown: stable per person, names no one. */
export function pseudonymOf(personId: string): string {
  return `erased-${personId.slice(0, 8)}`;
}
