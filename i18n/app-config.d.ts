import type { Locale } from "../lib/format/locale.ts";
import type { Messages } from "../messages/catalogues.ts";

// Types next-intl's `t("…")` keys against the English catalogue and its locale against LOCALES.
declare module "next-intl" {
  interface AppConfig {
    Locale: Locale;
    Messages: Messages;
  }
}
