import "server-only";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { hashToken } from "./credentials.server.ts";

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

/**
 * Accepts an invitation: the token is claimed exactly once, then the invited user's password is
 * set. Returns the email to sign in with, or null when the link is used, expired or unknown.
 */
export async function acceptInvitation(
  tenant: ResolvedTenant,
  token: unknown,
  passwordHash: string,
): Promise<string | null> {
  if (typeof token !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const tokenHash = hashToken(token);
  return withTenantDb(tenant.id, async (db) => {
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
    return updated.count === 1 ? email : null;
  });
}
