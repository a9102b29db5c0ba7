import "server-only";
import { tellPageCaches } from "../platform/content-changed.server.ts";
import { assertTenantRole, type TenantUser } from "../auth/tenant-guard.server.ts";
import { publicLink } from "../auth/origin.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import { checkEmailAddress } from "../mail/address.ts";
import { platform } from "../platform/platform.server.ts";
import { tenantMailBrand } from "../platform/mail-brand.ts";
import { queueTenantMail, withTenantMail } from "../platform/mail-queue.server.ts";
import { DEFAULT_LOCALE, asLocale } from "../format/locale.ts";
import type { MailContent, MailEvent } from "../mail/content.ts";
import type { MailLocale } from "../mail/messages/index.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { hasFeature } from "./features.server.ts";
import { portalSettings } from "./settings.server.ts";
import { generateToken, hashToken } from "../auth/credentials.server.ts";
import {
  cancelRegistration,
  confirmGuestRegistration,
  registerForEvent,
  RegistrationRefused,
  waitlistPosition,
  type Promoted,
  type RegistrationOutcome,
  type Tx,
} from "./registrations.server.ts";

/** A member's side of registration: register, see, cancel; with the emails that go with it. */

/** One email from the portal: to whom, what it says, and its language when the caller knows it. */
export interface PortalMail {
  to: string;
  content: MailContent;
  locale?: MailLocale;
}

/**
 * Queues email from the portal in the tenant's outbox with the caller's transaction, so it is sent
 * if and only if the change that causes it commits (docs/decisions/040). Its sender name, its
 * brand, links on its registered host, in the recipient's language: the caller's when it knows it
 * (the reader is the one asking), else the member's own choice, else the portal's default
 * (docs/decisions/034). Run the transaction with withTenantMail, which asks for the flush.
 */
export async function queuePortalMail(tx: Tx, tenant: ResolvedTenant, mails: PortalMail[]): Promise<void> {
  if (mails.length === 0) return;
  const settings = await tx.portalSettings.findUnique({
    where: { id: 1 },
    select: { senderName: true, defaultLocale: true },
  });
  const unknown = mails.filter((m) => !m.locale).map((m) => m.to.trim().toLowerCase());
  const chosen = new Map(
    unknown.length
      ? (
          await tx.user.findMany({
            where: { email: { in: [...new Set(unknown)] } },
            select: { email: true, locale: true },
          })
        ).map((u) => [u.email, asLocale(u.locale)])
      : [],
  );
  const fallback = asLocale(settings?.defaultLocale) ?? DEFAULT_LOCALE;
  const brand = tenantMailBrand(tenant, publicLink);
  const fromAddress = platform().env.PORTICO_MAIL_FROM ?? `no-reply@${tenant.primaryHost}`;
  await queueTenantMail(
    tx,
    mails.map((m) => ({
      to: m.to,
      fromName: settings?.senderName || tenant.name,
      fromAddress,
      content: m.content,
      brand,
      locale: m.locale ?? chosen.get(m.to.trim().toLowerCase()) ?? fallback,
    })),
  );
}

/** The promoted registrations' emails, each with its ticket: queued in the promotion's transaction. */
export async function queuePromotedMail(tx: Tx, tenant: ResolvedTenant, promoted: Promoted[]): Promise<void> {
  if (promoted.length === 0) return;
  const rows = await tx.registration.findMany({
    where: { id: { in: promoted.map((p) => p.id) } },
    select: { id: true, email: true, name: true, ticketCode: true, event: { select: MAIL_EVENT_FIELDS } },
  });
  await queuePortalMail(
    tx,
    tenant,
    rows.map((r) => ({
      to: r.email,
      content: {
        kind: "promoted",
        name: r.name,
        event: mailEvent(tenant, r.event),
        registrationId: r.id,
        ticketUrl: publicLink(tenant.primaryHost, `/tickets/${r.ticketCode}`),
      },
    })),
  );
}

/** What an email needs to know about an event: select these fields, then pass the row to mailEvent. */
export const MAIL_EVENT_FIELDS = {
  slug: true,
  title: true,
  summary: true,
  startsAt: true,
  endsAt: true,
  timeZone: true,
  venue: true,
  onlineUrl: true,
} as const;

