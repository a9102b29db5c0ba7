import type { MailLocale } from "./messages/index.ts";
import type { MailTransport } from "./transport.server.ts";

/** What sending an invitation needs: a transport and the public link builder. */
export interface Invitations {
  mail: MailTransport;
  /** An absolute URL on a tenant's registered host (lib/auth/origin.server.ts → publicLink). */
  link(host: string, path: string): string;
  mailFrom?: string;
  /** The language of the email; English unless a caller knows better. */
  locale?: MailLocale;
}
