import "server-only";
import { cookies } from "next/headers";
import { cache } from "react";
import { tenantUser, type TenantUser } from "../auth/tenant-guard.server.ts";
import { DEFAULT_LOCALE, LOCALE_COOKIE, asLocale, resolveLocale, type Locale } from "../format/locale.ts";
import { currentHost } from "../platform/current-tenant.server.ts";
import { platform } from "../platform/platform.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import { resolverKey, type ResolvedTenant } from "../tenancy/resolver.ts";
import { TenantUnavailable } from "../util/errors.ts";
import { portalSettings } from "./settings.server.ts";

/** The visitor's picker cookie, only ever one of LOCALES (anything else is ignored, never echoed). */
export async function cookieLocale(): Promise<Locale | null> {
  return asLocale((await cookies()).get(LOCALE_COOKIE)?.value);
}

/** A member's own language, or null when they follow the portal's default. */
export async function memberLocale(tenant: Pick<ResolvedTenant, "id">, user: TenantUser): Promise<Locale | null> {
  const row = await withTenantDb(tenant.id, (db) =>
    db.user.findUnique({ where: { id: user.id }, select: { locale: true } }),
  );
  return asLocale(row?.locale);
}

/** Stores a member's choice (null: follow the portal again). */
export async function setMemberLocale(
  tenant: Pick<ResolvedTenant, "id">,
  user: TenantUser,
  locale: Locale | null,
): Promise<void> {
  await withTenantDb(tenant.id, (db) => db.user.update({ where: { id: user.id }, data: { locale } }));
}

/**
 * This request's language (docs/decisions/034): on the agency host and unknown hosts English; on
 * a portal the signed-in member's own choice or a visitor's picker cookie, else the portal's
 * default. A portal
 * that is suspended, in maintenance or unreachable is not asked for its settings: its notice
 * follows the cookie, else English. Read once per request however many parts of a page ask.
 */
export const requestLocale = cache(async (): Promise<Locale> => {
  const host = await currentHost();
  if (host.kind !== "subdomain" && host.kind !== "custom") return DEFAULT_LOCALE;
  const cookie = await cookieLocale();
  const key = resolverKey(host);
  let tenant: ResolvedTenant | null = null;
  try {
    tenant = key ? await platform().resolver.resolve(key) : null;
  } catch {
    // The control plane did not answer: the layout meets the same failure and shows its notice,
    // which the language must not take down with it.
    return resolveLocale({ signedIn: false, cookie });
  }
  if (!tenant || tenant.status !== "active" || tenant.maintenance) return resolveLocale({ signedIn: false, cookie });
  try {
    const [settings, user] = await Promise.all([portalSettings(tenant), tenantUser(tenant)]);
    return user
      ? resolveLocale({ signedIn: true, member: await memberLocale(tenant, user), tenant: settings.defaultLocale })
      : resolveLocale({ signedIn: false, cookie, tenant: settings.defaultLocale });
  } catch (error) {
    if (error instanceof TenantUnavailable) return resolveLocale({ signedIn: false, cookie });
    throw error;
  }
});
