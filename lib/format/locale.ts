/**
 * The portal's languages and how one request's language is chosen (docs/decisions/034). Pure:
 * the server part that reads the session, the cookie and the portal's settings is
 * lib/portal/request-locale.server.ts.
 */

export const LOCALES = ["en", "de", "fr"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

/** The visitor's own choice from the language picker: host-only, a year, only ever one of LOCALES. */
export const LOCALE_COOKIE = "portico-locale";
export const LOCALE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60;

/** Each language in its own words, as the pickers list them. */
export const LOCALE_NAMES: Record<Locale, string> = { en: "English", de: "Deutsch", fr: "Français" };

/** A closed set: anything else (a forged cookie, an old database value) reads as "no choice". */
export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

export function asLocale(value: unknown): Locale | null {
  return isLocale(value) ? value : null;
}

/**
 * One request's language. A signed-in member's account decides: their own choice, else the
 * portal's default ("follow the portal" holds on every device). A visitor's device decides: the
 * picker cookie, else the portal's default. English when nothing is set.
 */
export function resolveLocale(
  sources:
    { signedIn: true; member: unknown; tenant?: unknown } | { signedIn: false; cookie?: unknown; tenant?: unknown },
): Locale {
  const own = sources.signedIn ? asLocale(sources.member) : asLocale(sources.cookie);
  return own ?? asLocale(sources.tenant) ?? DEFAULT_LOCALE;
}

/**
 * The Intl locale that formats dates and numbers for a language. English stays British English
 * ("Tue, 1 Dec 2026, 09:00"), as the portal has always shown it.
 */
export const INTL_LOCALE: Record<Locale, string> = { en: "en-GB", de: "de-DE", fr: "fr-FR" };

export function intlLocale(locale: string): string {
  return isLocale(locale) ? INTL_LOCALE[locale] : locale;
}
