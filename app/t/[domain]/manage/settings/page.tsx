import { getTranslations } from "next-intl/server";
import { BrandingForm, PortalSettingsForm, SecondFactorPolicyForm } from "@/components/portal/settings-forms.tsx";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { samlSettingsForAdmin, settingsForAdmin, ssoSettingsForAdmin } from "@/lib/portal/settings.server.ts";
import { SamlConnectionForm, type SamlFormLabels } from "@/components/auth/saml-connection-form.tsx";
import { samlFormProps, samlServiceProviderValues } from "@/lib/auth/saml-settings.server.ts";
import { SsoConnectionForm, type SsoFormLabels } from "@/components/auth/sso-connection-form.tsx";
import { FormError } from "@/components/ui/form-error.tsx";
import { publicLink } from "@/lib/auth/origin.server.ts";
import { ssoFormProps, ssoRedirectUris } from "@/lib/auth/sso-connection.server.ts";
import { hasFeature } from "@/lib/portal/features.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { tenantSubdomainHost } from "@/lib/tenancy/host.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import {
  brandingStatus,
  removeSamlConnectionAction,
  removeSsoConnection,
  saveSamlConnectionAction,
  setSamlEnabledAction,
  startSamlTestSignIn,
  saveBranding,
  savePortalSettings,
  saveSecondFactorPolicy,
  saveSsoConnection,
  setSsoEnabled,
  startSsoTestSignIn,
} from "./actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("settings") };
}

const SSO_LABELS = [
  "displayName",
  "displayNameHint",
  "issuer",
  "issuerHint",
  "clientId",
  "clientSecret",
  "clientSecretKept",
  "scopes",
  "roleClaim",
  "roleClaimHint",
  "roleMap",
  "roleMapHint",
  "defaultRole",
  "redirectUris",
  "save",
  "saving",
  "status",
  "on",
  "off",
  "tested",
  "untested",
  "test",
  "testHint",
  "enable",
  "disable",
  "remove",
  "removeConfirm",
  "removeWarning",
  "cancel",
] as const;

/** The SAML form's own words (messages "saml"); the status line and buttons are the OIDC form's. */
const SAML_LABELS = [
  "displayName",
  "displayNameHint",
  "idpEntityId",
  "idpEntityIdHint",
  "idpSsoUrl",
  "idpSsoUrlHint",
  "idpCertificate",
  "idpCertificateHint",
  "certificateSubject",
  "certificateExpires",
  "certificateFingerprint",
  "certificateExpiresSoon",
  "emailAttribute",
  "nameAttribute",
  "groupsAttribute",
  "groupsAttributeHint",
  "roleMap",
  "roleMapHint",
  "defaultRole",
  "spValues",
  "spEntityId",
  "spAcsUrl",
  "spMetadataUrl",
  "save",
  "saving",
  "testHint",
] as const;

type Props = {
  params: Promise<{ domain: string }>;
  searchParams: Promise<{ ssoTest?: string | string[]; samlTest?: string | string[] }>;
};

export default async function SettingsPage({ params, searchParams }: Props) {
  const tenant = await currentTenant((await params).domain);
  const admin = await requireTenantUser(tenant, "/manage/settings", "admin");
  const [{ settings, domains }, sso, saml] = await Promise.all([
    settingsForAdmin(tenant, admin),
    ssoSettingsForAdmin(tenant, admin),
    samlSettingsForAdmin(tenant, admin),
  ]);
  const t = await getTranslations("settings");
  const ts = await getTranslations("sso");
  const tr = await getTranslations("roles");
  const labels = {
    ...Object.fromEntries(SSO_LABELS.map((key) => [key, ts(key)])),
    roles: { member: tr("member"), staff: tr("staff"), admin: tr("admin") },
  } as SsoFormLabels;
  const tsaml = await getTranslations("saml");
  const samlLabels: SamlFormLabels = {
    ...labels,
    ...(Object.fromEntries(SAML_LABELS.map((key) => [key, tsaml(key)])) as Record<
      (typeof SAML_LABELS)[number],
      string
    >),
  };
  const query = await searchParams;
  const testMessage = (raw: string | string[] | undefined) => {
    const tested = ssoTestOutcome(raw);
    return !tested
      ? null
      : "role" in tested
        ? { ok: true, text: ts("testOk", { role: tr(tested.role) }) }
        : { ok: false, text: ts("testFailed", { reason: ts(`refusals.${tested.reason}`) }) };
  };
  const testResult = testMessage(query.ssoTest);
  const samlTestResult = testMessage(query.samlTest);
  const hosts = [tenantSubdomainHost(tenant.slug, platform().hosts), ...domains.map((d) => d.hostname)];
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
      <section id="sso" className="space-y-4 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
        <h2 className="text-xl font-semibold">{ts("title")}</h2>
        <p className="text-sm opacity-80">{ts("intro")}</p>
        {testResult?.ok && (
          <p
            role="status"
            data-testid="sso-test-result"
            className="rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
          >
            {testResult.text}
          </p>
        )}
        {testResult && !testResult.ok && <FormError message={testResult.text} look="box" />}
        <SsoConnectionForm
          connection={ssoFormProps(sso)}
          labels={labels}
          redirectUris={ssoRedirectUris(hosts, publicLink)}
          save={saveSsoConnection}
          setEnabled={setSsoEnabled}
          remove={removeSsoConnection}
          startTest={startSsoTestSignIn}
        />
      </section>
      <section id="saml" className="space-y-4 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
        <h2 className="text-xl font-semibold">{tsaml("title")}</h2>
        <p className="text-sm opacity-80">{tsaml("intro")}</p>
        {samlTestResult?.ok && (
          <p
            role="status"
            data-testid="saml-test-result"
            className="rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
          >
            {samlTestResult.text}
          </p>
        )}
        {samlTestResult && !samlTestResult.ok && <FormError message={samlTestResult.text} look="box" />}
        <SamlConnectionForm
          connection={samlFormProps(saml)}
          labels={samlLabels}
          serviceProvider={samlServiceProviderValues(tenant.primaryHost)}
          save={saveSamlConnectionAction}
          setEnabled={setSamlEnabledAction}
          remove={removeSamlConnectionAction}
          startTest={startSamlTestSignIn}
        />
      </section>
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

const TEST_REFUSALS = [
  "email-missing",
  "email-unverified",
  "deactivated",
  "linked-elsewhere",
  "token",
  "unavailable",
] as const;

/** A finished test sign-in's outcome, from the closed set the auth route sends back. */
function ssoTestOutcome(
  raw: string | string[] | undefined,
): { role: "member" | "staff" | "admin" | "owner" } | { reason: (typeof TEST_REFUSALS)[number] | "failed" } | null {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return null;
  const role = /^ok:(member|staff|admin|owner)$/.exec(value)?.[1] as "member" | "staff" | "admin" | "owner" | undefined;
  if (role) return { role };
  return { reason: TEST_REFUSALS.find((r) => r === value) ?? "failed" };
}
