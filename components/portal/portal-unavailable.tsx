import { useTranslations } from "next-intl";

/**
 * When even the tenant cannot be determined (the control plane does not answer, so a host never
 * seen before cannot be resolved): no tenant branding to show, a neutral and honest notice.
 * Tenants already resolved keep being served from the resolver's cache meanwhile.
 */
export function PortalUnavailable() {
  const t = useTranslations("pages");
  return (
    <main
      role="alert"
      data-testid="portal-unavailable"
      className="grid min-h-screen place-items-center bg-white p-8 text-slate-700"
    >
      <div className="max-w-md text-center">
        <h1 className="text-xl font-medium">{t("portalUnavailableTitle")}</h1>
        <p className="mt-3 text-slate-500">{t("portalUnavailableBody")}</p>
      </div>
    </main>
  );
}
