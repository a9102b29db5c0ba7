import "server-only";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { generateToken, hashToken } from "./credentials.server.ts";
import { SsoRequiredRefused, ssoRequiredMessage, ssoRequirementFor } from "./sso-required.server.ts";

/** The accepted invitation's own sign-in: used by the browser straight away, so short-lived. */
const HAND_OFF_MINUTES = 2;

/** The invited email of a valid, unused, unexpired invitation token, or null (nothing consumed). */
export async function peekInvitation(
  tenant: ResolvedTenant,
  token: unknown,
): Promise<{ email: string; name: string } | null> {
  if (typeof token !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  return withTenantDb(tenant.id, async (db) => {
    const row = await db.loginToken.findFirst({
      where: { tokenHash: hashToken(token), purpose: "invite", usedAt: null, expiresAt: { gt: new Date() } },
    });
    if (!row) return null;
    const user = await db.user.findUnique({ where: { email: row.email }, select: { name: true, active: true } });
    return user?.active ? { email: row.email, name: user.name } : null;
  });
}

/** What accepting an invitation hands back: the account and a single-use sign-in for it. */
export interface AcceptedInvitation {
  email: string;
  /** A sign-in link token (purpose "sign-in") the browser spends at once, so nobody types the email again. */
  signInToken: string;
  /** Where the invitation leads: the staff area for staff and above, the account page for members. */
  next: string;
}

/**
 * Accepts an invitation: the token is claimed exactly once, then the invited user's password is
 * set and a short-lived sign-in token is issued for the same account (security case 50). Returns
 * null when the link is used, expired or unknown.
 */
export async function acceptInvitation(
  tenant: ResolvedTenant,
  token: unknown,
  passwordHash: string,
): Promise<AcceptedInvitation | null> {
  if (typeof token !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const tokenHash = hashToken(token);
  return withTenantDb(tenant.id, async (db) => {
    // Under "SSO required" (docs/decisions/047) an invitation to an address at a verified domain
    // sets no password: the person signs in through single sign-on, which finds the invited
    // account by its address. The invitation stays unused.
    const invited = await db.loginToken.findFirst({
      where: { tokenHash, purpose: "invite", usedAt: null, expiresAt: { gt: new Date() } },
      select: { email: true },
    });
    const required = invited ? await ssoRequirementFor(db, invited.email) : null;
    if (required) throw new SsoRequiredRefused(ssoRequiredMessage(required.provider));
    const claimed = await db.loginToken.updateMany({
      where: { tokenHash, purpose: "invite", usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    if (claimed.count !== 1) return null;
    const { email } = await db.loginToken.findUniqueOrThrow({ where: { tokenHash }, select: { email: true } });
    const updated = await db.user.updateMany({
      where: { email, active: true },
      data: { passwordHash, sessionVersion: { increment: 1 } },
    });
    if (updated.count !== 1) return null;
    const { role } = await db.user.findUniqueOrThrow({ where: { email }, select: { role: true } });
    const next = role === "member" ? "/account" : "/manage";
    const signInToken = generateToken();
    await db.loginToken.create({
      data: {
        tokenHash: hashToken(signInToken),
        email,
        purpose: "sign-in",
        returnTo: next,
        expiresAt: new Date(Date.now() + HAND_OFF_MINUTES * 60_000),
      },
    });
    return { email, signInToken, next };
  });
}
