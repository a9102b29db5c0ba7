/**
 * What each kind of email says, as plain data: the senders fill these in, lib/mail/templates.tsx
 * turns them into branded HTML and text. Plain data (no functions), so a render worker can be
 * handed it as it is.
 */

/** The tenant (or the agency) an email comes from, as its reader should recognise it. */
export interface MailBrand {
  /** The portal's name as readers know it (the tenant's name, or "Portico" for the agency). */
  name: string;
  /** Absolute URL of the logo on the tenant's own host, or null to show the name alone. */
  logoUrl: string | null;
  logoAlt: string;
  /** Six-digit hex colours: the header's background and the text readable on it. */
  primary: string;
  onPrimary: string;
  /** The portal's home page, linked from the footer. */
  homeUrl: string;
}

/** An event as the confirmation, promotion and cancellation emails describe it. */
export interface MailEvent {
  title: string;
  summary: string;
  startsAt: Date;
  endsAt: Date;
  /** IANA zone the event happens in (e.g. Europe/Berlin); times are shown in it, named. */
  timeZone: string;
  venue: string | null;
  onlineUrl: string | null;
  /** Absolute URL of the event's page on the portal. */
  url: string;
}

export type MailContent =
  | { kind: "sign-in-link"; link: string; minutes: number }
  | { kind: "password-reset"; link: string; minutes: number }
  | { kind: "email-change-confirm"; name: string; newEmail: string; link: string; hours: number }
  | { kind: "email-change-notice"; name: string; newEmail: string }
  | { kind: "first-admin-invitation"; name: string; link: string; days: number }
  | { kind: "team-invitation"; name: string; invitedBy: string; role: string; link: string; days: number }
  | { kind: "team-promotion"; name: string; by: string; role: string; link: string }
  | { kind: "agency-invitation"; name: string; invitedBy: string; role: string; link: string; days: number }
  | { kind: "account-locked"; realm: "tenant" | "agency"; name: string; until: Date; nextMinutes: number }
  | { kind: "guest-confirmation"; name: string; event: MailEvent; link: string }
  | { kind: "registered"; name: string; event: MailEvent; registrationId: string; ticketUrl: string }
  | { kind: "waitlisted"; name: string; event: MailEvent }
  | { kind: "promoted"; name: string; event: MailEvent; registrationId: string; ticketUrl: string }
  | { kind: "registration-cancelled"; name: string; event: MailEvent }
  | { kind: "event-cancelled"; name: string; event: MailEvent; homeUrl: string }
  | {
      kind: "staff-message";
      name: string;
      event: MailEvent;
      subject: string;
      /** Markdown as the staff member typed it; rendered safely (lib/mail/markdown.ts). */
      body: string;
      from: string;
    };

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: string;
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
  attachments: MailAttachment[];
}
