import "server-only";
import type { MailContent, RenderedMail } from "./content.ts";
import type { MailLocale } from "./messages/index.ts";
import { renderMailOffThread } from "./render.server.ts";
import type { RenderOptions } from "./templates.tsx";
import type { MailTransport } from "./transport.server.ts";
import { metrics } from "../observability/metrics.ts";
import { log } from "../observability/logger.ts";

export interface Envelope {
  tenantId: string | null;
  to: string;
  fromName: string;
  fromAddress: string;
}

/**
 * Renders one message (branded HTML, its text, any calendar file) and hands it to the transport.
 * Counts nothing: the outbox's flush (lib/mail/outbox.server.ts) counts each attempt's outcome,
 * sendMail below counts a direct send.
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

/**
 * Sends one message now, inside the caller's request. Only for mail with no stored cause to commit
 * with (and the transport check of the command line); everything else is queued in an outbox
 * (docs/decisions/040) so a mail server that is down loses nothing.
 */
export async function sendMail(
  transport: MailTransport,
  envelope: Envelope,
  content: MailContent,
  options: RenderOptions & { locale?: MailLocale },
): Promise<{ id: string }> {
  const counter = metrics().mail;
  try {
    const sent = await deliverMail(transport, envelope, content, options);
    counter.inc({ transport: transport.kind, outcome: "sent" });
    // No address or subject: the line carries the request's tenant and id, which say enough.
    log().info({ transport: transport.kind, messageId: sent.id }, "mail sent");
    return sent;
  } catch (error) {
    counter.inc({ transport: transport.kind, outcome: "failed" });
    log().error({ transport: transport.kind, err: error }, "mail failed");
    throw error;
  }
}
