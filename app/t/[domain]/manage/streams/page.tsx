import { getLocale, getTranslations } from "next-intl/server";
import { AddSinkForm, SinkControls, type SinkFormLabels } from "@/components/audit/stream-sink-forms.tsx";
import { listAuditSinks } from "@/lib/audit/sinks.server.ts";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { asLocale, DEFAULT_LOCALE } from "@/lib/format/locale.ts";
import { formatInstant } from "@/lib/format/event-time.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { withTenantDb } from "@/lib/platform/with-tenant-db.server.ts";
import { tenantSinkAction } from "./actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("auditStreams") };
}

/** The portal's audit streams to its SIEM (decision 049): the portal's owners only. */
export default async function TenantAuditStreamsPage({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  // The page checks the user itself: the manage layout lets staff through (decision 018).
  await requireTenantUser(tenant, "/manage/streams", "owner");
  const [sinks, t, rawLocale] = await Promise.all([
    listAuditSinks(platform().control, tenant.id),
    getTranslations("auditStreams"),
    getLocale(),
  ]);
  const locale = asLocale(rawLocale) ?? DEFAULT_LOCALE;
  const lags = await withTenantDb(tenant.id, (db) =>
    Promise.all(sinks.map((s) => db.auditEntry.count({ where: { id: { gt: s.cursor } } }))),
  );
  const labels: SinkFormLabels = {
    add: t("add"),
    name: t("name"),
    kind: t("kind"),
    webhook: t("webhook"),
    syslog: t("syslog"),
    url: t("url"),
    host: t("host"),
    port: t("port"),
    ca: t("ca"),
    caHint: t("caHint"),
    secretOnce: t("secretOnce"),
    test: t("test"),
    enable: t("enable"),
    disable: t("disable"),
    rotate: t("rotate"),
    remove: t("remove"),
  };
  const when = (date: Date | null) => (date ? formatInstant(date, locale) : t("never"));
  return (
    <section className="space-y-6 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
      <h1 className="text-2xl font-semibold">{t("title")}</h1>
      <p className="max-w-prose text-sm opacity-80">{t("intro")}</p>
      <AddSinkForm action={tenantSinkAction} labels={labels} tone="portal" />
      <ul className="divide-y divide-black/5" data-testid="sinks">
        {sinks.map((s, i) => (
          <li
            key={s.id}
            data-testid="sink"
            data-name={s.name}
            data-enabled={String(s.enabled)}
            className="space-y-2 py-4"
          >
            <div className="font-medium">
              {s.name} <span className="text-sm opacity-70">({s.kind === "webhook" ? t("webhook") : t("syslog")})</span>
            </div>
            <div className="font-mono text-xs opacity-70">{s.url ?? `${s.host}:${s.port}`}</div>
            <dl className="grid gap-1 text-sm sm:grid-cols-4">
              <div>
                <dt className="opacity-70">{t("status")}</dt>
                <dd>{s.enabled ? t("enabled") : t("disabled")}</dd>
              </div>
              <div>
                <dt className="opacity-70">{t("lag")}</dt>
                <dd data-testid="sink-lag">{t("entries", { count: lags[i] ?? 0 })}</dd>
              </div>
              <div>
                <dt className="opacity-70">{t("lastDelivery")}</dt>
                <dd data-testid="sink-last-delivery">{when(s.lastDeliveredAt)}</dd>
              </div>
              <div>
                <dt className="opacity-70">{t("lastError")}</dt>
                <dd data-testid="sink-last-error">
                  {s.lastError ? `${s.lastError} (${when(s.lastErrorAt)})` : t("none")}
                </dd>
              </div>
            </dl>
            <SinkControls action={tenantSinkAction} sinkId={s.id} enabled={s.enabled} labels={labels} />
          </li>
        ))}
      </ul>
    </section>
  );
}
