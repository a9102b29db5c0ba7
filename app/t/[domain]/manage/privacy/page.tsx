import { getLocale, getTranslations } from "next-intl/server";
import { ErasureRequestActions, RetentionForm } from "@/components/portal/privacy-forms.tsx";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { asLocale, DEFAULT_LOCALE } from "@/lib/format/locale.ts";
import { formatInstant } from "@/lib/format/event-time.ts";
import { privacyOverview } from "@/lib/lifecycle/data-requests.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { eraseAction, rejectErasureAction, saveRetentionAction } from "./actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("privacy") };
}

/** Retention and members' erasure requests: the portal's owners and admins (docs/decisions/050, 051). */
export default async function PrivacyPage({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  // The page checks the user itself: the manage layout lets staff through (decision 018).
  const user = await requireTenantUser(tenant, "/manage/privacy", "admin");
  const [overview, t, rawLocale] = await Promise.all([
    privacyOverview(tenant, user),
    getTranslations("privacy"),
    getLocale(),
  ]);
  const locale = asLocale(rawLocale) ?? DEFAULT_LOCALE;
  const when = (date: Date) => formatInstant(date, locale);
  const open = overview.requests.filter((r) => r.status === "requested");
  const closed = overview.requests.filter((r) => r.status !== "requested");
  return (
    <section className="space-y-8 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
      <h1 className="text-2xl font-semibold">{t("title")}</h1>
      <div className="space-y-3">
        <h2 className="text-lg font-semibold">{t("retentionTitle")}</h2>
        <p className="max-w-prose text-sm opacity-80">{t("retentionIntro")}</p>
        <p className="text-sm" data-testid="retention-due">
          {t("due", {
            registrations: overview.due.registrations,
            details: overview.due.attendeeDetails,
            messages: overview.due.messages,
            audit: overview.due.auditEntries,
          })}
        </p>
        <RetentionForm
          save={saveRetentionAction}
          current={{ ...overview.policy }}
          labels={{
            fields: {
              registrationsMonths: {
                label: t("registrationsMonths.label"),
                hint: t("registrationsMonths.hint"),
              },
              attendeeDetailsMonths: {
                label: t("attendeeDetailsMonths.label"),
                hint: t("attendeeDetailsMonths.hint"),
              },
              messagesMonths: { label: t("messagesMonths.label"), hint: t("messagesMonths.hint") },
              auditMonths: { label: t("auditMonths.label"), hint: t("auditMonths.hint") },
            },
            save: t("save"),
            saving: t("saving"),
            confirm: t("confirmApply"),
          }}
        />
      </div>
      <div className="space-y-3">
        <h2 className="text-lg font-semibold">{t("requestsTitle")}</h2>
        {open.length === 0 ? (
          <p className="text-sm opacity-70" data-testid="no-requests">
            {t("noRequests")}
          </p>
        ) : (
          <ul className="divide-y divide-black/5" data-testid="erasure-requests">
            {open.map((r) => (
              <li key={r.id} className="space-y-2 py-3" data-testid="erasure-request">
                <p className="text-sm">
                  <span className="font-medium">{r.member ? `${r.member.name} <${r.member.email}>` : t("erased")}</span>{" "}
                  <span className="opacity-70">{t("requestedAt", { when: when(r.requestedAt) })}</span>
                </p>
                <ErasureRequestActions
                  requestId={r.id}
                  erase={eraseAction}
                  reject={rejectErasureAction}
                  labels={{
                    erase: t("erase"),
                    confirmErase: t("confirmErase"),
                    warning: t("eraseWarning"),
                    erasing: t("erasing"),
                    reject: t("reject"),
                    cancel: t("cancel"),
                  }}
                />
              </li>
            ))}
          </ul>
        )}
        {closed.length > 0 && (
          <ul className="space-y-1 text-sm opacity-80" data-testid="handled-requests">
            {closed.map((r) => (
              <li key={r.id}>
                {t(r.status === "completed" ? "completedLine" : "rejectedLine", {
                  when: when(r.completedAt ?? r.requestedAt),
                  who: r.member ? r.member.name : t("erased"),
                })}
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
