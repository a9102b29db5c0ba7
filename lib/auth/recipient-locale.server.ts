import "server-only";
import { DEFAULT_LOCALE, asLocale, type Locale } from "../format/locale.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";

/**
 * The language an email to one of a portal's addresses is written in (docs/decisions/034): the
 * member's own choice, else the portal's default, else English. A guest without an account gets
 * the portal's default. A database that does not answer costs the language, never the email.
 */
export async function recipientLocale(tenantId: string, email: string): Promise<Locale> {
  try {
    const [user, settings] = await withTenantDb(tenantId, (db) =>
      Promise.all([
        db.user.findUnique({ where: { email: email.trim().toLowerCase() }, select: { locale: true } }),
        db.portalSettings.findUnique({ where: { id: 1 }, select: { defaultLocale: true } }),
      ]),
    );
    return asLocale(user?.locale) ?? asLocale(settings?.defaultLocale) ?? DEFAULT_LOCALE;
  } catch {
    return DEFAULT_LOCALE;
  }
}
