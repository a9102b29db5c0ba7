import Link from "next/link";
import { MessageForm } from "@/components/portal/staff-forms.tsx";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { messageRecipientCount, staffEvent } from "@/lib/portal/staff-views.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { sendMessage } from "../../../actions.ts";

export const metadata = { title: "Message attendees" };

export default async function Message({ params }: { params: Promise<{ domain: string; slug: string }> }) {
  const { domain, slug } = await params;
  const tenant = await currentTenant(domain);
  const staff = await requireTenantUser(tenant, `/manage/events/${slug}/message`, "staff");
  const event = await staffEvent(tenant, staff, slug);
  return (
    <section className="space-y-4 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
      <h1 className="text-2xl font-semibold">
        Message attendees ·{" "}
        <Link href={`/manage/events/${slug}`} className="hover:underline">
          {event.title}
        </Link>
      </h1>
      <p className="text-sm opacity-80">
        Every confirmed attendee gets this by email, from the portal&apos;s sender name.
      </p>
      <MessageForm send={sendMessage} slug={slug} recipients={await messageRecipientCount(tenant, staff, event.id)} />
    </section>
  );
}
