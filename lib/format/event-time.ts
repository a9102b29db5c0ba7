import { dateTimeFormat } from "./date-time-format.ts";
import { intlLocale } from "./locale.ts";

/**
 * "Tue, 1 Dec 2026, 09:00–13:00 CET" (en), "Di., 1. Dez. 2026, 09:00–13:00 MEZ" (de): shown in
 * the event's own time zone, which is named, in the reader's language ("en", "de", "fr" or any
 * Intl locale).
 */
export function formatEventTime(startsAt: Date, endsAt: Date, timeZone: string, locale: string): string {
  const intl = intlLocale(locale);
  const day = dateTimeFormat(intl, { timeZone, weekday: "short", day: "numeric", month: "short", year: "numeric" });
  const time = dateTimeFormat(intl, { timeZone, hour: "2-digit", minute: "2-digit" });
  const zone = dateTimeFormat(intl, { timeZone, timeZoneName: "short" })
    .formatToParts(startsAt)
    .find((p) => p.type === "timeZoneName")?.value;
  const sameDay = day.format(startsAt) === day.format(endsAt);
  const end = sameDay ? time.format(endsAt) : `${day.format(endsAt)}, ${time.format(endsAt)}`;
  return `${day.format(startsAt)}, ${time.format(startsAt)}–${end}${zone ? ` ${zone}` : ""}`;
}

export function formatDateParts(date: Date, timeZone: string, locale: string): { day: string; month: string } {
  const intl = intlLocale(locale);
  return {
    day: dateTimeFormat(intl, { timeZone, day: "numeric" }).format(date),
    month: dateTimeFormat(intl, { timeZone, month: "short" }).format(date),
  };
}

/** An instant as "1 Dec 2026, 14:05" in the reader's language, in UTC unless a zone is given. */
export function formatInstant(date: Date, locale: string, timeZone = "UTC"): string {
  return dateTimeFormat(intlLocale(locale), {
    timeZone,
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  }).format(date);
}