export function mailEvent(
  tenant: ResolvedTenant,
  e: {
    slug: string;
    title: string;
    summary: string;
    startsAt: Date;
    endsAt: Date;
    timeZone: string;
    venue: string | null;
    onlineUrl: string | null;
  },
): MailEvent {
  return {
    title: e.title,
    summary: e.summary,
    startsAt: e.startsAt,
    endsAt: e.endsAt,
    timeZone: e.timeZone,
    venue: e.venue,
    onlineUrl: e.onlineUrl,
    url: publicLink(tenant.primaryHost, `/events/${e.slug}`),
  };
}

export async function registerMember(
  tenant: ResolvedTenant,
  user: TenantUser,
  eventSlug: string,
  answers: Record<string, unknown>,
  locale?: MailLocale,
): Promise<RegistrationOutcome & { title: string }> {
  const event = await withTenantDb(tenant.id, (db) =>
    db.event.findFirst({
      where: { slug: eventSlug, status: { in: ["published", "cancelled"] } },
      select: { id: true, questions: true, ...MAIL_EVENT_FIELDS },
    }),
  );
  if (!event) throw new RegistrationRefused("This event does not exist.");
  const outcome = await withTenantMail(tenant.id, (db) =>
    registerForEvent(
      db,
      // Questions count only on plans that include them.
      {
        eventId: event.id,
        registrant: { userId: user.id, email: user.email, name: user.name },
        answers: hasFeature(tenant, "custom-questions") ? answers : {},
      },
      { waitlist: hasFeature(tenant, "waitlist") },
      (tx, outcome) =>
        queuePortalMail(tx, tenant, [
          {
            to: user.email,
            content:
              outcome.status === "confirmed"
                ? {
                    kind: "registered",
                    name: user.name,
                    event: mailEvent(tenant, event),
                    registrationId: outcome.registrationId,
                    ticketUrl: publicLink(tenant.primaryHost, `/tickets/${outcome.ticketCode}`),
                  }
                : { kind: "waitlisted", name: user.name, event: mailEvent(tenant, event) },
            locale,
          },
        ]),
    ),
  );
  return { ...outcome, title: event.title };
}

/**
 * Cancels one of the member's own registrations: the member gets a note saying so (with the way
 * back to the event), and whoever is promoted is told.
 */
export async function cancelMemberRegistration(
  tenant: ResolvedTenant,
  user: TenantUser,
  registrationId: string,
  locale?: MailLocale,
): Promise<void> {
  await withTenantMail(tenant.id, (db) =>
    cancelRegistration(db, registrationId, { userId: user.id }, async (tx, { promoted }) => {
      const row = await tx.registration.findUnique({
        where: { id: registrationId },
        select: { email: true, name: true, event: { select: MAIL_EVENT_FIELDS } },
      });
      if (row)
        await queuePortalMail(tx, tenant, [
          {
            to: row.email,
            content: { kind: "registration-cancelled", name: row.name, event: mailEvent(tenant, row.event) },
            locale,
          },
        ]);
      await queuePromotedMail(tx, tenant, promoted);
    }),
  );
}

/** The signed-in member's own registrations; user comes from the guard (docs/decisions/018). */
/** The member's registrations, each waitlisted one with its place in the queue. */
export function memberRegistrations(tenant: ResolvedTenant, user: TenantUser) {
  assertTenantRole(user, tenant, "member");
  return withTenantDb(tenant.id, async (db) => {
    const rows = await db.registration.findMany({
      where: { userId: user.id },
      orderBy: { event: { startsAt: "asc" } },
      take: 100,
      select: {
        id: true,
        eventId: true,
        status: true,
        createdAt: true,
        ticketCode: true,
        event: { select: { slug: true, title: true, startsAt: true, endsAt: true, timeZone: true, status: true } },
      },
    });
    return Promise.all(rows.map(async (r) => ({ ...r, position: await waitlistPosition(db, r) })));
  });
}

