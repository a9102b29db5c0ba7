import {
  Body,
  Button,
  Container,
  Head,
  Heading,
  Hr,
  Html,
  Img,
  Link,
  Preview,
  Section,
  Text,
} from "@react-email/components";
import { render, toPlainText } from "@react-email/render";
import type { ReactNode } from "react";
import { googleCalendarUrl, outlookCalendarUrl } from "../format/calendar-links.ts";
import { dateTimeFormat } from "../format/date-time-format.ts";
import { formatEventTime } from "../format/event-time.ts";
import { eventIcs } from "../format/ics.ts";
import type { MailBrand, MailContent, MailEvent, RenderedMail } from "./content.ts";
import { markdownToEmailHtml } from "./markdown.ts";
import { sameMail, swapSlot, type PersonalisableMail } from "./personalise.ts";
import { MAIL_LOCALES, mailStrings, type MailLocale, type MailStrings } from "./messages/index.ts";

/**
 * Every email Portico sends, as React Email components: one branded layout (the tenant's name,
 * logo and primary colour in the header) and a body per kind. The text part is made from the
 * same HTML, so the two never say different things.
 */

const TEXT = "#1f2937";
const MUTED = "#6b7280";
const FONT = '-apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

interface Ctx {
  brand: MailBrand;
  t: MailStrings;
  locale: MailLocale;
}

function Layout({ ctx, preview, children }: { ctx: Ctx; preview: string; children: ReactNode }) {
  const { brand, t } = ctx;
  return (
    <Html lang={ctx.locale} dir="ltr">
      <Head />
      <Preview>{preview}</Preview>
      <Body style={{ backgroundColor: "#f3f4f6", margin: 0, padding: "24px 0", fontFamily: FONT, color: TEXT }}>
        <Container style={{ maxWidth: 560, backgroundColor: "#ffffff", borderRadius: 8, overflow: "hidden" }}>
          <Section style={{ backgroundColor: brand.primary, color: brand.onPrimary, padding: "16px 24px" }}>
            {brand.logoUrl && (
              <Img
                src={brand.logoUrl}
                alt={brand.logoAlt}
                width={40}
                height={40}
                style={{ display: "inline-block", verticalAlign: "middle", marginRight: 12, borderRadius: 6 }}
              />
            )}
            <span style={{ fontSize: 18, fontWeight: 600, verticalAlign: "middle", color: brand.onPrimary }}>
              {brand.name}
            </span>
          </Section>
          <Section style={{ padding: "8px 24px 16px" }}>{children}</Section>
          <Hr style={{ borderColor: "#e5e7eb", margin: 0 }} />
          <Section style={{ padding: "12px 24px" }}>
            <Text style={{ fontSize: 12, color: MUTED, margin: 0 }}>
              {t.footer(brand.name)}{" "}
              <Link href={brand.homeUrl} style={{ color: MUTED, textDecoration: "underline" }}>
                {brand.homeUrl}
              </Link>
            </Text>
          </Section>
        </Container>
      </Body>
    </Html>
  );
}

const P = ({ children }: { children: ReactNode }) => (
  <Text style={{ fontSize: 15, lineHeight: "24px", margin: "12px 0" }}>{children}</Text>
);
const Small = ({ children }: { children: ReactNode }) => (
  <Text style={{ fontSize: 13, lineHeight: "20px", color: MUTED, margin: "12px 0" }}>{children}</Text>
);

function Action({ ctx, href, children }: { ctx: Ctx; href: string; children: ReactNode }) {
  return (
    <Section style={{ margin: "20px 0" }}>
      <Button
        href={href}
        style={{
          backgroundColor: ctx.brand.primary,
          color: ctx.brand.onPrimary,
          padding: "12px 20px",
          borderRadius: 6,
          fontSize: 15,
          fontWeight: 600,
          textDecoration: "none",
        }}
      >
        {children}
      </Button>
    </Section>
  );
}

/** "Tue, 1 Dec 2026, 09:00–13:30 CET (Europe/Berlin)": in the event's zone, which is named. */
export function eventWhen(event: MailEvent, t: MailStrings): string {
  return `${formatEventTime(event.startsAt, event.endsAt, event.timeZone, t.intl)} (${event.timeZone.replace(/_/g, " ")})`;
}

function calendarDetails(event: MailEvent): string {
  return [event.summary, event.onlineUrl, event.url].filter(Boolean).join("\n\n");
}

