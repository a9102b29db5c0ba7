import { AuthCard } from "@/components/auth/auth-card.tsx";
import { publicLink } from "@/lib/auth/origin.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

export const metadata = { title: "Impersonation ended" };

export default async function ImpersonationEndedPage({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  return (
    <AuthCard title="Impersonation ended">
      <p data-testid="impersonation-ended">
        You are no longer viewing {tenant.name} as its admin. The session has ended and was recorded in the audit log.
      </p>
      <a
        href={publicLink(platform().hosts.agencyHost, `/tenants/${tenant.slug}`)}
        className="inline-block rounded-lg bg-brand px-4 py-2 font-medium text-on-brand"
      >
        Back to the agency dashboard
      </a>
    </AuthCard>
  );
}
