import Link from "next/link";
import { useLocale, useTranslations } from "next-intl";
import { agendaDays, startTime } from "@/lib/format/agenda.ts";
import { formatDateParts, formatEventTime } from "@/lib/format/event-time.ts";
import type { EventSummary } from "@/lib/portal/events.server.ts";
import type { LayoutName } from "@/lib/tenancy/theme.ts";
import { intlLocale } from "@/lib/format/locale.ts";

function Cancelled({ event }: { event: Pick<EventSummary, "status"> }) {
  const t = useTranslations("home");
  if (event.status !== "cancelled") return null;
  return (
    <p className="mt-1 inline-block rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-800">
      {t("cancelled")}
    </p>
  );
}

/**
 * An event's cover, or a branded stand-in (the tenant's colours and the date) when it has none,
 * so a card layout never shows an empty box.
 */
export function EventCover({
  event,
  className = "",
  decorative = true,
}: {
  event: Pick<EventSummary, "coverSrc" | "startsAt" | "timeZone" | "title">;
  className?: string;
  decorative?: boolean;
}) {
  const locale = useLocale();
  const t = useTranslations("home");
  if (event.coverSrc)
    return (
      // eslint-disable-next-line @next/next/no-img-element -- a same-origin cover served by the portal
      <img
        src={event.coverSrc}
        alt={decorative ? "" : t("coverOf", { event: event.title })}
        data-testid="event-cover"
        className={`aspect-video w-full object-cover ${className}`}
      />
    );
  const { day, month } = formatDateParts(event.startsAt, event.timeZone, locale);
  return (
    <div
      data-testid="event-cover-fallback"
      aria-hidden
      className={`flex aspect-video w-full items-end bg-linear-to-br from-brand to-accent p-4 text-on-brand ${className}`}
    >
      <span className="rounded-lg bg-black/25 px-3 py-1.5 text-white backdrop-blur-sm">
        <span className="text-2xl font-bold leading-none">{day}</span>{" "}
        <span className="text-sm uppercase tracking-wide">{month}</span>
      </span>
    </div>
  );
}

/** The classic layout: a list of cards with a date badge. */
export function EventCard({ event }: { event: EventSummary }) {
  const locale = useLocale();
  const { day, month } = formatDateParts(event.startsAt, event.timeZone, locale);
  return (
    <li data-testid="event-card">
      <Link
        href={`/events/${event.slug}`}
        className="group flex gap-4 rounded-2xl bg-surface p-5 shadow-sm ring-1 ring-black/5 transition hover:shadow-md focus:outline-none focus-visible:ring-2 focus-visible:ring-brand"
      >
        <div
          className="flex h-16 w-16 shrink-0 flex-col items-center justify-center rounded-xl bg-brand text-on-brand"
          aria-hidden
        >
          <span className="text-2xl font-bold leading-none">{day}</span>
          <span className="text-xs uppercase tracking-wide">{month}</span>
        </div>
        <div className="min-w-0">
          <h2 className="text-lg font-semibold group-hover:underline">{event.title}</h2>
          <Cancelled event={event} />
          <p className="mt-0.5 text-sm opacity-75">
            {formatEventTime(event.startsAt, event.endsAt, event.timeZone, locale)}
          </p>
          {event.venue && <p className="text-sm opacity-75">{event.venue}</p>}
          {event.summary && <p className="mt-2 line-clamp-2 text-sm">{event.summary}</p>}
        </div>
      </Link>
    </li>
  );
}

/** The grid layout: cover-image cards. */
function EventTile({ event }: { event: EventSummary }) {
  const locale = useLocale();
  return (
    <li data-testid="event-card">
      <Link
        href={`/events/${event.slug}`}
        className="group flex h-full flex-col overflow-hidden rounded-2xl bg-surface shadow-sm ring-1 ring-black/5 transition hover:shadow-md focus:outline-none focus-visible:ring-2 focus-visible:ring-brand"
      >
        <EventCover event={event} />
        <div className="flex-1 p-4">
          <p className="text-xs font-medium uppercase tracking-wide opacity-75">
            {formatEventTime(event.startsAt, event.endsAt, event.timeZone, locale)}
          </p>
          <h2 className="mt-1 text-lg font-semibold group-hover:underline">{event.title}</h2>
          <Cancelled event={event} />
          {event.venue && <p className="text-sm opacity-75">{event.venue}</p>}
          {event.summary && <p className="mt-2 line-clamp-3 text-sm">{event.summary}</p>}
        </div>
      </Link>
    </li>
  );
}

/** The agenda layout: days as headings, one compact row per event. */
function Agenda({ events }: { events: EventSummary[] }) {
  const locale = intlLocale(useLocale());
  const t = useTranslations("home");
  return (
    <div className="mt-6 space-y-6" data-layout="agenda" data-testid="event-list">
      {agendaDays(events, locale).map((day) => (
        <section key={day.key} data-testid="agenda-day" aria-labelledby={`day-${day.key}`}>
          <h2
            id={`day-${day.key}`}
            className="border-b border-black/10 pb-1 text-sm font-semibold uppercase tracking-wide"
          >
            {day.label}
          </h2>
          <ul className="divide-y divide-black/5">
            {day.events.map((event) => (
              <li key={event.id} data-testid="event-card">
                <Link
                  href={`/events/${event.slug}`}
                  className="group grid grid-cols-[4rem_1fr] gap-3 py-3 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand"
                >
                  <time
                    dateTime={event.startsAt.toISOString()}
                    className="font-mono text-sm font-semibold text-brand tabular-nums"
                  >
                    {startTime(event.startsAt, event.timeZone, locale)}
                  </time>
                  <span className="min-w-0">
                    <span className="font-semibold group-hover:underline">{event.title}</span>
                    {event.status === "cancelled" && (
                      <span className="ml-2 rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-800">
                        {t("cancelled")}
                      </span>
                    )}
                    {event.venue && <span className="block text-sm opacity-75">{event.venue}</span>}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

/** The catalogue's events in the tenant's chosen layout (lib/tenancy/theme.ts LAYOUTS). */
export function EventList({ events, layout }: { events: EventSummary[]; layout: LayoutName }) {
  if (layout === "agenda") return <Agenda events={events} />;
  if (layout === "grid")
    return (
      <ul className="mt-6 grid gap-5 sm:grid-cols-2 lg:grid-cols-3" data-layout="grid" data-testid="event-list">
        {events.map((event) => (
          <EventTile key={event.id} event={event} />
        ))}
      </ul>
    );
  return (
    <ul className="mt-6 grid gap-4 md:grid-cols-2" data-layout="classic" data-testid="event-list">
      {events.map((event) => (
        <EventCard key={event.id} event={event} />
      ))}
    </ul>
  );
}
