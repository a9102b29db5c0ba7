import Link from "next/link";
import { CheckInButton, CheckInForm } from "@/components/portal/staff-forms.tsx";
import { Field } from "@/components/ui/field.tsx";
import { Input, Select } from "@/components/ui/input.tsx";
import { Pagination } from "@/components/ui/pagination.tsx";
import { hasFeature } from "@/lib/portal/features.server.ts";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { attendees, staffEvent } from "@/lib/portal/staff-views.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { checkInAction } from "../../../actions.ts";

export const metadata = { title: "Attendees" };

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
  const query = (page: number) =>
    `?${new URLSearchParams({ ...(filter.q ? { q: filter.q } : {}), ...(filter.status ? { status: filter.status } : {}), ...(filter.checkedIn ? { checkedIn: filter.checkedIn } : {}), page: String(page) })}`;
  return (
    <section className="space-y-5 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="flex-1 text-2xl font-semibold">
          Attendees ·{" "}
          <Link href={`/manage/events/${slug}`} className="hover:underline">
            {event.title}
          </Link>
        </h1>
        {hasFeature(tenant, "csv-export") ? (
          <a
            href={`/manage/events/${slug}/attendees.csv`}
            data-testid="csv-export"
            className="rounded-lg px-3 py-1.5 text-sm font-medium ring-1 ring-black/20"
          >
            Export CSV
          </a>
        ) : (
          <span className="text-sm opacity-70">CSV export is not part of this portal&apos;s plan</span>
        )}
      </div>
      <CheckInForm checkIn={checkInAction} slug={slug} />
      <form className="flex flex-wrap items-end gap-3 text-sm" role="search">
        <Field label="Search" name="q">
          {(c) => (
            <Input {...c} name="q" defaultValue={filter.q ?? ""} placeholder="Name or email" density="compact" fit />
          )}
        </Field>
        <Field label="Status" name="status">
          {(c) => (
            <Select {...c} name="status" defaultValue={filter.status ?? ""} density="compact" fit>
              <option value="">Any</option>
              <option value="confirmed">Confirmed</option>
              <option value="waitlisted">Waitlisted</option>
              <option value="pending">Pending</option>
              <option value="cancelled">Cancelled</option>
            </Select>
          )}
        </Field>
        <Field label="Checked in" name="checkedIn">
          {(c) => (
            <Select {...c} name="checkedIn" defaultValue={filter.checkedIn ?? ""} density="compact" fit>
              <option value="">Any</option>
              <option value="yes">Yes</option>
              <option value="no">No</option>
            </Select>
          )}
        </Field>
        <button type="submit" className="rounded-lg bg-brand px-3 py-1.5 font-medium text-on-brand">
          Filter
        </button>
      </form>
      <p className="text-sm opacity-70" data-testid="attendee-count">
        {list.total} registration{list.total === 1 ? "" : "s"}
      </p>
      {list.rows.length === 0 ? (
        <p className="opacity-80">Nobody matches.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="stack-table w-full text-left text-sm">
            <thead className="text-xs uppercase tracking-wide opacity-70">
              <tr>
                <th className="py-2">Name</th>
                <th>Email</th>
                <th>Status</th>
                <th>Checked in</th>
                <th>Registered</th>
              </tr>
            </thead>
            <tbody data-testid="attendees">
              {list.rows.map((r) => (
                <tr key={r.id} className="border-t border-black/5" data-email={r.email} data-status={r.status}>
                  <td data-label="Name" className="py-2 font-medium">
                    {r.name}
                  </td>
                  <td data-label="Email">{r.email}</td>
                  <td data-label="Status">{r.status}</td>
                  <td data-label="Checked in" data-testid="checked-in">
                    {r.checkedInAt ? (
                      "yes"
                    ) : r.status === "confirmed" ? (
                      <CheckInButton checkIn={checkInAction} slug={slug} code={r.ticketCode} name={r.name} />
                    ) : (
                      "—"
                    )}
                  </td>
                  <td data-label="Registered" className="tabular-nums">
                    {r.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={list.page} pages={list.pages} href={query} />
    </section>
  );
}
