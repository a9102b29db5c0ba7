import { getTranslations } from "next-intl/server";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { publicLink } from "@/lib/auth/origin.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("impersonationEnded") };
}

export default async function ImpersonationEndedPage({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  const t = await getTranslations("auth");
  return (
    <AuthCard title={t("impersonationEnded")}>
      <p data-testid="impersonation-ended">{t("impersonationEndedBody", { portal: tenant.name })}</p>
      <a
        href={publicLink(platform().hosts.agencyHost, `/tenants/${tenant.slug}`)}
        className="inline-block rounded-lg bg-brand px-4 py-2 font-medium text-on-brand"
      >
        {t("backToAgency")}
      </a>
    </AuthCard>
  );
}