function EventCard({ ctx, event, calendar }: { ctx: Ctx; event: MailEvent; calendar: boolean }) {
  const { t } = ctx;
  const link = { color: TEXT, textDecoration: "underline" };
  const forCalendar = {
    title: event.title,
    details: calendarDetails(event),
    location: event.venue ?? event.onlineUrl,
    startsAt: event.startsAt,
    endsAt: event.endsAt,
  };
  return (
    <Section
      style={{ border: "1px solid #e5e7eb", borderRadius: 6, padding: "4px 16px", margin: "16px 0" }}
      data-testid="mail-event"
    >
      <Heading as="h2" style={{ fontSize: 17, margin: "12px 0 4px" }}>
        {event.title}
      </Heading>
      <Text style={{ fontSize: 14, margin: "4px 0" }}>
        <strong>{t.when}:</strong> {eventWhen(event, t)}
      </Text>
      {event.venue && (
        <Text style={{ fontSize: 14, margin: "4px 0" }}>
          <strong>{t.where}:</strong> {event.venue}
        </Text>
      )}
      {event.onlineUrl && (
        <Text style={{ fontSize: 14, margin: "4px 0" }}>
          <strong>{event.venue ? t.joinLink : t.online}:</strong>{" "}
          <Link href={event.onlineUrl} style={link}>
            {event.onlineUrl}
          </Link>
        </Text>
      )}
      {calendar && (
        <Text style={{ fontSize: 14, margin: "8px 0 12px" }}>
          {t.calendarIntro}{" "}
          <Link href={googleCalendarUrl(forCalendar)} style={link}>
            {t.addToGoogle}
          </Link>
          {" · "}
          <Link href={outlookCalendarUrl(forCalendar)} style={link}>
            {t.addToOutlook}
          </Link>
          <br />
          <span style={{ color: MUTED, fontSize: 13 }}>{t.icsAttached}</span>
        </Text>
      )}
    </Section>
  );
}

/** Words that open a staff message's own greeting, in any of the mail locales. */
const GREETINGS = [...new Set(MAIL_LOCALES.flatMap((l) => mailStrings(l).greetingWords))];

/** True when a message already greets its reader ("Hello all," "Liebe Gäste"), so we add no second greeting. */
export function startsWithGreeting(body: string): boolean {
  const first = body.trimStart().split("\n", 1)[0]!.toLowerCase();
  return GREETINGS.some((g) => first === g || new RegExp(`^${g}(?![\\p{L}\\p{N}])`, "u").test(first));
}

interface Built {
  subject: string;
  preview: string;
  body: ReactNode;
}

