import "server-only";
import { Prisma } from "../db/generated/tenant/client.ts";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { appendTenantAudit, pseudonymiseAuditPerson, type TenantAuditEvent } from "../audit/tenant-trail.server.ts";
import { InvalidInput } from "../util/errors.ts";
import { anonymiseRegistrations } from "./retention.server.ts";

/**
 * Erasure of one member from a tenant's database (docs/decisions/051). Every personal field in
 * every table goes:
 * - their registrations (by account or by address) are anonymised, not deleted: the event's
 *   counts, check-ins and capacity history stay true;
 * - messages to them or naming them (the outbox) are deleted, as are their sign-in and email
 *   tokens and WebAuthn challenges;
 * - their account is deleted, and with it (foreign-key cascades) their sessions, passkeys,
 *   authenticator secret, recovery codes and SSO identities;
 * - "who changed it" labels holding their address (email domains, SSO and SAML settings) become
 *   "erased member";
 * - the audit trail keeps its entries and hash chain: the person they name is pseudonymised
 *   (pseudonymiseAuditPerson), and the erasure itself is recorded naming the person id only.
 * Nothing about the request is written to the agency's control plane.
 */

export const ERASED_LABEL = "erased member";

export class ErasureRefused extends InvalidInput {}

export interface ErasureResult {
  registrationsAnonymised: number;
  messagesDeleted: number;
  tokensDeleted: number;
  labelsCleared: number;
}

type Tx = Parameters<Parameters<TenantDb["$transaction"]>[0]>[0];

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

async function clearLabels(tx: Tx, email: string): Promise<number> {
  let n = 0;
  n += await tx.$executeRaw`UPDATE "EmailDomain" SET "createdBy" = ${ERASED_LABEL} WHERE lower("createdBy") = ${email}`;
  n +=
    await tx.$executeRaw`UPDATE "EmailDomain" SET "verifiedBy" = ${ERASED_LABEL} WHERE lower("verifiedBy") = ${email}`;
  n +=
    await tx.$executeRaw`UPDATE "SsoConnection" SET "updatedBy" = ${ERASED_LABEL} WHERE lower("updatedBy") = ${email}`;
  n += await tx.$executeRaw`UPDATE "SamlConfig" SET "updatedBy" = ${ERASED_LABEL} WHERE lower("updatedBy") = ${email}`;
  return n;
}

/** Every personal field of one member, in the caller's transaction (see the module's comment). */
async function eraseRows(
  tx: Tx,
  user: { id: string; email: string; name: string },
  options: { now: Date; handledById: string | null; requestId?: string | undefined },
): Promise<ErasureResult> {
  const { email, name } = user;
  const now = options.now;
  const emailLike = `%${escapeLike(email)}%`;
  // A name shorter than three letters would match unrelated words; the address still finds those messages.
  const nameLike = name.length >= 3 ? `%${escapeLike(name)}%` : null;

  const registrationsAnonymised = await anonymiseRegistrations(
    tx,
    Prisma.sql`(r."userId" = ${user.id}::uuid OR lower(r."email") = ${email}) AND r."anonymisedAt" IS NULL`,
    now,
  );
  // Registrations anonymised earlier still held the email only as a placeholder: nothing more to do.
  const messagesDeleted = await tx.$executeRaw`
    DELETE FROM "MailOutbox" m
    WHERE lower(m."toAddress") = ${email}
       OR m."content"::text ILIKE ${emailLike}
       OR m."brand"::text ILIKE ${emailLike}
       ${nameLike ? Prisma.sql`OR m."content"::text ILIKE ${nameLike}` : Prisma.empty}`;
  const tokensDeleted =
    (await tx.$executeRaw`DELETE FROM "LoginToken" WHERE lower("email") = ${email} OR "userId" = ${user.id}::uuid`) +
    (await tx.$executeRaw`DELETE FROM "WebAuthnChallenge" WHERE "userId" = ${user.id}::uuid`);
  const labelsCleared = await clearLabels(tx, email);
  await tx.$executeRaw`UPDATE "PortalSettings" SET "ssoBreakGlassUserId" = NULL WHERE "ssoBreakGlassUserId" = ${user.id}::uuid`;
  // Cascades: UserSession, Passkey, UserTotp, RecoveryCode, SsoIdentity.
  await tx.user.delete({ where: { id: user.id } });
  if (options.requestId)
    await tx.dataSubjectRequest.updateMany({
      where: { id: options.requestId, userId: user.id, kind: "erasure", status: "requested" },
      data: { status: "completed", completedAt: now, handledById: options.handledById },
    });
  // Any other open request of theirs is answered by the erasure too.
  await tx.dataSubjectRequest.updateMany({
    where: { userId: user.id, status: "requested" },
    data: { status: "completed", completedAt: now, handledById: options.handledById },
  });
  return { registrationsAnonymised, messagesDeleted, tokensDeleted, labelsCleared };
}

