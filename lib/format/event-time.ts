import { dateTimeFormat } from "./date-time-format.ts";
import { intlLocale } from "./locale.ts";

/** The day, time and zone-name formats of one time zone in the reader's language. */
function zonedFormats(timeZone: string, locale: string) {
  const intl = intlLocale(locale);
  const day = dateTimeFormat(intl, { timeZone, weekday: "short", day: "numeric", month: "short", year: "numeric" });
  const time = dateTimeFormat(intl, { timeZone, hour: "2-digit", minute: "2-digit" });
  const zoneName = (date: Date) =>
    dateTimeFormat(intl, { timeZone, timeZoneName: "short" })
      .formatToParts(date)
      .find((p) => p.type === "timeZoneName")?.value;
  return { day, time, zoneName };
}

/**
 * "Tue, 1 Dec 2026, 09:00–13:00 CET" (en), "Di., 1. Dez. 2026, 09:00–13:00 MEZ" (de): shown in
 * the event's own time zone, which is named, in the reader's language ("en", "de", "fr" or any
 * Intl locale).
 */
export function formatEventTime(startsAt: Date, endsAt: Date, timeZone: string, locale: string): string {
  const { day, time, zoneName } = zonedFormats(timeZone, locale);
  const zone = zoneName(startsAt);
  const sameDay = day.format(startsAt) === day.format(endsAt);
  const end = sameDay ? time.format(endsAt) : `${day.format(endsAt)}, ${time.format(endsAt)}`;
  return `${day.format(startsAt)}, ${time.format(startsAt)}–${end}${zone ? ` ${zone}` : ""}`;
}

/**
 * One instant in an event's own zone, named, in the reader's language: "Tue, 1 Dec 2026, 09:00
 * CET" (en), "Di., 1. Dez. 2026, 09:00 MEZ" (de); when registration opens, for example.
 */
export function formatZonedInstant(date: Date, timeZone: string, locale: string): string {
  const { day, time, zoneName } = zonedFormats(timeZone, locale);
  const zone = zoneName(date);
  return `${day.format(date)}, ${time.format(date)}${zone ? ` ${zone}` : ""}`;
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

/**
 * "14:00 in your time, Europe/Berlin" (with the day when it differs from the event's), or null
 * when the viewer's zone is the event's or shows the same clock time there.
 */
export function viewerTime(
  startsAt: Date,
  eventZone: string,
  viewerZone: string,
  locale: string,
  inYourTime: (when: string, zone: string) => string = (when, zone) => `${when} in your time, ${zone}`,
): string | null {
  const intl = intlLocale(locale);
  if (!viewerZone || viewerZone === eventZone) return null;
  const time = (timeZone: string) => dateTimeFormat(intl, { timeZone, hour: "2-digit", minute: "2-digit" });
  const day = (timeZone: string) =>
    dateTimeFormat(intl, { timeZone, weekday: "short", day: "numeric", month: "short" });
  let local: string;
  try {
    local = time(viewerZone).format(startsAt);
  } catch {
    return null; // a zone this runtime does not know: say nothing rather than something wrong
  }
  const otherDay = day(viewerZone).format(startsAt) !== day(eventZone).format(startsAt);
  if (!otherDay && local === time(eventZone).format(startsAt)) return null;
  return inYourTime(`${otherDay ? `${day(viewerZone).format(startsAt)}, ` : ""}${local}`, viewerZone);
}
