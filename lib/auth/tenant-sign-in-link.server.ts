import "server-only";
import type { User } from "next-auth";
import { emailAddress } from "../mail/address.ts";
import { platform } from "../platform/platform.server.ts";
import { tenantMailBrand } from "../platform/mail-brand.ts";
import { queueTenantMail, withTenantMail } from "../platform/mail-queue.server.ts";
import { DEFAULT_LOCALE, asLocale } from "../format/locale.ts";
import type { MailLocale } from "../mail/messages/index.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import { tenantAccount, type Refusal } from "../security/throttle.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { generateToken, hashToken } from "./credentials.server.ts";
import { limitAttempt } from "./lockouts.server.ts";
import { publicLink } from "./origin.server.ts";
import { safeReturnTo } from "./redirect.ts";
import { asSessionUser } from "./tenant-password.server.ts";
import { ssoRequiredMessage, ssoRequirementFor, tenantSsoRequirement } from "./sso-required.server.ts";

const email = emailAddress();
const SIGN_IN_LINK_MINUTES = 15;

/**
 * Emails a single-use sign-in link if the address belongs to an active user of this tenant.
 * Says nothing either way: the caller shows the same message whether or not it did. `rawReturnTo`
 * is where the link lands once signed in (the event being registered for); anything but a
 * same-host relative path is dropped, so the link lands on /account (security case 49).
 */
export async function sendTenantSignInLink(
  tenant: ResolvedTenant,
  rawEmail: unknown,
  rawReturnTo?: unknown,
  locale?: MailLocale,
): Promise<"sent" | "invalid" | "ignored" | Refusal | { ssoRequired: string; message: string }> {
  const parsed = email.safeParse(rawEmail);
  if (!parsed.success) return "invalid";
  const returnTo = safeReturnTo(rawReturnTo);
  // Counted for every address, known or not, so the cap reveals nothing (decision 019).
  const refusal = await limitAttempt("sign-in-link", tenantAccount(tenant.id, parsed.data));
  if (refusal) return refusal;
  // "SSO required" (docs/decisions/047): every address at a verified domain, the break-glass
  // owner's too (it keeps its password, not links), is told so; whether an account exists is not.
  const required = await tenantSsoRequirement(tenant.id, parsed.data);
  if (required) return { ssoRequired: required.provider, message: ssoRequiredMessage(required.provider) };
  const user = await withTenantDb(tenant.id, (db) =>
    db.user.findUnique({ where: { email: parsed.data }, select: { active: true } }),
  );
  if (!user?.active) return "ignored";
  const token = generateToken();
  const link = publicLink(tenant.primaryHost, `/sign-in/link?token=${encodeURIComponent(token)}`);
  // The token and the email carrying it commit together (docs/decisions/040).
  await withTenantMail(tenant.id, (db) =>
    db.$transaction(async (tx) => {
      await tx.loginToken.create({
        data: {
          tokenHash: hashToken(token),
          email: parsed.data,
          purpose: "sign-in",
          returnTo,
          expiresAt: new Date(Date.now() + SIGN_IN_LINK_MINUTES * 60_000),
        },
      });
      const [member, settings] = await Promise.all([
        tx.user.findUnique({ where: { email: parsed.data }, select: { locale: true } }),
        tx.portalSettings.findUnique({ where: { id: 1 }, select: { defaultLocale: true } }),
      ]);
      await queueTenantMail(tx, [
        {
          to: parsed.data,
          fromName: tenant.name,
          fromAddress: platform().env.PORTICO_MAIL_FROM ?? `no-reply@${tenant.primaryHost}`,
          content: { kind: "sign-in-link", link, minutes: SIGN_IN_LINK_MINUTES },
          brand: tenantMailBrand(tenant, publicLink),
          locale: locale ?? asLocale(member?.locale) ?? asLocale(settings?.defaultLocale) ?? DEFAULT_LOCALE,
        },
      ]);
    }),
  );
  return "sent";
}

/**
 * Where a sign-in link lands once used: its stored return path, checked again (a row written by
 * an older version or by hand gets no trust), or /account. Reads without consuming the token.
 */
export async function signInLinkReturnTo(tenant: ResolvedTenant, token: unknown): Promise<string> {
  if (typeof token !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(token)) return "/account";
  const row = await withTenantDb(tenant.id, (db) =>
    db.loginToken.findFirst({
      where: { tokenHash: hashToken(token), purpose: "sign-in", usedAt: null, expiresAt: { gt: new Date() } },
      select: { returnTo: true },
    }),
  );
  return safeReturnTo(row?.returnTo) ?? "/account";
}

/**
 * Consumes a sign-in link token: valid, unexpired and unused, exactly once. The fresh sign-in a
 * password reset hands the browser is one too ("reset-sign-in"); its session is recorded as a reset.
 */
export async function consumeTenantSignInLink(tenant: ResolvedTenant, token: unknown): Promise<User | null> {
  if (typeof token !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const tokenHash = hashToken(token);
  return withTenantDb(tenant.id, async (db) => {
    const claimed = await db.loginToken.updateMany({
      where: { tokenHash, purpose: { in: ["sign-in", "reset-sign-in"] }, usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    if (claimed.count !== 1) return null;
    const row = await db.loginToken.findUniqueOrThrow({ where: { tokenHash }, select: { email: true, purpose: true } });
    const user = await db.user.findUnique({ where: { email: row.email } });
    if (!user?.active) return null;
    // A link sent, an invitation accepted or a reset made before "SSO required" came into force
    // signs no one in at a verified domain; only the break-glass owner's reset hand-off does.
    const required = await ssoRequirementFor(db, user.email);
    if (required && !(row.purpose === "reset-sign-in" && user.id === required.breakGlassUserId))
      throw new Error(ssoRequiredMessage(required.provider));
    await db.user.update({ where: { id: user.id }, data: { lastSignInAt: new Date() } });
    return { ...asSessionUser(user), ...(row.purpose === "reset-sign-in" ? { method: "reset" } : {}) };
  });
}
