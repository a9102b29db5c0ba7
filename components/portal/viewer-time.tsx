"use client";

import { useLocale, useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import { viewerTime } from "@/lib/format/event-time.ts";

/**
 * The event's start in the viewer's own zone, beside the server's rendering in the event's zone:
 * "(14:00 in your time, Europe/Berlin)". The server cannot know the viewer's zone, so this
 * appears after hydration only, and stays empty when the zones agree (`data-zone` says which
 * zone was compared).
 */
export function ViewerTime({ startsAt, timeZone }: { startsAt: string; timeZone: string }) {
  const [seen, setSeen] = useState<{ zone: string; text: string | null } | null>(null);
  const locale = useLocale();
  const t = useTranslations("event");
  useEffect(() => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- the browser's zone exists only after hydration
    setSeen({
      zone,
      text: viewerTime(new Date(startsAt), timeZone, zone, locale, (when, z) => t("inYourTime", { when, zone: z })),
    });
  }, [startsAt, timeZone, locale, t]);
  if (!seen) return null;
  return (
    <span data-testid="viewer-time" data-zone={seen.zone} className="block text-sm">
      {seen.text && `(${seen.text})`}
    </span>
  );
}
