import { getLocale, getTranslations } from "next-intl/server";
import { AddDomainForm, DomainRow, SsoPolicyForm } from "@/components/portal/domain-forms.tsx";
import { tenantEmailDomains } from "@/lib/auth/email-domains.server.ts";
import { tenantSsoPolicy } from "@/lib/auth/sso-required.server.ts";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { asLocale, DEFAULT_LOCALE } from "@/lib/format/locale.ts";
import { formatInstant } from "@/lib/format/event-time.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { localiseServerText } from "@/lib/portal/server-text.ts";
import { addDomainAction, checkDomainAction, removeDomainAction, setSsoPolicyAction } from "./actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("domains") };
}

/** The portal's email domains and how to prove them: the portal's owners only (decision 044). */
export default async function EmailDomainsPage({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  // The page checks the user itself: the manage layout lets staff through (decision 018).
  const user = await requireTenantUser(tenant, "/manage/domains", "owner");
  const [domains, policy, t, rawLocale] = await Promise.all([
    tenantEmailDomains(tenant, user),
    tenantSsoPolicy(tenant, user),
    getTranslations("emailDomains"),
    getLocale(),
  ]);
  const locale = asLocale(rawLocale) ?? DEFAULT_LOCALE;
  const when = (date: Date) => formatInstant(date, locale);
  return (
    <section className="space-y-6 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
      <h1 className="text-2xl font-semibold">{t("title")}</h1>
      <p className="max-w-prose text-sm opacity-80">{t("intro")}</p>
      <AddDomainForm add={addDomainAction} />
      {domains.length === 0 ? (
        <p className="text-sm opacity-70" data-testid="no-domains">
          {t("none")}
        </p>
      ) : (
        <ul className="divide-y divide-black/5" data-testid="domains">
          {domains.map((d) => (
            <DomainRow
              key={d.id}
              actions={{ check: checkDomainAction, remove: removeDomainAction }}
              domain={{
                id: d.id,
                domain: d.domain,
                verified: d.verified,
                verifiedLine:
                  d.verified && d.verifiedAt
                    ? t("verifiedBy", {
                        when: when(d.verifiedAt),
                        who: d.verifiedBy ?? "—",
                        method: d.method === "agency" ? t("methodAgency") : t("methodDns"),
                      })
                    : null,
                addedLine: t("addedBy", { when: when(d.createdAt), who: d.createdBy }),
                record: d.record,
                lastCheck:
                  d.lastCheckedAt && d.lastCheckError
                    ? { when: when(d.lastCheckedAt), error: localiseServerText(d.lastCheckError, locale) }
                    : null,
              }}
            />
          ))}
        </ul>
      )}
      <SsoPolicyForm
        save={setSsoPolicyAction}
        policy={{
          on: policy.on,
          inForce: policy.inForce,
          connection: policy.connection?.name ?? null,
          breakGlassUserId: policy.breakGlassUserId,
          owners: policy.owners,
          verifiedDomains: policy.verifiedDomains,
        }}
      />
    </section>
  );
}
