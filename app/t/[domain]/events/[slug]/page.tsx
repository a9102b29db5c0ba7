import type { Metadata } from "next";
import Link from "next/link";
import { getLocale, getTranslations } from "next-intl/server";
import { notFound } from "next/navigation";
import { TenantNotice } from "@/components/portal/tenant-notice.tsx";
import { TenantUnavailable } from "@/lib/util/errors.ts";
import { formatEventTime, formatZonedInstant } from "@/lib/format/event-time.ts";
import { publishedEvent } from "@/lib/portal/events.server.ts";
import { portalSettings } from "@/lib/portal/settings.server.ts";
import { RegistrationPanel } from "@/components/portal/registration-panel.tsx";
import { RichText } from "@/components/portal/rich-text.tsx";
import { CalendarLinks } from "@/components/portal/add-to-calendar.tsx";
import { publicLink } from "@/lib/auth/origin.server.ts";
import { ViewerTime } from "@/components/portal/viewer-time.tsx";
import { tenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { withTenantDb } from "@/lib/platform/with-tenant-db.server.ts";
import { hasFeature } from "@/lib/portal/features.server.ts";
import { memberRegistrationFor } from "@/lib/portal/member.server.ts";
import { parseQuestions } from "@/lib/portal/questions.ts";
import { registrationClosure } from "@/lib/portal/registrations.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import type { ResolvedTenant } from "@/lib/tenancy/resolver.ts";
import { EventCover } from "@/components/portal/event-card.tsx";
import { StickyRegister } from "@/components/portal/sticky-register.tsx";
import { eventDescription, shareMetadata } from "@/lib/portal/share.server.ts";
import { cancelAction, registerAction, registerGuestAction } from "./actions.ts";

type Props = { params: Promise<{ domain: string; slug: string }> };

async function load(params: Props["params"]) {
  const { domain, slug } = await params;
  const tenant = await currentTenant(domain);
  try {
    return { tenant, event: await publishedEvent(tenant, slug) };
  } catch (error) {
    if (error instanceof TenantUnavailable) return { tenant, event: undefined };
    throw error;
  }
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { tenant, event } = await load(params);
  if (!event) return { title: (await getTranslations("meta"))("event") };
  // A members-only portal tells link previews (never signed in) only whose portal it is.
  const hidden = (await portalSettings(tenant).catch(() => null))?.catalogueVisibility !== "public";
  if (hidden)
    return shareMetadata(tenant, {
      path: `/events/${event.slug}`,
      title: tenant.name,
      description: (await getTranslations("meta"))("portalDescription", { portal: tenant.name }),
    });
  return {
    title: event.title,
    ...shareMetadata(tenant, {
      path: `/events/${event.slug}`,
      title: `${event.title} · ${tenant.name}`,
      description: eventDescription(event, await getLocale()),
      image: event.coverSrc,
    }),
  };
}

/**
 * Everything the page shows from the tenant's database, read before anything is rendered: a pool
 * that stays busy or a database that stops answering at any of these reads gives the tenant's
 * notice, never the error page (decision 060).
 */
async function pageData(tenant: ResolvedTenant, slug: string) {
  try {
    const event = await publishedEvent(tenant, slug);
    if (!event) return null;
    const user = await tenantUser(tenant);
    const settings = await portalSettings(tenant);
    if (!user && settings.catalogueVisibility === "members") return { event, membersOnly: true as const };
    const registration = user ? await memberRegistrationFor(tenant, user, event.id) : null;
    const confirmed =
      event.capacity === null
        ? 0
        : await withTenantDb(tenant.id, (db) =>
            db.registration.count({ where: { eventId: event.id, status: "confirmed" } }),
          );
    return { event, membersOnly: false as const, user, settings, registration, confirmed };
  } catch (error) {
    if (error instanceof TenantUnavailable) return "unavailable" as const;
    throw error;
  }
}

export default async function EventPage({ params }: Props) {
  const { domain, slug } = await params;
  const tenant = await currentTenant(domain);
  const data = await pageData(tenant, slug);
  if (data === "unavailable") return <TenantNotice tenant={tenant} kind="unavailable" />;
  if (!data) notFound();
  if (data.membersOnly) {
    const th = await getTranslations("home");
    return (
      <p data-testid="members-only" className="rounded-2xl bg-surface p-8 text-center ring-1 ring-black/5">
        {th.rich("membersOnly", {
          link: (chunks) => (
            <Link
              href={`/sign-in?callbackUrl=${encodeURIComponent(`/events/${data.event.slug}`)}`}
              className="font-medium text-brand underline"
            >
              {chunks}
            </Link>
          ),
        })}
      </p>
    );
  }
  const { event, user, settings, registration, confirmed } = data;
  const t = await getTranslations("event");
  const locale = await getLocale();
  const closure = registrationClosure(event);
  const ts = await getTranslations("server");
  // The opening time in the event's own zone, formatted for the reader.
  const closedReason = !closure
    ? null
    : closure.reason === "opensOn"
      ? ts("opensOn", { at: formatZonedInstant(closure.at, event.timeZone, locale) })
      : ts(closure.reason);
  const full = event.capacity !== null && confirmed >= event.capacity;
  const waitlist = hasFeature(tenant, "waitlist");
  const cta = callToAction({ registration, closedReason, full, waitlist }, await getTranslations("cta"));
  return (
    <article className="rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5 sm:p-8">
      <div className="-mx-6 -mt-6 mb-6 overflow-hidden rounded-t-2xl sm:-mx-8 sm:-mt-8">
        <EventCover event={event} decorative={false} className="max-h-80" />
      </div>
      <Link href="/" className="text-sm font-medium text-brand hover:underline">
        {t("allEvents")}
      </Link>
      <h1 data-testid="event-title" className="mt-3 text-3xl font-bold tracking-tight">
        {event.title}
      </h1>
      {event.status === "cancelled" && (
        <p className="mt-3 inline-block rounded-full bg-red-100 px-3 py-1 text-sm font-medium text-red-800">
          {t("cancelled")}
        </p>
      )}
      <dl className="mt-4 grid gap-2 text-sm sm:grid-cols-[8rem_1fr]">
        <dt className="font-medium opacity-70">{t("when")}</dt>
        <dd data-testid="event-when">
          {formatEventTime(event.startsAt, event.endsAt, event.timeZone, locale)}
          <ViewerTime startsAt={event.startsAt.toISOString()} timeZone={event.timeZone} />
        </dd>
        {event.venue && (
          <>
            <dt className="font-medium opacity-70">{t("where")}</dt>
            <dd>{event.venue}</dd>
          </>
        )}
        {event.capacity !== null && (
          <>
            <dt className="font-medium opacity-70">{t("places")}</dt>
            <dd data-testid="places">
              {t("placesLeft", { left: Math.max(0, event.capacity - confirmed), capacity: event.capacity })}
            </dd>
          </>
        )}
      </dl>
      {event.summary && <p className="mt-6 text-lg">{event.summary}</p>}
      {event.description && (
        <div className="mt-4 opacity-90">
          <RichText text={event.description} />
        </div>
      )}
      {event.onlineUrl && user && (
        <p className="mt-4 text-sm">
          {t("online")}{" "}
          <a className="text-brand underline" href={event.onlineUrl} rel="noopener noreferrer">
            {event.onlineUrl}
          </a>
        </p>
      )}
      <CalendarLinks
        icsHref={`/events/${event.slug}/calendar.ics`}
        event={{
          title: event.title,
          details: [event.summary, publicLink(tenant.primaryHost, `/events/${event.slug}`)]
            .filter(Boolean)
            .join("\n\n"),
          // The join link is for signed-in members only, as on this page.
          location: event.venue ?? (user ? event.onlineUrl : null),
          startsAt: event.startsAt,
          endsAt: event.endsAt,
        }}
      />
      <div id="register" className="scroll-mt-6">
        <RegistrationPanel
          actions={{ register: registerAction, cancel: cancelAction, registerGuest: registerGuestAction }}
          eventSlug={event.slug}
          closedReason={closedReason}
          questions={hasFeature(tenant, "custom-questions") ? parseQuestions(event.questions) : []}
          registration={registration}
          signedIn={Boolean(user)}
          guestsAllowed={!user && settings.allowGuestRegistration}
          full={full}
          waitlist={waitlist}
        />
      </div>
      {cta && <StickyRegister target="register" label={cta.label} detail={cta.detail} />}
    </article>
  );
}

/**
 * What the small-screen bar says, matching the panel it leads to; none when there is nothing to
 * do (registration closed, or full without a waitlist), rather than a button that cannot work.
 */
function callToAction(
  state: {
    registration: { status: string } | null;
    closedReason: string | null;
    full: boolean;
    waitlist: boolean;
  },
  t: Awaited<ReturnType<typeof getTranslations<"cta">>>,
): { label: string; detail?: string } | null {
  if (state.registration?.status === "confirmed") return { label: t("registered"), detail: t("registeredDetail") };
  if (state.registration) return { label: t("waitlisted"), detail: t("waitlistedDetail") };
  if (state.closedReason) return null;
  if (state.full) return state.waitlist ? { label: t("joinWaitlist"), detail: t("full") } : null;
  return { label: t("register") };
}
