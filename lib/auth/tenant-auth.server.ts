import "server-only";
import type { AuthOptions, User } from "next-auth";
import { getServerSession } from "next-auth/next";
import Credentials from "next-auth/providers/credentials";
import { redirect } from "next/navigation";
import { requireRuntime } from "../config/env.server.ts";
import { emailAddress } from "../mail/address.ts";
import { withTenantDb } from "../db/with-tenant-db.server.ts";
import { platform } from "../platform.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { requestOrigin } from "../audit/request.server.ts";
import { deriveSessionSecret, generateToken, hashToken, verifyPassword } from "./credentials.server.ts";
import { activeImpersonation, consumeImpersonation, type ActiveImpersonation } from "./impersonation.server.ts";
import { passwordProvider, realmAuthOptions } from "./options.server.ts";
import { guardedPasswordCheck, limitAttempt, tenantLockedOut } from "../security/lockouts.server.ts";
import { tenantAccount, type Refusal } from "../security/throttle.server.ts";
import { currentOrigin, publicLink } from "./origin.server.ts";
import { assertTenantRole, markVerified, type TenantRole, type Verified } from "./verified.ts";

export { assertTenantRole, type TenantRole };
export type TenantUser = Verified<TenantUserFields>;
interface TenantUserFields {
  tenantId: string;
  id: string;
  email: string;
  name: string;
  role: TenantRole;
  /** Present while an agency owner is viewing the portal as this user. */
  impersonation?: ActiveImpersonation;
}

const email = emailAddress();
const SIGN_IN_LINK_MINUTES = 15;

function asSessionUser(user: { id: string; email: string; name: string; role: string; sessionVersion: number }): User {
  return { id: user.id, email: user.email, name: user.name, role: user.role, sv: user.sessionVersion };
}

/**
 * Email + password against this tenant's own database only (security case 10), under the
 * lockout rules: five wrong passwords lock the account, even the right one is then refused
 * (decision 019). A refusal is thrown so next-auth hands its message to the form.
 */
export async function authenticateTenantPassword(tenant: ResolvedTenant, rawEmail: unknown, password: unknown): Promise<User | null> {
  const parsed = email.safeParse(rawEmail);
  if (!parsed.success || typeof password !== "string" || password.length === 0 || password.length > 200) return null;
  const outcome = await guardedPasswordCheck(
    tenantAccount(tenant.id, parsed.data),
    async () => {
      const user = await withTenantDb(tenant.id, (db) => db.user.findUnique({ where: { email: parsed.data } }));
      const ok = await verifyPassword(user?.passwordHash, password);
      if (!ok || !user || !user.active) return { ok: false, owner: user?.active ? { email: user.email, name: user.name } : null };
      return { ok: true, user };
    },
    (owner, lock, ip) => tenantLockedOut(tenant, owner, lock, ip),
  );
  if (!outcome.ok) {
    if (outcome.refusal) throw new Error(outcome.refusal.message);
    return null;
  }
  const user = outcome.user;
  await withTenantDb(tenant.id, (db) => db.user.update({ where: { id: user.id }, data: { lastSignInAt: new Date() } }));
  return asSessionUser(user);
}

/**
 * Emails a single-use sign-in link if the address belongs to an active user of this tenant.
 * Says nothing either way: the caller shows the same message whether or not it did.
 */
export async function sendTenantSignInLink(tenant: ResolvedTenant, rawEmail: unknown): Promise<"sent" | "invalid" | "ignored" | Refusal> {
  const parsed = email.safeParse(rawEmail);
  if (!parsed.success) return "invalid";
  // Counted for every address, known or not, so the cap reveals nothing (decision 019).
  const refusal = await limitAttempt("sign-in-link", tenantAccount(tenant.id, parsed.data));
  if (refusal) return refusal;
  const user = await withTenantDb(tenant.id, (db) => db.user.findUnique({ where: { email: parsed.data }, select: { active: true } }));
  if (!user?.active) return "ignored";
  const token = generateToken();
  await withTenantDb(tenant.id, (db) =>
    db.loginToken.create({
      data: { tokenHash: hashToken(token), email: parsed.data, purpose: "sign-in", expiresAt: new Date(Date.now() + SIGN_IN_LINK_MINUTES * 60_000) },
    }),
  );
  const link = publicLink(tenant.primaryHost, `/sign-in/link?token=${encodeURIComponent(token)}`);
  await platform().mail.send({
    tenantId: tenant.id,
    to: parsed.data,
    fromName: tenant.name.slice(0, 120),
    fromAddress: platform().env.PORTICO_MAIL_FROM ?? `no-reply@${tenant.primaryHost}`,
    subject: `Your sign-in link for ${tenant.name}`.slice(0, 200),
    text: `Hello,\n\nUse this link to sign in to ${tenant.name}. It works once and expires in ${SIGN_IN_LINK_MINUTES} minutes:\n\n${link}\n\nIf you did not ask for it, ignore this email.\n`,
  });
  return "sent";
}

