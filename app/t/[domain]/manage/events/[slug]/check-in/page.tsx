import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { CheckInForm } from "@/components/portal/staff-forms.tsx";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { arrivals, staffEvent } from "@/lib/portal/staff-views.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { checkInAction } from "../../../actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("checkIn") };
}

/** At the door: scan a ticket's QR code with the device camera, or type its code. */
export default async function CheckIn({ params }: { params: Promise<{ domain: string; slug: string }> }) {
  const { domain, slug } = await params;
  const tenant = await currentTenant(domain);
  const staff = await requireTenantUser(tenant, `/manage/events/${slug}/check-in`, "staff");
  const event = await staffEvent(tenant, staff, slug);
  const { confirmed, arrived } = await arrivals(tenant, staff, event.id);
  const t = await getTranslations("manage");
  return (
    <section className="space-y-4 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
      <h1 className="text-2xl font-semibold">
        {t.rich("checkInOf", {
          event: event.title,
          link: (chunks) => (
            <Link href={`/manage/events/${slug}`} className="hover:underline">
              {chunks}
            </Link>
          ),
        })}
      </h1>
      <p className="text-sm" data-testid="arrivals">
        {t("arrivals", { arrived, confirmed })}
      </p>
      <CheckInForm checkIn={checkInAction} slug={slug} autoFocus />
    </section>
  );
}