function build(content: MailContent, ctx: Ctx): Built {
  const { t, brand } = ctx;
  switch (content.kind) {
    case "sign-in-link":
      return {
        subject: t.signInSubject(brand.name),
        preview: t.signInIntro(brand.name, content.minutes),
        body: (
          <>
            <P>{t.greetingAnonymous}</P>
            <P>{t.signInIntro(brand.name, content.minutes)}</P>
            <Action ctx={ctx} href={content.link}>
              {t.signInButton}
            </Action>
            <Small>{t.ignoreIfNotYou}</Small>
          </>
        ),
      };
    case "password-reset":
      return {
        subject: t.resetSubject(brand.name),
        preview: t.resetIntro(brand.name, content.minutes),
        body: (
          <>
            <P>{t.greetingAnonymous}</P>
            <P>{t.resetIntro(brand.name, content.minutes)}</P>
            <Action ctx={ctx} href={content.link}>
              {t.resetButton}
            </Action>
            <Small>{t.resetNotAsked}</Small>
          </>
        ),
      };
    case "email-change-confirm":
      return {
        subject: t.emailChangeSubject(brand.name),
        preview: t.emailChangeIntro(brand.name, content.newEmail, content.hours),
        body: (
          <>
            <P>{t.greeting(content.name)}</P>
            <P>{t.emailChangeIntro(brand.name, content.newEmail, content.hours)}</P>
            <Action ctx={ctx} href={content.link}>
              {t.emailChangeButton}
            </Action>
            <Small>{t.ignoreIfNotYou}</Small>
          </>
        ),
      };
    case "email-change-notice":
      return {
        subject: t.emailChangeNoticeSubject(brand.name),
        preview: t.emailChangeNotice(brand.name, content.newEmail),
        body: (
          <>
            <P>{t.greeting(content.name)}</P>
            <P>{t.emailChangeNotice(brand.name, content.newEmail)}</P>
            <P>{t.emailChangeNoticeAdvice}</P>
          </>
        ),
      };
    case "first-admin-invitation":
    case "team-invitation":
    case "agency-invitation": {
      const lead =
        content.kind === "first-admin-invitation"
          ? t.inviteFirstAdmin(brand.name)
          : content.kind === "team-invitation"
            ? t.inviteTeam(content.invitedBy, brand.name, t.roleName(content.role))
            : t.agencyInvite(content.invitedBy, content.role);
      return {
        subject: content.kind === "agency-invitation" ? t.agencyInviteSubject : t.inviteSubject(brand.name),
        preview: lead,
        body: (
          <>
            <P>{t.greeting(content.name)}</P>
            <P>{lead}</P>
            <P>{t.inviteAction(content.days)}</P>
            <Action ctx={ctx} href={content.link}>
              {t.inviteButton}
            </Action>
            <Small>{t.ignoreIfNotYou}</Small>
          </>
        ),
      };
    }
    case "team-promotion":
      return {
        subject: t.teamPromotedSubject(brand.name),
        preview: t.teamPromoted(content.by, t.roleName(content.role), brand.name),
        body: (
          <>
            <P>{t.greeting(content.name)}</P>
            <P>{t.teamPromoted(content.by, t.roleName(content.role), brand.name)}</P>
            <Action ctx={ctx} href={content.link}>
              {t.signInAsUsual}
            </Action>
          </>
        ),
      };
    case "account-locked": {
      const until = `${dateTimeFormat(t.intl, { timeZone: "UTC", dateStyle: "medium", timeStyle: "short" }).format(content.until)} UTC`;
      const next = content.nextMinutes >= 60 ? t.hours(content.nextMinutes / 60) : t.minutes(content.nextMinutes);
      const agency = content.realm === "agency";
      const where = agency ? t.agencyDashboard : brand.name;
      return {
        subject: agency ? t.lockedAgencySubject : t.lockedSubject(brand.name),
        preview: t.locked(where, until),
        body: (
          <>
            <P>{t.greeting(content.name)}</P>
            <P>{t.locked(where, until)}</P>
            <P>{t.lockedAdvice(agency ? t.agencyUnlocker : t.tenantUnlocker, next)}</P>
          </>
        ),
      };
    }
    case "guest-confirmation":
      return {
        subject: t.guestConfirmSubject(content.event.title),
        preview: t.guestConfirm(content.event.title),
        body: (
          <>
            <P>{t.greeting(content.name)}</P>
            <P>{t.guestConfirm(content.event.title)}</P>
            <Action ctx={ctx} href={content.link}>
              {t.guestConfirmButton}
            </Action>
            <EventCard ctx={ctx} event={content.event} calendar={false} />
            <Small>{t.ignoreIfNotRegistered}</Small>
          </>
        ),
      };
    case "registered":
    case "promoted": {
      const lead = content.kind === "registered" ? t.registered(content.event.title) : t.promoted(content.event.title);
      return {
        subject:
          content.kind === "registered"
            ? t.registeredSubject(content.event.title)
            : t.promotedSubject(content.event.title),
        preview: `${lead} ${eventWhen(content.event, t)}`,
        body: (
          <>
            <P>{t.greeting(content.name)}</P>
            <P>{lead}</P>
            <EventCard ctx={ctx} event={content.event} calendar />
            <Action ctx={ctx} href={content.ticketUrl}>
              {t.ticketButton}
            </Action>
          </>
        ),
      };
    }
    case "waitlisted":
      return {
        subject: t.waitlistedSubject(content.event.title),
        preview: t.waitlisted(content.event.title),
        body: (
          <>
            <P>{t.greeting(content.name)}</P>
            <P>{t.waitlisted(content.event.title)}</P>
            <EventCard ctx={ctx} event={content.event} calendar={false} />
          </>
        ),
      };
    case "registration-cancelled":
      return {
        subject: t.registrationCancelledSubject(content.event.title),
        preview: t.registrationCancelled(content.event.title),
        body: (
          <>
            <P>{t.greeting(content.name)}</P>
            <P>{t.registrationCancelled(content.event.title)}</P>
            <EventCard ctx={ctx} event={content.event} calendar={false} />
            <P>{t.registrationCancelledAgain}</P>
            <Action ctx={ctx} href={content.event.url}>
              {t.eventButton}
            </Action>
          </>
        ),
      };
    case "event-cancelled":
      return {
        subject: t.eventCancelledSubject(content.event.title),
        preview: t.eventCancelled(content.event.title),
        body: (
          <>
            <P>{t.greeting(content.name)}</P>
            <P>{t.eventCancelled(content.event.title)}</P>
            <EventCard ctx={ctx} event={content.event} calendar={false} />
            <Action ctx={ctx} href={content.homeUrl}>
              {t.otherEventsButton}
            </Action>
          </>
        ),
      };
    case "staff-message": {
      const html = markdownToEmailHtml(content.body, { linkColour: TEXT });
      return {
        subject: `${content.event.title}: ${content.subject}`,
        // From the rendered message, so the inbox preview shows words, not markup.
        preview: toPlainText(html).replace(/\s+/g, " ").trim().slice(0, 140),
        body: (
          <>
            {!startsWithGreeting(content.body) && <P>{t.greeting(content.name)}</P>}
            <div
              style={{ fontSize: 15, lineHeight: "24px" }}
              data-testid="mail-markdown"
              // Built by markdownToEmailHtml, which escapes raw HTML and keeps only http(s)/mailto links.
              dangerouslySetInnerHTML={{ __html: html }}
            />
            <P>{t.staffSignature(content.from, brand.name)}</P>
            <EventCard ctx={ctx} event={content.event} calendar={false} />
            <Action ctx={ctx} href={content.event.url}>
              {t.eventButton}
            </Action>
          </>
        ),
      };
    }
  }
}

