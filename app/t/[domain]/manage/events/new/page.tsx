import { getTranslations } from "next-intl/server";
import { EventForm } from "@/components/portal/staff-forms.tsx";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { timeZones } from "@/lib/format/zoned.ts";
import { hasFeature } from "@/lib/portal/features.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { saveEvent } from "../../actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("newEvent") };
}

export default async function NewEvent({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  await requireTenantUser(tenant, "/manage/events/new", "staff");
  const empty = {
    existing: null,
    title: "",
    slug: "",
    summary: "",
    description: "",
    timeZone: "Europe/Berlin",
    startsLocal: "",
    endsLocal: "",
    opensLocal: "",
    closesLocal: "",
    venue: "",
    onlineUrl: "",
    capacity: "",
    questions: "",
    coverSrc: null,
  };
  return (
    <section className="rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
      <h1 className="mb-6 text-2xl font-semibold">{(await getTranslations("manage"))("newEvent")}</h1>
      <EventForm
        save={saveEvent}
        values={empty}
        timeZones={timeZones()}
        questionsAllowed={hasFeature(tenant, "custom-questions")}
      />
    </section>
  );
}
