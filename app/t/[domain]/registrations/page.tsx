import Link from "next/link";
import { getLocale, getTranslations } from "next-intl/server";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { ViewerTime } from "@/components/portal/viewer-time.tsx";
import { formatEventTime } from "@/lib/format/event-time.ts";
import { memberRegistrations } from "@/lib/portal/member.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("registrations") };
}

export default async function RegistrationsPage({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  const user = await requireTenantUser(tenant, "/registrations");
  const registrations = await memberRegistrations(tenant, user);
  const [t, ts, locale] = await Promise.all([
    getTranslations("myRegistrations"),
    getTranslations("status"),
    getLocale(),
  ]);
  return (
    <section className="rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5 sm:p-8">
      <h1 className="text-2xl font-semibold">{t("title")}</h1>
      {registrations.length === 0 ? (
        <p className="mt-4 opacity-80">
          {t("none")}{" "}
          <Link className="font-medium text-brand underline" href="/">
            {t("browse")}
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
                  {formatEventTime(r.event.startsAt, r.event.endsAt, r.event.timeZone, locale)}
                  <ViewerTime startsAt={r.event.startsAt.toISOString()} timeZone={r.event.timeZone} />
                </div>
              </div>
              <span className="text-sm" data-testid="registration-label">
                {r.event.status === "cancelled"
                  ? ts("eventCancelled")
                  : r.position !== null
                    ? ts("position", { position: r.position })
                    : ts(r.status)}
              </span>
              {r.status === "confirmed" && (
                <Link href={`/tickets/${r.ticketCode}`} className="text-sm font-medium text-brand underline">
                  {t("ticket")}
                </Link>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
