import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { EventForm, StatusButtons } from "@/components/portal/staff-forms.tsx";
import { timeZones } from "@/lib/format/zoned.ts";
import { hasFeature } from "@/lib/portal/features.server.ts";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { formValues, staffEvent } from "@/lib/portal/staff-views.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { changeStatus, saveEvent } from "../../actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("editEvent") };
}

type Props = { params: Promise<{ domain: string; slug: string }>; searchParams: Promise<{ saved?: string }> };

export default async function EditEvent({ params, searchParams }: Props) {
  const { domain, slug } = await params;
  const tenant = await currentTenant(domain);
  const staff = await requireTenantUser(tenant, `/manage/events/${slug}`, "staff");
  const event = await staffEvent(tenant, staff, slug);
  const [t, ts] = await Promise.all([getTranslations("manage"), getTranslations("eventStatus")]);
  return (
    <section className="space-y-6 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="flex-1 text-2xl font-semibold" data-testid="manage-title">
          {event.title}
        </h1>
        <span
          className="rounded-full bg-page px-3 py-1 text-sm ring-1 ring-black/10"
          data-testid="manage-status"
          data-status={event.status}
        >
          {ts(event.status)}
        </span>
      </div>
      {(await searchParams).saved && (
        <p role="status" data-testid="saved" className="rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
          {t("saved")}
        </p>
      )}
      <nav className="flex flex-wrap gap-4 text-sm font-medium">
        <Link href={`/manage/events/${slug}/attendees`} className="text-brand underline">
          {t("attendees")}
        </Link>
        <Link href={`/manage/events/${slug}/check-in`} className="text-brand underline">
          {t("checkIn")}
        </Link>
        <Link href={`/manage/events/${slug}/message`} className="text-brand underline">
          {t("messageAttendees")}
        </Link>
        {event.status !== "draft" && (
          <Link href={`/events/${slug}`} className="text-brand underline">
            {t("viewPublic")}
          </Link>
        )}
      </nav>
      <StatusButtons changeStatus={changeStatus} slug={slug} status={event.status} />
      <EventForm
        save={saveEvent}
        values={formValues(event)}
        timeZones={timeZones()}
        questionsAllowed={hasFeature(tenant, "custom-questions")}
      />
    </section>
  );
}
