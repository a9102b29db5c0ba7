import "server-only";
import type { MailContent, RenderedMail } from "./content.ts";
import type { MailLocale } from "./messages/index.ts";
import { renderMailOffThread } from "./render.server.ts";
import type { RenderOptions } from "./templates.tsx";
import type { MailTransport } from "./transport.server.ts";

export interface Envelope {
  tenantId: string | null;
  to: string;
  fromName: string;
  fromAddress: string;
}

/**
 * Renders one message (branded HTML, its text, any calendar file) and hands it to the transport.
 * Counts nothing: the outbox's flush (lib/mail/outbox.server.ts), the only sender, counts each
 * attempt's outcome.
 */
export async function deliverMail(
  transport: MailTransport,
  envelope: Envelope,
  content: MailContent,
  options: RenderOptions & { locale?: MailLocale },
): Promise<{ id: string }> {
  return deliverRendered(transport, envelope, await renderMailOffThread(content, options));
}

/** Hands a message already rendered (a shared one, personalised) to the transport. */
export function deliverRendered(
  transport: MailTransport,
  envelope: Envelope,
  mail: RenderedMail,
): Promise<{ id: string }> {
  return transport.send({
    ...envelope,
    fromName: envelope.fromName.slice(0, 120),
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    attachments: mail.attachments,
  });
}
