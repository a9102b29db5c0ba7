import { EventCard } from "@/components/portal/event-card.tsx";
import { TenantNotice } from "@/components/portal/tenant-notice.tsx";
import { TenantUnavailable } from "@/lib/errors.ts";
import { upcomingEvents, type EventSummary } from "@/lib/portal/events.server.ts";
import { currentTenant } from "@/lib/tenancy/current.server.ts";

export default async function PortalHome({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  let events: EventSummary[];
  try {
    events = await upcomingEvents(tenant);
  } catch (error) {
    if (error instanceof TenantUnavailable) return <TenantNotice tenant={tenant} kind="unavailable" />;
    throw error;
  }
  return (
    <>
      <h1 className="text-3xl font-bold tracking-tight">Upcoming events</h1>
      {events.length === 0 ? (
        <p className="mt-6 rounded-2xl bg-surface p-8 text-center opacity-80 ring-1 ring-black/5">No upcoming events yet. Check back soon.</p>
      ) : (
        <ul className="mt-6 grid gap-4 md:grid-cols-2">
          {events.map((event) => (
            <EventCard key={event.id} event={event} />
          ))}
        </ul>
      )}
    </>
  );
}
