import "server-only";
import type { ControlDb } from "../db/control.server.ts";
import { kickAuditStreams } from "./stream-kick.server.ts";
import { GENESIS_HASH, entryHash, verifyRun, type ChainProblem, type StoredEntry } from "./chain.ts";

export interface AuditActor {
  type: "agency-user" | "tenant-user" | "cli" | "system";
  id?: string | null;
  /** An email address or a name such as "cli:ops". */
  label: string;
}

export interface AuditEvent {
  actor: AuditActor;
  /** Dotted verb: "tenant.create", "fleet.read", "fleet.migrate"… */
  action: string;
  tenantId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
}

// Appends are serialised so each entry chains onto the one before it.
const CHAIN_LOCK = 72_707_370;

/** Appends one entry to the control plane's audit log. */
export async function appendAudit(control: ControlDb, event: AuditEvent): Promise<{ id: bigint; hash: string }> {
  const appended = (await append(control, event, null)) as { id: bigint; hash: string };
  // The agency's audit streams (decision 049): asked for in the background, never awaited.
  await kickAuditStreams(null);
  return appended;
}

/**
 * Appends an entry unless the same actor already has one with the same action and
 * `details.what` since `since`: for page views that would otherwise fill the log (one line per
 * person per hour says who looked). Checked under the chain's lock, so two views at once write one.
 */
export async function appendAuditUnlessRecent(
  control: ControlDb,
  event: AuditEvent & { details: { what: string } },
  since: Date,
): Promise<{ id: bigint; hash: string } | null> {
  const appended = await append(control, event, since);
  if (appended) await kickAuditStreams(null);
  return appended;
}

async function append(
  control: ControlDb,
  event: AuditEvent,
  unlessSince: Date | null,
): Promise<{ id: bigint; hash: string } | null> {
  return control.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CHAIN_LOCK})`;
    if (unlessSince) {
      const recent = await tx.auditEntry.findFirst({
        where: {
          at: { gte: unlessSince },
          action: event.action,
          actorType: event.actor.type,
          actorId: event.actor.id ?? null,
          details: { path: ["what"], equals: String(event.details?.what ?? "") },
        },
        select: { id: true },
      });
      if (recent) return null;
    }
    const last = await tx.auditEntry.findFirst({ orderBy: { id: "desc" }, select: { hash: true } });
    const fields = {
      at: new Date(),
      actorType: event.actor.type,
      actorId: event.actor.id ?? null,
      actorLabel: event.actor.label.slice(0, 254),
      action: event.action,
      tenantId: event.tenantId ?? null,
      ip: event.ip?.slice(0, 45) ?? null,
      userAgent: event.userAgent?.slice(0, 300) ?? null,
      details: JSON.parse(JSON.stringify(event.details ?? {})) as Record<string, unknown>,
    };
    const prevHash = last?.hash ?? GENESIS_HASH;
    const hash = entryHash(prevHash, fields);
    const created = await tx.auditEntry.create({
      data: { ...fields, details: fields.details as object, prevHash, hash },
      select: { id: true },
    });
    return { id: created.id, hash };
  });
}

export type AuditVerification =
  | { ok: true; entries: number; head: string }
  | { ok: false; /** Entries verified before the problem. */ entries: number; problem: ChainProblem };

/** Walks the whole chain in id order, in batches. */
export async function verifyAuditChain(control: ControlDb, batchSize = 2_000): Promise<AuditVerification> {
  let prev = GENESIS_HASH;
  let cursor: bigint | undefined;
  let count = 0;
  for (;;) {
    const rows = await control.auditEntry.findMany({
      orderBy: { id: "asc" },
      take: batchSize,
      ...(cursor !== undefined ? { where: { id: { gt: cursor } } } : {}),
    });
    if (rows.length === 0) return { ok: true, entries: count, head: prev };
    const { problem, last, verified } = verifyRun(rows as StoredEntry[], prev);
    if (problem) return { ok: false, entries: count + verified, problem };
    prev = last;
    count += rows.length;
    cursor = rows[rows.length - 1]!.id;
  }
}
