import { dateTimeFormat } from "./date-time-format.ts";

/**
 * Wall-clock times in a named IANA time zone ↔ instants, without a date library. Staff enter an
 * event's start and end as local times where it happens; we store instants (UTC) and show them
 * again in the event's zone.
 */

function offsetMs(instant: number, timeZone: string): number {
  const parts = dateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(value) || value === "UTC";
  } catch {
    return false;
  }
}

export type ZonedResult = { ok: true; date: Date } | { ok: false; message: string };

/**
 * "2026-12-01T09:00" in "Europe/Berlin" → the instant. A local time that does not exist (the hour
 * skipped when clocks go forward) is refused; an ambiguous one (clocks go back) takes the first.
 */
export function zonedToInstant(local: string, timeZone: string): ZonedResult {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return { ok: false, message: `"${local}" is not a date and time like 2026-12-01T09:00.` };
  if (!isTimeZone(timeZone))
    return { ok: false, message: `"${timeZone}" is not a time zone; choose one from the list, e.g. Europe/Berlin.` };
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  const check = new Date(wall);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59)
    return { ok: false, message: `${local.replace("T", " ")} is not a real date and time.` };
  // Two candidates cover both sides of any transition; keep the earliest that reads back right.
  const candidates = [
    wall - offsetMs(wall - 86_400_000, timeZone),
    wall - offsetMs(wall + 86_400_000, timeZone),
    wall - offsetMs(wall, timeZone),
  ];
  const valid = candidates.filter((c) => c + offsetMs(c, timeZone) === wall).sort((a, b) => a - b);
  if (valid.length === 0) {
    return {
      ok: false,
      message: `${local.replace("T", " ")} does not exist in ${timeZone}: the clocks skip that hour. Choose a time an hour later.`,
    };
  }
  return { ok: true, date: new Date(valid[0] as number) };
}

/** The instant as "YYYY-MM-DDTHH:mm" in the zone: what a datetime-local input shows. */
export function instantToZoned(date: Date, timeZone: string): string {
  const local = new Date(date.getTime() + offsetMs(date.getTime(), timeZone));
  return local.toISOString().slice(0, 16);
}

/** Every IANA zone this runtime knows, for a select. */
export function timeZones(): string[] {
  const supported =
    (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.("timeZone") ?? [];
  return supported.includes("UTC") ? supported : ["UTC", ...supported];
}
