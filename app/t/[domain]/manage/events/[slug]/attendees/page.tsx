import Link from "next/link";
import { getLocale, getTranslations } from "next-intl/server";
import { CheckInButton, CheckInForm } from "@/components/portal/staff-forms.tsx";
import { Field } from "@/components/ui/field.tsx";
import { Input, Select } from "@/components/ui/input.tsx";
import { Pagination } from "@/components/ui/pagination.tsx";
import { paginationLabels } from "@/components/portal/portal-labels.ts";
import { formatInstant } from "@/lib/format/event-time.ts";
import { hasFeature } from "@/lib/portal/features.server.ts";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { attendees, staffEvent } from "@/lib/portal/staff-views.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { checkInAction } from "../../../actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("attendees") };
}

type Props = {
  params: Promise<{ domain: string; slug: string }>;
  searchParams: Promise<{ q?: string; status?: string; checkedIn?: string; page?: string }>;
};

export default async function Attendees({ params, searchParams }: Props) {
  const { domain, slug } = await params;
  const tenant = await currentTenant(domain);
  const staff = await requireTenantUser(tenant, `/manage/events/${slug}/attendees`, "staff");
  const event = await staffEvent(tenant, staff, slug);
  const filter = await searchParams;
  const list = await attendees(tenant, staff, event.id, { ...filter, page: Number(filter.page) || 1 });
  const [t, ts, locale] = await Promise.all([
    getTranslations("manage"),
    getTranslations("attendeeStatus"),
    getLocale(),
  ]);
  const query = (page: number) =>
    `?${new URLSearchParams({ ...(filter.q ? { q: filter.q } : {}), ...(filter.status ? { status: filter.status } : {}), ...(filter.checkedIn ? { checkedIn: filter.checkedIn } : {}), page: String(page) })}`;
  return (
    <section className="space-y-5 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="flex-1 text-2xl font-semibold">
          {t.rich("attendeesOf", {
            event: event.title,
            link: (chunks) => (
              <Link href={`/manage/events/${slug}`} className="hover:underline">
                {chunks}
              </Link>
            ),
          })}
        </h1>
        {hasFeature(tenant, "csv-export") ? (
          <a
            href={`/manage/events/${slug}/attendees.csv`}
            data-testid="csv-export"
            className="rounded-lg px-3 py-1.5 text-sm font-medium ring-1 ring-black/20"
          >
            {t("exportCsv")}
          </a>
        ) : (
          <span className="text-sm opacity-70">{t("noCsv")}</span>
        )}
      </div>
      <CheckInForm checkIn={checkInAction} slug={slug} />
      <form className="flex flex-wrap items-end gap-3 text-sm" role="search">
        <Field label={t("search")} name="q">
          {(c) => (
            <Input
              {...c}
              name="q"
              defaultValue={filter.q ?? ""}
              placeholder={t("searchPlaceholder")}
              density="compact"
              fit
            />
          )}
        </Field>
        <Field label={t("status")} name="status">
          {(c) => (
            <Select {...c} name="status" defaultValue={filter.status ?? ""} density="compact" fit>
              <option value="">{t("any")}</option>
              <option value="confirmed">{ts("confirmed")}</option>
              <option value="waitlisted">{ts("waitlisted")}</option>
              <option value="pending">{ts("pending")}</option>
              <option value="cancelled">{ts("cancelled")}</option>
            </Select>
          )}
        </Field>
        <Field label={t("checkedIn")} name="checkedIn">
          {(c) => (
            <Select {...c} name="checkedIn" defaultValue={filter.checkedIn ?? ""} density="compact" fit>
              <option value="">{t("any")}</option>
              <option value="yes">{t("yes")}</option>
              <option value="no">{t("no")}</option>
            </Select>
          )}
        </Field>
        <button type="submit" className="rounded-lg bg-brand px-3 py-1.5 font-medium text-on-brand">
          {t("filter")}
        </button>
      </form>
      <p className="text-sm opacity-70" data-testid="attendee-count">
        {t("registrations", { count: list.total })}
      </p>
      {list.rows.length === 0 ? (
        <p className="opacity-80">{t("nobody")}</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="stack-table w-full text-left text-sm">
            <thead className="text-xs uppercase tracking-wide opacity-70">
              <tr>
                <th className="py-2">{t("name")}</th>
                <th>{t("email")}</th>
                <th>{t("status")}</th>
                <th>{t("checkedIn")}</th>
                <th>{t("registered")}</th>
              </tr>
            </thead>
            <tbody data-testid="attendees">
              {list.rows.map((r) => (
                <tr key={r.id} className="border-t border-black/5" data-email={r.email} data-status={r.status}>
                  <td data-label={t("name")} className="py-2 font-medium">
                    {r.name}
                  </td>
                  <td data-label={t("email")}>{r.email}</td>
                  <td data-label={t("status")}>{ts(r.status)}</td>
                  <td data-label={t("checkedIn")} data-testid="checked-in">
                    {r.checkedInAt ? (
                      t("checkedInYes")
                    ) : r.status === "confirmed" ? (
                      <CheckInButton checkIn={checkInAction} slug={slug} code={r.ticketCode} name={r.name} />
                    ) : (
                      "—"
                    )}
                  </td>
                  <td data-label={t("registered")} className="tabular-nums">
                    {formatInstant(r.createdAt, locale)} UTC
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination
        page={list.page}
        pages={list.pages}
        href={query}
        labels={await paginationLabels(list.page, list.pages)}
      />
    </section>
  );
}
