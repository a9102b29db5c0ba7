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
