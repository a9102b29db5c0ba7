import { dateTimeFormat } from "./date-time-format.ts";

export interface AgendaDay<T> {
  /** A sortable key, e.g. "2026-12-08". */
  key: string;
  /** "Tuesday, 8 December 2026". */
  label: string;
  events: T[];
}

/**
 * Events grouped by the day they start on, each in its own time zone (an event at 23:30 in New York
 * belongs to that evening there), keeping the order given.
 */
export function agendaDays<T extends { startsAt: Date; timeZone: string }>(
  events: readonly T[],
  locale = "en-GB",
): AgendaDay<T>[] {
  const days = new Map<string, AgendaDay<T>>();
  for (const event of events) {
    const key = dateTimeFormat("en-CA", {
      timeZone: event.timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).format(event.startsAt);
    let day = days.get(key);
    if (!day) {
      const label = dateTimeFormat(locale, {
        timeZone: event.timeZone,
        weekday: "long",
        day: "numeric",
        month: "long",
        year: "numeric",
      }).format(event.startsAt);
      day = { key, label, events: [] };
      days.set(key, day);
    }
    day.events.push(event);
  }
  return [...days.values()];
}

/** "09:00" in the event's own zone, for an agenda row. */
export function startTime(startsAt: Date, timeZone: string, locale = "en-GB"): string {
  return dateTimeFormat(locale, { timeZone, hour: "2-digit", minute: "2-digit" }).format(startsAt);
}
