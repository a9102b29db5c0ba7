"use client";

import { useTranslations } from "next-intl";

/**
 * Anything unexpected inside a tenant's portal: shown inside the tenant's own layout, so it keeps
 * the tenant's branding. The usual cause is the first request that finds the tenant's database
 * gone; the requests after it get the branded 503 from proxy.ts (decision 022). Details stay in
 * the server log (Next.js redacts them in production).
 */
export default function TenantError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const t = useTranslations("pages");
  return (
    <section
      role="alert"
      data-testid="tenant-error"
      className="mx-auto max-w-xl rounded-2xl bg-surface p-8 text-center shadow-sm ring-1 ring-black/5"
    >
      <div className="mx-auto mb-4 h-1.5 w-16 rounded-full bg-accent" />
      <h1 className="text-2xl font-semibold">{t("errorTitle")}</h1>
      <p className="mt-3 opacity-80">{t("errorBody")}</p>
      <button
        type="button"
        onClick={reset}
        className="mt-5 rounded-lg bg-brand px-4 py-2 font-medium text-on-brand focus:outline-none focus-visible:ring-2 focus-visible:ring-accent"
      >
        {t("tryAgain")}
      </button>
    </section>
  );
}
