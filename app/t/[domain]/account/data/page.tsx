import { getLocale, getTranslations } from "next-intl/server";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { RequestErasureForm } from "@/components/portal/privacy-forms.tsx";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { asLocale, DEFAULT_LOCALE } from "@/lib/format/locale.ts";
import { formatInstant } from "@/lib/format/event-time.ts";
import { ownRequests } from "@/lib/lifecycle/data-requests.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { requestErasureAction } from "./actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("myData") };
}

/** The member's own data (docs/decisions/051): download it, or ask for it to be erased. */
export default async function MyDataPage({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  const user = await requireTenantUser(tenant, "/account/data");
  const [requests, t, rawLocale] = await Promise.all([
    ownRequests(tenant, user),
    getTranslations("privacy"),
    getLocale(),
  ]);
  const locale = asLocale(rawLocale) ?? DEFAULT_LOCALE;
  const pending = requests.some((r) => r.kind === "erasure" && r.status === "requested");
  return (
    <AuthCard title={t("myDataTitle")}>
      <p className="text-sm opacity-80">{t("myDataIntro")}</p>
      <a
        href="/account/data/export"
        download
        data-testid="download-data"
        className="inline-block rounded-lg bg-brand px-4 py-2 text-on-brand"
      >
        {t("download")}
      </a>
      <section className="space-y-2" aria-labelledby="erasure-heading">
        <h2 id="erasure-heading" className="text-lg font-semibold">
          {t("erasureTitle")}
        </h2>
        <p className="text-sm opacity-80">{t("erasureIntro")}</p>
        {pending ? (
          <p className="text-sm" data-testid="erasure-pending">
            {t("erasurePending")}
          </p>
        ) : (
          <RequestErasureForm
            request={requestErasureAction}
            labels={{
              ask: t("askErasure"),
              confirm: t("confirmAskErasure"),
              warning: t("askErasureWarning"),
              asking: t("asking"),
              cancel: t("cancel"),
            }}
          />
        )}
        {requests.length > 0 && (
          <ul className="space-y-1 text-sm opacity-80" data-testid="my-requests">
            {requests.map((r) => (
              <li key={r.id}>
                {t("myRequestLine", {
                  kind: r.kind === "export" ? t("kindExport") : t("kindErasure"),
                  status:
                    r.status === "completed"
                      ? t("statusCompleted")
                      : r.status === "rejected"
                        ? t("statusRejected")
                        : t("statusRequested"),
                  when: formatInstant(r.requestedAt, locale),
                })}
              </li>
            ))}
          </ul>
        )}
      </section>
    </AuthCard>
  );
}
