import { dateTimeFormat } from "./date-time-format.ts";

/** "Tue, 1 Dec 2026, 09:00–13:00 CET": shown in the event's own time zone, which is named. */
export function formatEventTime(startsAt: Date, endsAt: Date, timeZone: string, locale = "en-GB"): string {
  const day = dateTimeFormat(locale, { timeZone, weekday: "short", day: "numeric", month: "short", year: "numeric" });
  const time = dateTimeFormat(locale, { timeZone, hour: "2-digit", minute: "2-digit" });
  const zone = dateTimeFormat(locale, { timeZone, timeZoneName: "short" })
    .formatToParts(startsAt)
    .find((p) => p.type === "timeZoneName")?.value;
  const sameDay = day.format(startsAt) === day.format(endsAt);
  const end = sameDay ? time.format(endsAt) : `${day.format(endsAt)}, ${time.format(endsAt)}`;
  return `${day.format(startsAt)}, ${time.format(startsAt)}–${end}${zone ? ` ${zone}` : ""}`;
}

export function formatDateParts(date: Date, timeZone: string, locale = "en-GB"): { day: string; month: string } {
  return {
    day: dateTimeFormat(locale, { timeZone, day: "numeric" }).format(date),
    month: dateTimeFormat(locale, { timeZone, month: "short" }).format(date),
  };
}

/**
 * "14:00 in your time, Europe/Berlin" (with the day when it differs from the event's), or null
 * when the viewer's zone is the event's or shows the same clock time there.
 */
export function viewerTime(startsAt: Date, eventZone: string, viewerZone: string, locale = "en-GB"): string | null {
  if (!viewerZone || viewerZone === eventZone) return null;
  const time = (timeZone: string) => dateTimeFormat(locale, { timeZone, hour: "2-digit", minute: "2-digit" });
  const day = (timeZone: string) =>
    dateTimeFormat(locale, { timeZone, weekday: "short", day: "numeric", month: "short" });
  let local: string;
  try {
    local = time(viewerZone).format(startsAt);
  } catch {
    return null; // a zone this runtime does not know: say nothing rather than something wrong
  }
  const otherDay = day(viewerZone).format(startsAt) !== day(eventZone).format(startsAt);
  if (!otherDay && local === time(eventZone).format(startsAt)) return null;
  return `${otherDay ? `${day(viewerZone).format(startsAt)}, ` : ""}${local} in your time, ${viewerZone}`;
}
