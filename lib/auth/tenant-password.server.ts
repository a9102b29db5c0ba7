import "server-only";
import { recipientLocale } from "./recipient-locale.server.ts";
import { recordTrailQuietly } from "../platform/record-trail.server.ts";
import type { User } from "next-auth";
import { emailAddress } from "../mail/address.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import { tenantAccount } from "../security/throttle.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { verifyPassword } from "./credentials.server.ts";
import { guardedPasswordCheck, tenantLockedOut } from "./lockouts.server.ts";
import { ssoRequiredMessage, tenantSsoRequirement } from "./sso-required.server.ts";

const email = emailAddress();

/** What a tenant session carries about its user: read again on every request by the guard. */
export function asSessionUser(user: {
  id: string;
  email: string;
  name: string;
  role: string;
  sessionVersion: number;
}): User {
  return { id: user.id, email: user.email, name: user.name, role: user.role, sv: user.sessionVersion };
}

/**
 * Email + password against this tenant's own database only (security case 10), under the
 * lockout rules: five wrong passwords lock the account, even the right one is then refused
 * (decision 019). A refusal is thrown so next-auth hands its message to the form.
 */
export async function authenticateTenantPassword(
  tenant: ResolvedTenant,
  rawEmail: unknown,
  password: unknown,
): Promise<User | null> {
  const parsed = email.safeParse(rawEmail);
  if (!parsed.success || typeof password !== "string" || password.length === 0 || password.length > 200) return null;
  // "SSO required" (docs/decisions/047) is decided from the address's domain, before and whatever
  // the account: every address at a verified domain gets the same answer, and only the
  // break-glass owner's right password signs in. Attempts still count under the lockout rules.
  const required = await tenantSsoRequirement(tenant.id, parsed.data);
  let known: string | null = null;
  const outcome = await guardedPasswordCheck(
    tenantAccount(tenant.id, parsed.data),
    async () => {
      const user = await withTenantDb(tenant.id, (db) => db.user.findUnique({ where: { email: parsed.data } }));
      known = user?.email ?? null;
      if (required && user?.id !== required.breakGlassUserId) {
        // The same work as a password check, so the answer's timing says nothing either.
        await verifyPassword(null, password);
        return { ok: false, owner: null };
      }
      const ok = await verifyPassword(user?.passwordHash, password);
      if (!ok || !user || !user.active)
        return { ok: false, owner: user?.active ? { email: user.email, name: user.name } : null };
      return { ok: true, user };
    },
    async (owner, lock, ip) =>
      tenantLockedOut(tenant, owner, lock, ip, undefined, await recipientLocale(tenant.id, owner.email)),
  );
  if (!outcome.ok) {
    // Failed sign-ins go into the tenant's trail (decision 048), naming the account only when it
    // exists: an address typed at random is not a person this portal knows.
    await recordTrailQuietly(tenant.id, {
      actor: { type: "anonymous", label: "anonymous" },
      action: "auth.sign-in-failed",
      ...(known ? { subject: { email: known } } : {}),
      details: { method: "password", why: outcome.refusal ? "locked" : required ? "sso-required" : "wrong" },
    });
    if (outcome.refusal) throw new Error(outcome.refusal.message);
    if (required) throw new Error(ssoRequiredMessage(required.provider));
    return null;
  }
  const user = outcome.user;
  await withTenantDb(tenant.id, (db) => db.user.update({ where: { id: user.id }, data: { lastSignInAt: new Date() } }));
  return asSessionUser(user);
}
