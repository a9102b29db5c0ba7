import { useTranslations } from "next-intl";
import { googleCalendarUrl, outlookCalendarUrl, type CalendarLinkEvent } from "@/lib/format/calendar-links.ts";

/** "Add to calendar": the .ics file beside Google Calendar and Outlook links, for one event. */
export function CalendarLinks({ icsHref, event }: { icsHref: string; event: CalendarLinkEvent }) {
  const t = useTranslations("event");
  const link = "font-medium text-brand underline";
  return (
    <p className="mt-6 flex flex-wrap items-center gap-x-4 gap-y-2 text-sm" data-testid="calendar-links">
      <span className="opacity-80">{t("addToCalendar")}</span>
      <a href={icsHref} className={link} data-testid="ics-link">
        {t("ics")}
      </a>
      <a
        href={googleCalendarUrl(event)}
        className={link}
        target="_blank"
        rel="noopener noreferrer"
        data-testid="google-calendar-link"
      >
        Google Calendar
      </a>
      <a
        href={outlookCalendarUrl(event)}
        className={link}
        target="_blank"
        rel="noopener noreferrer"
        data-testid="outlook-calendar-link"
      >
        Outlook
      </a>
    </p>
  );
}
