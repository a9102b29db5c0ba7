import { notFound } from "next/navigation";
import QRCode from "qrcode";
import { getLocale, getTranslations } from "next-intl/server";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { withTenantDb } from "@/lib/platform/with-tenant-db.server.ts";
import { formatEventTime } from "@/lib/format/event-time.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { publicLink } from "@/lib/auth/origin.server.ts";
import { CalendarLinks } from "@/components/portal/add-to-calendar.tsx";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("ticket") };
}

type Props = { params: Promise<{ domain: string; code: string }> };

/** A confirmed registration's ticket: its QR code carries only the random ticket code. */
export default async function TicketPage({ params }: Props) {
  const { domain, code } = await params;
  const tenant = await currentTenant(domain);
  if (!/^[A-Za-z0-9_-]{10,40}$/.test(code)) notFound();
  const ticket = await withTenantDb(tenant.id, (db) =>
    db.registration.findUnique({
      where: { ticketCode: code },
      select: {
        userId: true,
        name: true,
        status: true,
        checkedInAt: true,
        event: {
          select: {
            slug: true,
            title: true,
            summary: true,
            startsAt: true,
            endsAt: true,
            timeZone: true,
            venue: true,
            onlineUrl: true,
          },
        },
      },
    }),
  );
  if (!ticket) notFound();
  // A member's ticket is theirs alone (someone else's does not exist, as far as they can tell); a
  // guest's ticket is reached by its 120-bit random code, as emailed to them.
  if (ticket.userId) {
    const user = await requireTenantUser(tenant, `/tickets/${code}`);
    if (ticket.userId !== user.id) notFound();
  }
  const [t, ts, locale] = await Promise.all([
    getTranslations("ticket"),
    getTranslations("attendeeStatus"),
    getLocale(),
  ]);
  const svg = await QRCode.toString(code, { type: "svg", errorCorrectionLevel: "M", margin: 1 });
  return (
    <section
      className="mx-auto max-w-md rounded-2xl bg-surface p-6 text-center shadow-sm ring-1 ring-black/5 sm:p-8"
      data-testid="ticket"
      data-status={ticket.status}
    >
      <h1 className="text-2xl font-semibold">{ticket.event.title}</h1>
      <p className="mt-1 text-sm opacity-80">
        {formatEventTime(ticket.event.startsAt, ticket.event.endsAt, ticket.event.timeZone, locale)}
      </p>
      {ticket.event.venue && <p className="text-sm opacity-80">{ticket.event.venue}</p>}
      {ticket.status === "confirmed" ? (
        <>
          {/* The SVG comes from the QR library for our own random code: no user input reaches it. */}
          <div
            className="mx-auto mt-6 w-64 rounded-lg bg-white p-3"
            role="img"
            aria-label={t("qr", { code })}
            data-testid="ticket-qr"
            dangerouslySetInnerHTML={{ __html: svg }}
          />
          <p className="mt-3 font-mono text-sm" data-testid="ticket-code">
            {code}
          </p>
          <p className="mt-2 font-medium">{ticket.name}</p>
          {ticket.checkedInAt && <p className="mt-2 text-sm">Checked in</p>}
          <div className="flex justify-center">
            <CalendarLinks
              icsHref={`/events/${ticket.event.slug}/calendar.ics`}
              event={{
                title: ticket.event.title,
                details: [
                  ticket.event.summary,
                  ticket.event.onlineUrl,
                  publicLink(tenant.primaryHost, `/tickets/${code}`),
                ]
                  .filter(Boolean)
                  .join("\n\n"),
                location: ticket.event.venue ?? ticket.event.onlineUrl,
                startsAt: ticket.event.startsAt,
                endsAt: ticket.event.endsAt,
              }}
            />
          </div>
        </>
      ) : (
        <p className="mt-6">{t("noTicket", { status: ts(ticket.status) })}</p>
      )}
    </section>
  );
}