/**
 * The member's live registration for an event, with its waitlist place and how many people wait
 * (a confirmed member cancelling hands the seat to the first of them).
 */
export function memberRegistrationFor(tenant: ResolvedTenant, user: TenantUser, eventId: string) {
  assertTenantRole(user, tenant, "member");
  return withTenantDb(tenant.id, async (db) => {
    const row = await db.registration.findFirst({
      where: { userId: user.id, eventId, status: { not: "cancelled" } },
      select: { id: true, eventId: true, status: true, createdAt: true, ticketCode: true },
    });
    if (!row) return null;
    const waiting = await db.registration.count({ where: { eventId, status: "waitlisted" } });
    return {
      id: row.id,
      status: row.status,
      ticketCode: row.ticketCode,
      position: await waitlistPosition(db, row),
      waiting,
    };
  });
}

/**
 * A guest registers without an account, where the portal allows it: the registration waits
 * (holding no seat) until the guest follows the single-use link emailed to them.
 */
export async function registerGuest(
  tenant: ResolvedTenant,
  eventSlug: string,
  guest: { name: string; email: string },
  answers: Record<string, unknown>,
  locale?: MailLocale,
): Promise<"sent" | "already"> {
  if (!(await portalSettings(tenant)).allowGuestRegistration)
    throw new RegistrationRefused("Sign in to register; this portal does not take guest registrations.");
  const address = checkEmailAddress(guest.email, "Enter your email address, e.g. jo@example.com.");
  if (!address.ok) throw new RegistrationRefused(address.message);
  const email = address.email;
  const name = guest.name.trim();
  if (!name) throw new RegistrationRefused("Enter your name.");
  const event = await withTenantDb(tenant.id, (db) =>
    db.event.findFirst({
      where: { slug: eventSlug, status: { in: ["published", "cancelled"] } },
      select: { id: true, ...MAIL_EVENT_FIELDS },
    }),
  );
  if (!event) throw new RegistrationRefused("This event does not exist.");
  const token = generateToken();
  const link = publicLink(tenant.primaryHost, `/registrations/confirm?token=${encodeURIComponent(token)}`);
  const outcome = await withTenantMail(tenant.id, (db) =>
    registerForEvent(
      db,
      {
        eventId: event.id,
        registrant: { userId: null, email, name },
        answers: hasFeature(tenant, "custom-questions") ? answers : {},
        guest: { confirmTokenHash: hashToken(token) },
      },
      { waitlist: hasFeature(tenant, "waitlist") },
      (tx) =>
        queuePortalMail(tx, tenant, [
          { to: email, content: { kind: "guest-confirmation", name, event: mailEvent(tenant, event), link }, locale },
        ]),
    ),
  );
  return outcome.created ? "sent" : "already";
}

/** A guest's confirmation link: the registration takes a seat, or joins the waitlist. */
export async function confirmGuest(tenant: ResolvedTenant, token: unknown, locale?: MailLocale) {
  if (typeof token !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const confirmed = await withTenantMail(tenant.id, (db) =>
    confirmGuestRegistration(db, hashToken(token), { waitlist: hasFeature(tenant, "waitlist") }, async (tx, done) => {
      if (done.status !== "confirmed") return;
      const row = await tx.registration.findUniqueOrThrow({
        where: { id: done.id },
        select: { email: true, name: true, ticketCode: true, event: { select: MAIL_EVENT_FIELDS } },
      });
      await queuePortalMail(tx, tenant, [
        {
          to: row.email,
          content: {
            kind: "registered",
            name: row.name,
            event: mailEvent(tenant, row.event),
            registrationId: done.id,
            ticketUrl: publicLink(tenant.primaryHost, `/tickets/${row.ticketCode}`),
          },
          locale,
        },
      ]);
    }),
  );
  if (!confirmed) return null;
  // A confirmed guest takes a seat: the event's public page shows one place fewer.
  await tellPageCaches(tenant.id);
  return withTenantDb(tenant.id, (db) =>
    db.registration.findUnique({
      where: { id: confirmed.id },
      select: { email: true, name: true, status: true, ticketCode: true, event: { select: MAIL_EVENT_FIELDS } },
    }),
  );
}
