import { plainText } from "@/lib/portal/route-text.server.ts";
import { publicLink } from "@/lib/auth/origin.server.ts";
import { eventIcs } from "@/lib/format/ics.ts";
import { publishedEvent } from "@/lib/portal/events.server.ts";
import { currentTenantFromHost } from "@/lib/platform/current-tenant.server.ts";

/** An event as a calendar file. */
export async function GET(_: Request, { params }: { params: Promise<{ slug: string }> }) {
  const tenant = await currentTenantFromHost();
  if (!tenant) return plainText("notFound", 404);
  const event = await publishedEvent(tenant, (await params).slug);
  if (!event) return plainText("notFound", 404);
  const body = eventIcs(
    {
      uid: `${event.id}@${tenant.primaryHost}`,
      title: event.title,
      description: event.summary,
      location: event.venue ?? event.onlineUrl,
      url: publicLink(tenant.primaryHost, `/events/${event.slug}`),
      startsAt: event.startsAt,
      endsAt: event.endsAt,
      cancelled: event.status === "cancelled",
      updatedAt: event.updatedAt,
    },
    tenant.name,
  );
  return new Response(body, {
    headers: {
      "Content-Type": "text/calendar; charset=utf-8",
      "Content-Disposition": `attachment; filename="${event.slug}.ics"`,
    },
  });
}
