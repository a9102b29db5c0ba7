import { getTranslations } from "next-intl/server";
import { BrandingForm, PortalSettingsForm, SecondFactorPolicyForm } from "@/components/portal/settings-forms.tsx";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { settingsForAdmin } from "@/lib/portal/settings.server.ts";
import { hasFeature } from "@/lib/portal/features.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { tenantSubdomainHost } from "@/lib/tenancy/host.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { brandingStatus, saveBranding, savePortalSettings, saveSecondFactorPolicy } from "./actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("settings") };
}

export default async function SettingsPage({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  const admin = await requireTenantUser(tenant, "/manage/settings", "admin");
  const { settings, domains } = await settingsForAdmin(tenant, admin);
  const t = await getTranslations("settings");
  return (
    <div className="space-y-6">
      <section className="space-y-4 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
        <h1 className="text-2xl font-semibold">{t("branding")}</h1>
        <BrandingForm
          save={saveBranding}
          status={brandingStatus}
          name={tenant.name}
          theme={tenant.theme}
          host={tenant.primaryHost}
        />
      </section>
      <section className="space-y-4 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
        <h2 className="text-xl font-semibold">{t("portalSettings")}</h2>
        <PortalSettingsForm save={savePortalSettings} settings={settings} />
      </section>
      {admin.role === "owner" && (
        <section className="space-y-4 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
          <h2 className="text-xl font-semibold">{t("signInSecurity")}</h2>
          <SecondFactorPolicyForm save={saveSecondFactorPolicy} policy={settings.secondFactorPolicy} />
        </section>
      )}
      <section className="space-y-2 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
        <h2 className="text-xl font-semibold">{t("domains")}</h2>
        <ul className="text-sm" data-testid="domains">
          <li>
            <span className="font-mono">{tenantSubdomainHost(tenant.slug, platform().hosts)}</span> · {t("active")}
            {domains.length === 0 && ` · ${t("primary")}`}
          </li>
          {domains.map((d) => (
            <li key={d.hostname}>
              <span className="font-mono">{d.hostname}</span> · {t("active")}
              {d.isPrimary && ` · ${t("primary")}`}
            </li>
          ))}
        </ul>
        <p className="text-sm opacity-70">
          {hasFeature(tenant, "custom-domain") ? t("askAgency") : t("premiumDomains")}
        </p>
      </section>
    </div>
  );
}
