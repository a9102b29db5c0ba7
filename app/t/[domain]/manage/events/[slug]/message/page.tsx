import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { MessageForm } from "@/components/portal/staff-forms.tsx";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { messageRecipientCount, staffEvent } from "@/lib/portal/staff-views.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { sendMessage } from "../../../actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("message") };
}

export default async function Message({ params }: { params: Promise<{ domain: string; slug: string }> }) {
  const { domain, slug } = await params;
  const tenant = await currentTenant(domain);
  const staff = await requireTenantUser(tenant, `/manage/events/${slug}/message`, "staff");
  const event = await staffEvent(tenant, staff, slug);
  const t = await getTranslations("manage");
  return (
    <section className="space-y-4 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
      <h1 className="text-2xl font-semibold">
        {t.rich("messageOf", {
          event: event.title,
          link: (chunks) => (
            <Link href={`/manage/events/${slug}`} className="hover:underline">
              {chunks}
            </Link>
          ),
        })}
      </h1>
      <p className="text-sm opacity-80">{t("messageHelp")}</p>
      <MessageForm send={sendMessage} slug={slug} recipients={await messageRecipientCount(tenant, staff, event.id)} />
    </section>
  );
}
