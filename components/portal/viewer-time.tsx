"use client";

import { useEffect, useState } from "react";
import { viewerTime } from "@/lib/format/event-time.ts";

/**
 * The event's start in the viewer's own zone, beside the server's rendering in the event's zone:
 * "(14:00 in your time, Europe/Berlin)". The server cannot know the viewer's zone, so this
 * appears after hydration only, and not at all when the zones agree.
 */
export function ViewerTime({ startsAt, timeZone }: { startsAt: string; timeZone: string }) {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- the browser's zone exists only after hydration
    setText(viewerTime(new Date(startsAt), timeZone, Intl.DateTimeFormat().resolvedOptions().timeZone));
  }, [startsAt, timeZone]);
  if (!text) return null;
  return (
    <span data-testid="viewer-time" className="block text-sm opacity-75">
      ({text})
    </span>
  );
}
