import Link from "next/link";
import { useLocale, useTranslations } from "next-intl";
import { formatDateParts, formatEventTime } from "@/lib/format/event-time.ts";
import type { EventSummary } from "@/lib/portal/events.server.ts";

export function EventCard({ event }: { event: EventSummary }) {
  const locale = useLocale();
  const t = useTranslations("home");
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
          {event.status === "cancelled" && (
            <p className="mt-1 inline-block rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-800">
              {t("cancelled")}
            </p>
          )}
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