/** Consumes a sign-in link token: valid, unexpired and unused, exactly once. */
export async function consumeTenantSignInLink(tenant: ResolvedTenant, token: unknown): Promise<User | null> {
  if (typeof token !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const tokenHash = hashToken(token);
  return withTenantDb(tenant.id, async (db) => {
    const claimed = await db.loginToken.updateMany({
      where: { tokenHash, purpose: "sign-in", usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    if (claimed.count !== 1) return null;
    const row = await db.loginToken.findUniqueOrThrow({ where: { tokenHash }, select: { email: true } });
    const user = await db.user.findUnique({ where: { email: row.email } });
    if (!user?.active) return null;
    await db.user.update({ where: { id: user.id }, data: { lastSignInAt: new Date() } });
    return asSessionUser(user);
  });
}

/** The hand-off link's click: claims the grant once and signs in as its target admin. */
async function signInByImpersonation(tenant: ResolvedTenant, token: unknown): Promise<User | null> {
  const { control, env } = platform();
  const claimed = await consumeImpersonation({ control, secretKey: requireRuntime(env).secretKey }, tenant.id, token, await requestOrigin());
  if ("refused" in claimed) return null;
  const user = await withTenantDb(tenant.id, (db) => db.user.findUnique({ where: { id: claimed.targetUserId } }));
  if (!user?.active) return null;
  return { ...asSessionUser(user), imp: claimed.grantId };
}

export function tenantAuthOptions(tenant: ResolvedTenant, origin: string): AuthOptions {
  const { env } = platform();
  return realmAuthOptions({
    realm: "tenant",
    tenantId: tenant.id,
    secret: deriveSessionSecret(requireRuntime(env).secretKey, `tenant:${tenant.id}`),
    origin,
    cookiePrefix: "portico",
    maxAgeSeconds: 8 * 3600,
    providers: [
      passwordProvider((email, password) => authenticateTenantPassword(tenant, email, password)),
      Credentials({
        id: "email-link",
        name: "Email link",
        credentials: { token: { type: "text" } },
        authorize: (c) => consumeTenantSignInLink(tenant, c?.token),
      }),
      Credentials({
        id: "impersonation",
        name: "Agency impersonation",
        credentials: { token: { type: "text" } },
        authorize: (c) => signInByImpersonation(tenant, c?.token),
      }),
    ],
  });
}

/**
 * The signed-in user of this tenant, or null. One guard for every private page, route and
 * action: the token must decrypt with this tenant's secret, name this tenant, and match a user
 * who is still active with the same session version; the tenant must not be suspended.
 */
export async function tenantUser(tenant: ResolvedTenant): Promise<TenantUser | null> {
  const user = await readTenantUser(tenant);
  return user ? markVerified(user) : null;
}

async function readTenantUser(tenant: ResolvedTenant): Promise<TenantUserFields | null> {
  if (tenant.status !== "active") return null;
  const session = await getServerSession(tenantAuthOptions(tenant, await currentOrigin()));
  if (!session || session.realm !== "tenant" || session.tid !== tenant.id || !session.uid) return null;
  const user = await withTenantDb(tenant.id, (db) =>
    db.user.findUnique({ where: { id: session.uid }, select: { id: true, email: true, name: true, role: true, active: true, sessionVersion: true } }),
  );
  if (!user || !user.active || user.sessionVersion !== session.sv) return null;
  if (session.imp) {
    // An impersonation session lives only as long as its grant: ended, expired or its agency
    // owner deactivated, and it is over on every instance at once.
    const impersonation = await activeImpersonation(platform().control, tenant.id, session.imp);
    if (!impersonation) return null;
    return { tenantId: tenant.id, id: user.id, email: user.email, name: user.name, role: user.role, impersonation };
  }
  return { tenantId: tenant.id, id: user.id, email: user.email, name: user.name, role: user.role };
}

/** As tenantUser, but sends a visitor to sign in, and answers 403 below `atLeast`. */
export async function requireTenantUser(tenant: ResolvedTenant, returnTo: string, atLeast: TenantRole = "member"): Promise<TenantUser> {
  const user = await tenantUser(tenant);
  if (!user) redirect(`/sign-in?callbackUrl=${encodeURIComponent(returnTo)}`);
  assertTenantRole(user, tenant, atLeast);
  return user;
}


/** The invited email of a valid, unused, unexpired invitation token, or null (nothing consumed). */
export async function peekInvitation(tenant: ResolvedTenant, token: unknown): Promise<{ email: string; name: string } | null> {
  if (typeof token !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  return withTenantDb(tenant.id, async (db) => {
    const row = await db.loginToken.findFirst({ where: { tokenHash: hashToken(token), purpose: "invite", usedAt: null, expiresAt: { gt: new Date() } } });
    if (!row) return null;
    const user = await db.user.findUnique({ where: { email: row.email }, select: { name: true, active: true } });
    return user?.active ? { email: row.email, name: user.name } : null;
  });
}

/**
 * Accepts an invitation: the token is claimed exactly once, then the invited user's password is
 * set. Returns the email to sign in with, or null when the link is used, expired or unknown.
 */
export async function acceptInvitation(tenant: ResolvedTenant, token: unknown, passwordHash: string): Promise<string | null> {
  if (typeof token !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const tokenHash = hashToken(token);
  return withTenantDb(tenant.id, async (db) => {
    const claimed = await db.loginToken.updateMany({ where: { tokenHash, purpose: "invite", usedAt: null, expiresAt: { gt: new Date() } }, data: { usedAt: new Date() } });
    if (claimed.count !== 1) return null;
    const { email } = await db.loginToken.findUniqueOrThrow({ where: { tokenHash }, select: { email: true } });
    const updated = await db.user.updateMany({ where: { email, active: true }, data: { passwordHash, sessionVersion: { increment: 1 } } });
    return updated.count === 1 ? email : null;
  });
}
