import de from "./de.json";
import en from "./en.json";
import fr from "./fr.json";

/**
 * The portal's message catalogues, one per language, with the same keys (test/static/message-catalogues.test.ts).
 * English is the reference: its shape types every `t("…")` call (i18n/app-config.d.ts).
 */
export type Messages = typeof en;

export const CATALOGUES: Record<"en" | "de" | "fr", Messages> = { en, de, fr };

type Namespace = keyof Messages;

/**
 * What client components on any page read (test/static/client-messages.test.ts). The rest of a
 * catalogue is read on the server only and never reaches the browser: each page would otherwise
 * carry every language string of the product in its HTML.
 */
export const CLIENT_NAMESPACES = [
  "ui",
  "event",
  "registration",
  "auth",
  "account",
  "language",
  "pages",
  "secondFactor",
] as const satisfies readonly Namespace[];

/** What the staff area's client components read besides (its layout provides them). */
export const STAFF_CLIENT_NAMESPACES = [
  "checkIn",
  "eventForm",
  "messageForm",
  "teamForm",
  "settings",
  "emailDomains",
  "roles",
  "contrast",
  "brandPreview",
] as const satisfies readonly Namespace[];

/** The part of `messages` a client provider passes down. */
export function clientMessages(messages: Messages, namespaces: readonly Namespace[]): Partial<Messages> {
  return Object.fromEntries(namespaces.map((n) => [n, messages[n]]));
}
