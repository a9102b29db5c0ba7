/**
 * "Add to Google Calendar" and "Add to Outlook" links for one event. Both services take the
 * times in UTC, so the reader's calendar shows them in the reader's own zone.
 */
export interface CalendarLinkEvent {
  title: string;
  details: string;
  location: string | null;
  startsAt: Date;
  endsAt: Date;
}

/** 20261201T080000Z: the compact UTC form Google's template link expects. */
const compactUtc = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

/** 2026-12-01T08:00:00Z: the ISO form Outlook's compose link expects. */
const isoUtc = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** Long descriptions are cut so the link stays within what browsers and mail clients keep. */
const DETAILS_MAX = 1_000;
const cut = (text: string) => (text.length > DETAILS_MAX ? `${text.slice(0, DETAILS_MAX - 1)}…` : text);

export function googleCalendarUrl(event: CalendarLinkEvent): string {
  const url = new URL("https://calendar.google.com/calendar/render");
  url.searchParams.set("action", "TEMPLATE");
  url.searchParams.set("text", event.title);
  url.searchParams.set("dates", `${compactUtc(event.startsAt)}/${compactUtc(event.endsAt)}`);
  url.searchParams.set("details", cut(event.details));
  if (event.location) url.searchParams.set("location", event.location);
  url.searchParams.set("ctz", "UTC");
  return url.toString();
}

export function outlookCalendarUrl(event: CalendarLinkEvent): string {
  const url = new URL("https://outlook.live.com/calendar/0/deeplink/compose");
  url.searchParams.set("path", "/calendar/action/compose");
  url.searchParams.set("rru", "addevent");
  url.searchParams.set("subject", event.title);
  url.searchParams.set("startdt", isoUtc(event.startsAt));
  url.searchParams.set("enddt", isoUtc(event.endsAt));
  url.searchParams.set("body", cut(event.details));
  if (event.location) url.searchParams.set("location", event.location);
  return url.toString();
}