/**
 * Erases the member `userId`, carried out by `handler` (an owner or admin of the same portal, who
 * may not erase themselves); completes `requestId` when given. Owners are refused: a portal must
 * keep its owners, so ownership is handed over first.
 */
export async function eraseMember(
  db: TenantDb,
  userId: string,
  handler: { id: string; email: string; name: string },
  options: { requestId?: string; now?: Date } = {},
): Promise<ErasureResult> {
  const now = options.now ?? new Date();
  const user = await db.user.findUnique({
    where: { id: userId },
    select: { id: true, email: true, name: true, role: true },
  });
  if (!user) throw new ErasureRefused("That member no longer exists: they may have been erased already.");
  if (user.role === "owner")
    throw new ErasureRefused(
      "Owners cannot be erased: make someone else the owner and change this person's role first.",
    );
  if (user.id === handler.id)
    throw new ErasureRefused("You cannot carry out your own erasure: ask another owner or admin of this portal.");
  const email = user.email.toLowerCase();
  const name = user.name.trim();
  const result = await db.$transaction((tx) =>
    eraseRows(tx, { id: user.id, email, name }, { now, handledById: handler.id, requestId: options.requestId }),
  );

  await recordErasure(
    db,
    { type: "member", personEmail: handler.email, personName: handler.name, label: "member" },
    { email, name },
    { ...result, ...(options.requestId ? { requestId: options.requestId } : {}) },
  );
  return result;
}

/**
 * Records an erasure against the person (an AuditPerson row found or made by the address), then
 * pseudonymises the person: this entry and every earlier one keep their hashes and name the id only.
 */
async function recordErasure(
  db: TenantDb,
  actor: TenantAuditEvent["actor"],
  person: { email: string; name: string },
  details: Record<string, unknown>,
): Promise<void> {
  await appendTenantAudit(db, { actor, action: "privacy.erasure", subject: person, details });
  await pseudonymiseAuditPerson(db, person.email);
}

/** A completed erasure request, as kept in the tenant's database. */
export interface CompletedErasure {
  id: string;
  userId: string;
  requestedAt: Date;
  completedAt: Date | null;
  handledById: string | null;
}

/**
 * After a restore (docs/decisions/052): a backup made before an erasure still holds the member,
 * so each erasure carried out is done again on the restored rows and its request is kept as it
 * was (completed). Each is recorded in the trail as the system's, naming the person id only. A
 * member who is an owner in the restored rows is left for a person to hand ownership over first,
 * and returned.
 */
export async function reapplyErasures(
  db: TenantDb,
  requests: readonly CompletedErasure[],
  now = new Date(),
): Promise<{ erased: number; ownersLeft: string[] }> {
  let erased = 0;
  const ownersLeft: string[] = [];
  for (const request of requests) {
    const { id, ...kept } = request;
    const keep = { kind: "erasure", status: "completed", ...kept };
    const user = await db.user.findUnique({
      where: { id: request.userId },
      select: { id: true, email: true, name: true, role: true },
    });
    if (user?.role === "owner") ownersLeft.push(user.id);
    if (!user || user.role === "owner") {
      await db.dataSubjectRequest.upsert({ where: { id }, create: { id, ...keep }, update: keep });
      continue;
    }
    const email = user.email.toLowerCase();
    const name = user.name.trim();
    const result = await db.$transaction(async (tx) => {
      const rows = await eraseRows(tx, { id: user.id, email, name }, { now, handledById: null });
      await tx.dataSubjectRequest.upsert({ where: { id }, create: { id, ...keep }, update: keep });
      return rows;
    });
    await recordErasure(
      db,
      { type: "system", label: "system: restore" },
      { email, name },
      { ...result, requestId: id, reapplied: "after a restore" },
    );
    erased += 1;
  }
  return { erased, ownersLeft };
}
