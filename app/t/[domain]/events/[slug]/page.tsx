import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { TenantNotice } from "@/components/portal/tenant-notice.tsx";
import { TenantUnavailable } from "@/lib/errors.ts";
import { formatEventTime } from "@/lib/format/event-time.ts";
import { publishedEvent } from "@/lib/portal/events.server.ts";
import { currentTenant } from "@/lib/tenancy/current.server.ts";

type Props = { params: Promise<{ domain: string; slug: string }> };

async function load(params: Props["params"]) {
  const { domain, slug } = await params;
  const tenant = await currentTenant(domain);
  try {
    return { tenant, event: await publishedEvent(tenant, slug) };
  } catch (error) {
    if (error instanceof TenantUnavailable) return { tenant, event: undefined };
    throw error;
  }
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { event } = await load(params);
  return { title: event?.title ?? "Event" };
}

export default async function EventPage({ params }: Props) {
  const { tenant, event } = await load(params);
  if (event === undefined) return <TenantNotice tenant={tenant} kind="unavailable" />;
  if (!event) notFound();
  return (
    <article className="rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5 sm:p-8">
      <Link href="/" className="text-sm font-medium text-brand hover:underline">
        ← All events
      </Link>
      <h1 data-testid="event-title" className="mt-3 text-3xl font-bold tracking-tight">{event.title}</h1>
      {event.status === "cancelled" && (
        <p className="mt-3 inline-block rounded-full bg-red-100 px-3 py-1 text-sm font-medium text-red-800">This event has been cancelled</p>
      )}
      <dl className="mt-4 grid gap-2 text-sm sm:grid-cols-[8rem_1fr]">
        <dt className="font-medium opacity-70">When</dt>
        <dd>{formatEventTime(event.startsAt, event.endsAt, event.timeZone)}</dd>
        {event.venue && (
          <>
            <dt className="font-medium opacity-70">Where</dt>
            <dd>{event.venue}</dd>
          </>
        )}
        {event.capacity !== null && (
          <>
            <dt className="font-medium opacity-70">Places</dt>
            <dd>{event.capacity}</dd>
          </>
        )}
      </dl>
      {event.summary && <p className="mt-6 text-lg">{event.summary}</p>}
      {event.description && <div className="mt-4 whitespace-pre-line leading-relaxed opacity-90">{event.description}</div>}
    </article>
  );
}
