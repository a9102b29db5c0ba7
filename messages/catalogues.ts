import de from "./de.json";
import en from "./en.json";
import fr from "./fr.json";

/**
 * The portal's message catalogues, one per language, with the same keys (test/static/message-catalogues.test.ts).
 * English is the reference: its shape types every `t("…")` call (i18n/app-config.d.ts).
 */
export type Messages = typeof en;

export const CATALOGUES: Record<"en" | "de" | "fr", Messages> = { en, de, fr };
