import "server-only";
import type { Metadata } from "next";
import { publicLink } from "../auth/origin.server.ts";
import { formatEventTime } from "../format/event-time.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";

/**
 * Description and Open Graph tags for a shared link, every URL absolute on the tenant's own
 * primary host: a preview shows this portal's name and image, never another's or the platform's.
 */
export function shareMetadata(
  tenant: ResolvedTenant,
  page: { path: string; title: string; description: string; image?: string | null },
): Metadata {
  const description = page.description;
  const image = publicLink(tenant.primaryHost, page.image ?? tenant.theme.logo.src);
  return {
    description,
    openGraph: {
      type: "website",
      siteName: tenant.name,
      title: page.title,
      description,
      url: publicLink(tenant.primaryHost, page.path),
      images: [{ url: image, alt: page.image ? page.title : tenant.theme.logo.alt }],
    },
    twitter: {
      // A wide cover earns the large card; a square logo reads better small.
      card: page.image ? "summary_large_image" : "summary",
      title: page.title,
      description,
      images: [image],
    },
  };
}

/** The event's summary, else the start of its description as plain text, else when it is. */
export function eventDescription(
  event: {
    summary: string;
    description: string;
    startsAt: Date;
    endsAt: Date;
    timeZone: string;
    venue: string | null;
  },
  locale: string,
): string {
  const plain = (event.summary || event.description)
    .replace(/[*_`#>]+/g, "")
    .replace(/\s+/g, " ")
    .trim();
  const when = formatEventTime(event.startsAt, event.endsAt, event.timeZone, locale);
  const text = plain || `${when}${event.venue ? `, ${event.venue}` : ""}`;
  return text.length > 200 ? `${text.slice(0, 197).trimEnd()}…` : text;
}
