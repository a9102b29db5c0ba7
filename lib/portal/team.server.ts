import "server-only";
import { generateToken, hashToken } from "../auth/credentials.server.ts";
import { publicLink } from "../auth/origin.server.ts";
import { assertTenantRole, type TenantRole, type TenantUser } from "../auth/tenant-guard.server.ts";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import { InvalidInput } from "../util/errors.ts";
import { checkEmailAddress } from "../mail/address.ts";
import { INVITATION_DAYS } from "../provisioning/invite.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { queuePortalMail } from "./member.server.ts";
import { withTenantMail } from "../platform/mail-queue.server.ts";
import type { MailLocale } from "../mail/messages/index.ts";

/**
 * The portal's team: staff, admins and owners. Admins manage staff and admins; only owners make or
 * unmake owners; the last active owner can be neither demoted nor removed, even when two owners
 * act at once (owners are counted under a lock).
 */

const RANK: Record<TenantRole, number> = { member: 0, staff: 1, admin: 2, owner: 3 };
export const TEAM_ROLES = ["staff", "admin", "owner"] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

export class TeamRefused extends InvalidInput {}

function mayAssign(by: TenantUser, role: TenantRole): boolean {
  return RANK[by.role] >= RANK.admin && (role !== "owner" || by.role === "owner");
}

type Tx = Parameters<Parameters<TenantDb["$transaction"]>[0]>[0];

/** Refuses when the change would leave no active owner. Locks the owners' rows while it decides. */
async function keepAnOwner(tx: Tx, userId: string, after: { role: TenantRole; active: boolean }): Promise<void> {
  const owners = await tx.$queryRaw<
    Array<{ id: string }>
  >`SELECT id::text FROM "User" WHERE role = 'owner' AND active ORDER BY id FOR UPDATE`;
  const stillOwner = after.role === "owner" && after.active;
  if (!stillOwner && owners.length === 1 && owners[0]?.id === userId) {
    throw new TeamRefused("This is the portal's last owner: make someone else an owner first.");
  }
}

/** The team (staff, admins, owners) as admins see it on the team page. */
export async function teamMembers(tenant: ResolvedTenant, admin: TenantUser) {
  assertTenantRole(admin, tenant, "admin");
  return withTenantDb(tenant.id, (db) =>
    db.user.findMany({
      where: { role: { in: ["staff", "admin", "owner"] } },
      orderBy: [{ role: "desc" }, { name: "asc" }],
      take: 500,
      select: { id: true, name: true, email: true, role: true, active: true, passwordHash: true },
    }),
  ).then((rows) => rows.map(({ passwordHash, ...r }) => ({ ...r, invited: !passwordHash })));
}

/**
 * Invites someone to the team. A new address gets an account without a password and a single-use
 * invitation link (7 days); an existing member is given the role and told by email.
 */
export async function inviteToTeam(
  tenant: ResolvedTenant,
  by: TenantUser,
  input: { email: string; name: string; role: string },
  locale?: MailLocale,
): Promise<"invited" | "promoted"> {
  // Checked with the mail layer's own rule before anything is written: no member without an invitation.
  const address = checkEmailAddress(input.email, "Enter the person's email address, e.g. jo@client.example.");
  if (!address.ok) throw new TeamRefused(address.message);
  const email = address.email;
  const name = input.name.trim().slice(0, 120);
  if (!name) throw new TeamRefused("Enter the person's name.");
  const role = TEAM_ROLES.find((r) => r === input.role);
  if (!role) throw new TeamRefused("Choose a role: staff, admin or owner.");
  if (!mayAssign(by, role))
    throw new TeamRefused(
      role === "owner" ? "Only an owner can make someone an owner." : "Only admins and owners manage the team.",
    );
  const token = generateToken();
  // The invitation (or promotion) and its email commit together.
  return withTenantMail(tenant.id, (db) =>
    db.$transaction(async (tx) => {
      const existing = await tx.user.findUnique({ where: { email } });
      if (existing?.passwordHash && existing.active) {
        if (RANK[existing.role] >= RANK[role])
          throw new TeamRefused(
            `${existing.name} is already ${existing.role === "admin" ? "an admin" : `a ${existing.role}`}.`,
          );
        await tx.user.update({ where: { id: existing.id }, data: { role } });
        await queuePortalMail(tx, tenant, [
          {
            to: email,
            content: {
              kind: "team-promotion",
              name,
              by: by.name,
              role,
              link: publicLink(tenant.primaryHost, "/sign-in"),
            },
            locale,
          },
        ]);
        return "promoted" as const;
      }
      await tx.user.upsert({ where: { email }, create: { email, name, role }, update: { name, role, active: true } });
      await tx.loginToken.updateMany({
        where: { email, purpose: "invite", usedAt: null },
        data: { expiresAt: new Date() },
      });
      await tx.loginToken.create({
        data: {
          tokenHash: hashToken(token),
          email,
          purpose: "invite",
          expiresAt: new Date(Date.now() + INVITATION_DAYS * 86_400_000),
        },
      });
      await queuePortalMail(tx, tenant, [
        {
          to: email,
          content: {
            kind: "team-invitation",
            name,
            invitedBy: by.name,
            role,
            link: publicLink(tenant.primaryHost, `/invite?token=${encodeURIComponent(token)}`),
            days: INVITATION_DAYS,
          },
          locale,
        },
      ]);
      return "invited" as const;
    }),
  );
}

/** Changes someone's role in one tenant database (the core of changeRole, testable on its own). */
export async function changeRoleIn(
  db: TenantDb,
  by: Pick<TenantUser, "role">,
  userId: string,
  roleInput: string,
): Promise<void> {
  const role = (["member", ...TEAM_ROLES] as const).find((r) => r === roleInput);
  if (!role) throw new TeamRefused("Choose a role: member, staff, admin or owner.");
  await db.$transaction(async (tx) => {
    const target = await tx.user.findUnique({ where: { id: userId } });
    if (!target) throw new TeamRefused("There is no such person.");
    if (!mayAssign(by as TenantUser, role) || !mayAssign(by as TenantUser, target.role)) {
      throw new TeamRefused(
        target.role === "owner" || role === "owner"
          ? "Only an owner can change an owner's role or make an owner."
          : "Only admins and owners manage the team.",
      );
    }
    await keepAnOwner(tx, target.id, { role, active: target.active });
    // A changed role takes effect on the next request: sessions carry the session version.
    await tx.user.update({ where: { id: target.id }, data: { role, sessionVersion: { increment: 1 } } });
  });
}

/** Deactivates someone and ends their sessions (the core of removeFromTeam). */
export async function removeIn(db: TenantDb, by: Pick<TenantUser, "role">, userId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const target = await tx.user.findUnique({ where: { id: userId } });
    if (!target) throw new TeamRefused("There is no such person.");
    if (!mayAssign(by as TenantUser, target.role))
      throw new TeamRefused(
        target.role === "owner" ? "Only an owner can remove an owner." : "Only admins and owners manage the team.",
      );
    await keepAnOwner(tx, target.id, { role: target.role, active: false });
    await tx.user.update({ where: { id: target.id }, data: { active: false, sessionVersion: { increment: 1 } } });
  });
}

export function changeRole(tenant: ResolvedTenant, by: TenantUser, userId: string, role: string): Promise<void> {
  return withTenantDb(tenant.id, (db) => changeRoleIn(db, by, userId, role));
}

export function removeFromTeam(tenant: ResolvedTenant, by: TenantUser, userId: string): Promise<void> {
  return withTenantDb(tenant.id, (db) => removeIn(db, by, userId));
}

export { RANK as TEAM_RANK };
