import Link from "next/link";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { ViewerTime } from "@/components/portal/viewer-time.tsx";
import { formatEventTime } from "@/lib/format/event-time.ts";
import { memberRegistrations } from "@/lib/portal/member.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

export const metadata = { title: "Your registrations" };

const LABEL: Record<string, string> = {
  confirmed: "Confirmed",
  waitlisted: "On the waitlist",
  pending: "Waiting for email confirmation",
  cancelled: "Cancelled",
};

export default async function RegistrationsPage({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  const user = await requireTenantUser(tenant, "/registrations");
  const registrations = await memberRegistrations(tenant, user);
  return (
    <section className="rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5 sm:p-8">
      <h1 className="text-2xl font-semibold">Your registrations</h1>
      {registrations.length === 0 ? (
        <p className="mt-4 opacity-80">
          None yet.{" "}
          <Link className="font-medium text-brand underline" href="/">
            Browse events
          </Link>
        </p>
      ) : (
        <ul className="mt-6 divide-y divide-black/5" data-testid="my-registrations">
          {registrations.map((r) => (
            <li
              key={r.id}
              className="flex flex-wrap items-center gap-3 py-3"
              data-event={r.event.slug}
              data-status={r.status}
            >
              <div className="min-w-0 flex-1">
                <Link href={`/events/${r.event.slug}`} className="font-medium hover:underline">
                  {r.event.title}
                </Link>
                <div className="text-sm opacity-70">
                  {formatEventTime(r.event.startsAt, r.event.endsAt, r.event.timeZone)}
                  <ViewerTime startsAt={r.event.startsAt.toISOString()} timeZone={r.event.timeZone} />
                </div>
              </div>
              <span className="text-sm" data-testid="registration-label">
                {r.event.status === "cancelled"
                  ? "Event cancelled"
                  : r.position !== null
                    ? `You are number ${r.position} on the waitlist`
                    : LABEL[r.status]}
              </span>
              {r.status === "confirmed" && (
                <Link href={`/tickets/${r.ticketCode}`} className="text-sm font-medium text-brand underline">
                  Ticket
                </Link>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
