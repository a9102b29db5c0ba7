import "server-only";
import { generateToken, hashToken } from "./credentials.server.ts";
import type { ControlDb } from "../db/control.server.ts";
import { InvalidInput, PorticoError } from "../util/errors.ts";
import { agencyMemberInputs, type AgencyRole } from "./roles.ts";
import type { Invitations } from "../mail/invitations.ts";
import { flushOutbox, queueMail } from "../mail/outbox.server.ts";
import { AGENCY_MAIL, markMailDue } from "../platform/mail-queue.server.ts";
import { log } from "../observability/logger.ts";
import { agencyMailBrand } from "../platform/mail-brand.ts";
import type { HostConfig } from "../tenancy/host.ts";

/**
 * Agency membership: invite, change role, deactivate, reactivate. Run by the operations worker
 * (the web app may not change roles or activation: decision 009), each as an audited operation.
 * The last active owner can be neither demoted nor deactivated: the check and the change happen
 * in one transaction holding a lock on every active owner, so two owners demoting each other at
 * once cannot both succeed.
 */

export const AGENCY_INVITATION_DAYS = 7;

export class LastOwner extends PorticoError {
  override readonly name = "LastOwner";
}

const inviteSchema = agencyMemberInputs.invite;

/** Only an active agency owner may manage agency users: checked again when the operation runs. */
export async function assertOwner(control: ControlDb, actorId: string | null): Promise<void> {
  const actor = actorId
    ? await control.agencyUser.findUnique({ where: { id: actorId }, select: { role: true, active: true } })
    : null;
  if (!actor?.active || actor.role !== "owner")
    throw new InvalidInput("only an active agency owner can manage agency users");
}

export async function inviteAgencyUser(
  control: ControlDb,
  invitations: Invitations & { hosts: HostConfig },
  raw: unknown,
  invitedBy: string,
): Promise<{ userId: string; email: string }> {
  const input = inviteSchema.parse(raw);
  const existing = await control.agencyUser.findUnique({
    where: { email: input.email },
    select: { id: true, active: true, passwordHash: true },
  });
  if (existing?.active && existing.passwordHash)
    throw new InvalidInput(`${input.email} is already an agency user; change their role instead`);
  if (existing && !existing.active) throw new InvalidInput(`${input.email} was deactivated; reactivate them instead`);
  const token = generateToken();
  const link = invitations.link(invitations.hosts.agencyHost, `/invite?token=${encodeURIComponent(token)}`);
  const user = await control.$transaction(async (tx) => {
    const user = existing
      ? await tx.agencyUser.update({ where: { id: existing.id }, data: { name: input.name, role: input.role } })
      : await tx.agencyUser.create({ data: { email: input.email, name: input.name, role: input.role } });
    // A new invitation withdraws any earlier one.
    await tx.agencyInvitation.updateMany({
      where: { agencyUserId: user.id, usedAt: null },
      data: { expiresAt: new Date() },
    });
    await tx.agencyInvitation.create({
      data: {
        agencyUserId: user.id,
        tokenHash: hashToken(token),
        expiresAt: new Date(Date.now() + AGENCY_INVITATION_DAYS * 86_400_000),
      },
    });
    // The invitation and its email commit together (docs/decisions/040).
    await queueMail(tx, "control", [
      {
        to: input.email,
        fromName: "Portico",
        fromAddress: invitations.mailFrom ?? `no-reply@${invitations.hosts.agencyHost}`,
        content: {
          kind: "agency-invitation",
          name: input.name,
          invitedBy,
          role: input.role,
          link,
          days: AGENCY_INVITATION_DAYS,
        },
        brand: agencyMailBrand(invitations.hosts.agencyHost, invitations.link),
        locale: invitations.locale ?? null,
      },
    ]);
    await markMailDue(tx, AGENCY_MAIL);
    return user;
  });
  // This runs in the worker, not a request: send now. A refusal leaves the message queued with its
  // next attempt; the sweep retries it.
  await flushOutbox(control, "control", { transport: invitations.mail, limit: 100 }).catch((error: unknown) =>
    log().warn({ err: error }, "the agency invitation stays queued; the mail sweep will send it"),
  );

  return { userId: user.id, email: user.email };
}

/**
 * Changes a user's role or activation under the last-owner rule. Deactivation also bumps the
 * session version, so every session of that user ends on its next request.
 */
export async function changeAgencyUser(
  control: ControlDb,
  userId: string,
  change: { role: AgencyRole } | { active: boolean },
): Promise<{ email: string; role: AgencyRole; active: boolean; changed: boolean }> {
  return control.$transaction(async (tx) => {
    // Lock every active owner (and the target) first: the count below stays true until commit.
    const owners = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id::text FROM "AgencyUser" WHERE (role = 'owner' AND active) OR id = ${userId}::uuid ORDER BY id FOR UPDATE`;
    const user = await tx.agencyUser.findUnique({ where: { id: userId } });
    if (!user) throw new InvalidInput("that agency user does not exist");
    const activeOwners = owners.filter((o) => o.id !== userId).length + (user.role === "owner" && user.active ? 1 : 0);
    const losesOwner =
      user.role === "owner" &&
      user.active &&
      (("role" in change && change.role !== "owner") || ("active" in change && !change.active));
    if (losesOwner && activeOwners <= 1) {
      throw new LastOwner(`${user.email} is the last active owner and must stay one: make someone else an owner first`);
    }
    const data =
      "role" in change
        ? { role: change.role }
        : change.active
          ? { active: true }
          : { active: false, sessionVersion: { increment: 1 } };
    const changed = "role" in change ? user.role !== change.role : user.active !== change.active;
    if (!changed) return { email: user.email, role: user.role, active: user.active, changed: false };
    const updated = await tx.agencyUser.update({ where: { id: userId }, data });
    if ("active" in change && !change.active) {
      await tx.agencyInvitation.updateMany({
        where: { agencyUserId: userId, usedAt: null },
        data: { expiresAt: new Date() },
      });
    }
    return { email: updated.email, role: updated.role, active: updated.active, changed: true };
  });
}

/**
 * Accepts an invitation (the web app, on the agency host): the token is claimed exactly once,
 * then the password set. Returns the email to sign in with, or null for a used, expired or
 * unknown link, or a deactivated user.
 */
export async function acceptAgencyInvitation(
  control: ControlDb,
  token: unknown,
  passwordHash: string,
): Promise<string | null> {
  if (typeof token !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const tokenHash = hashToken(token);
  const claimed = await control.agencyInvitation.updateMany({
    where: { tokenHash, usedAt: null, expiresAt: { gt: new Date() } },
    data: { usedAt: new Date() },
  });
  if (claimed.count !== 1) return null;
  const invitation = await control.agencyInvitation.findUniqueOrThrow({
    where: { tokenHash },
    select: { user: { select: { id: true, email: true, active: true } } },
  });
  if (!invitation.user.active) return null;
  await control.agencyUser.update({ where: { id: invitation.user.id }, data: { passwordHash } });
  return invitation.user.email;
}

/** The invitation behind a link, without using it. */
export async function peekAgencyInvitation(
  control: ControlDb,
  token: unknown,
): Promise<{ email: string; name: string; role: string } | null> {
  if (typeof token !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = await control.agencyInvitation.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { usedAt: true, expiresAt: true, user: { select: { email: true, name: true, role: true, active: true } } },
  });
  if (!row || row.usedAt || row.expiresAt <= new Date() || !row.user.active) return null;
  return { email: row.user.email, name: row.user.name, role: row.user.role };
}
