import { de } from "./de.ts";
import { en } from "./en.ts";
import { fr } from "./fr.ts";
import type { MailLocale, MailStrings } from "./types.ts";

export type { MailLocale, MailStrings } from "./types.ts";
export { MAIL_LOCALES } from "./types.ts";

const STRINGS: Record<MailLocale, MailStrings> = { en, de, fr };

export function mailStrings(locale: MailLocale): MailStrings {
  return STRINGS[locale];
}
