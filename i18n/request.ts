import { getRequestConfig } from "next-intl/server";
import { CATALOGUES } from "../messages/catalogues.ts";
import { isLocale } from "../lib/format/locale.ts";
import { requestLocale } from "../lib/portal/request-locale.server.ts";

/**
 * next-intl's configuration for one request, without locale routing: a portal's language is not
 * in its URLs (tenants own their domains) but chosen per request from the member, the picker
 * cookie and the portal's default (lib/portal/request-locale.server.ts, docs/decisions/034). The agency
 * dashboard stays English. Times are formatted by lib/format in each event's own zone; the zone
 * here only keeps next-intl's own formatters from guessing one.
 */
export default getRequestConfig(async ({ locale: asked }) => {
  const locale = isLocale(asked) ? asked : await requestLocale();
  return { locale, messages: CATALOGUES[locale], timeZone: "UTC" };
});
