import Link from "next/link";
import { getLocale, getTranslations } from "next-intl/server";
import { Pagination } from "@/components/ui/pagination.tsx";
import { paginationLabels } from "@/components/portal/portal-labels.ts";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { formatEventTime } from "@/lib/format/event-time.ts";
import { staffEvents } from "@/lib/portal/staff-views.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("manageEvents") };
}

export default async function ManageEvents({
  params,
  searchParams,
}: {
  params: Promise<{ domain: string }>;
  searchParams: Promise<{ page?: string }>;
}) {
  const tenant = await currentTenant((await params).domain);
  const staff = await requireTenantUser(tenant, "/manage", "staff");
  const { page, pages, events } = await staffEvents(tenant, staff, Number((await searchParams).page));
  const [t, ts, locale] = await Promise.all([getTranslations("manage"), getTranslations("eventStatus"), getLocale()]);
  return (
    <section className="rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <h1 className="text-2xl font-semibold">Events</h1>
        <Link href="/manage/events/new" className="rounded-lg bg-brand px-4 py-2 font-medium text-on-brand">
          {t("newEvent")}
        </Link>
      </div>
      {events.length === 0 ? (
        <p className="mt-6 opacity-80">{t("noEvents")}</p>
      ) : (
        <ul className="mt-6 divide-y divide-black/5" data-testid="manage-events">
          {events.map((e) => (
            <li key={e.slug} className="flex flex-wrap items-center gap-3 py-3" data-slug={e.slug}>
              <Link
                href={`/manage/events/${e.slug}`}
                className="min-w-0 grow basis-full font-medium [overflow-wrap:anywhere] hover:underline sm:basis-0"
              >
                {e.title}
              </Link>
              <span className="text-sm opacity-70">{formatEventTime(e.startsAt, e.endsAt, e.timeZone, locale)}</span>
              <span className="rounded-full bg-page px-2 py-0.5 text-xs ring-1 ring-black/10">{ts(e.status)}</span>
              <span className="text-sm tabular-nums">
                {e.capacity !== null
                  ? t("confirmedOf", { count: e._count.registrations, capacity: e.capacity })
                  : t("confirmedCount", { count: e._count.registrations })}
              </span>
            </li>
          ))}
        </ul>
      )}
      <Pagination
        page={page}
        pages={pages}
        href={(n) => `/manage?page=${n}`}
        labels={await paginationLabels(page, pages, { previous: t("newer"), next: t("older") })}
        className="mt-4"
      />
    </section>
  );
}