export interface RenderOptions {
  brand: MailBrand;
  locale?: MailLocale;
  /** When the message is made: the calendar file's DTSTAMP. Fixed in tests. */
  sentAt?: Date;
}

/** Subject, HTML, text and attachments for one message. */
export async function renderMail(content: MailContent, options: RenderOptions): Promise<RenderedMail> {
  const locale = options.locale ?? "en";
  const ctx: Ctx = { brand: options.brand, t: mailStrings(locale), locale };
  const built = build(content, ctx);
  const html = await render(
    <Layout ctx={ctx} preview={built.preview}>
      {built.body}
    </Layout>,
  );
  const text = toPlainText(html, {
    selectors: [
      { selector: "h1", options: { uppercase: false } },
      { selector: "h2", options: { uppercase: false } },
      { selector: "a", options: { linkBrackets: false, hideLinkHrefIfSameAsText: true } },
    ],
  }).trim();
  const attachments: RenderedMail["attachments"] = [];
  if (content.kind === "registered" || content.kind === "promoted") {
    const host = new URL(content.event.url).hostname;
    attachments.push({
      filename: "invite.ics",
      contentType: "text/calendar; charset=utf-8; method=PUBLISH",
      content: eventIcs(
        {
          // One UID per registration, stable across the confirmation and a later promotion.
          uid: `registration-${content.registrationId}@${host}`,
          title: content.event.title,
          description: calendarDetails(content.event),
          location: content.event.venue ?? content.event.onlineUrl,
          url: content.event.url,
          startsAt: content.event.startsAt,
          endsAt: content.event.endsAt,
          cancelled: false,
          updatedAt: options.sentAt ?? new Date(),
        },
        options.brand.name,
      ),
    });
  }
  return { subject: built.subject.replace(/[\r\n]+/g, " ").slice(0, 200), html, text: `${text}\n`, attachments };
}

function stand(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => "bcdfghjklmnpqrstvwxz"[b % 20]).join("");
}

/**
 * Renders `content` (whose `name` is the only part that differs between its readers) once, with a
 * stand-in name. Proven, not assumed: a second render with a stand-in of another length must be
 * the first with the stand-in swapped, so a name that changes anything besides its own place
 * (a length-padded preview, a branch on the name) is caught, and null returned. Messages with an
 * attachment are never shared (each calendar file is the reader's own).
 */
export async function renderPersonalisable(
  content: MailContent,
  options: RenderOptions,
): Promise<PersonalisableMail | null> {
  if (!("name" in content)) return null;
  const short = `Q${stand(10)}`;
  const long = `Q${stand(12)} ${stand(24)} ${stand(30)}`;
  const [a, b] = await Promise.all([
    renderMail({ ...content, name: short } as MailContent, options),
    renderMail({ ...content, name: long } as MailContent, options),
  ]);
  if (
    a.attachments.length > 0 ||
    b.attachments.length > 0 ||
    !sameMail(
      swapSlot(a, short, () => long),
      b,
    )
  )
    return null;
  return { mail: a, slot: short };
}
