import Link from "next/link";
import { useTranslations } from "next-intl";

export default function TenantForbidden() {
  const t = useTranslations("pages");
  return (
    <section className="mx-auto max-w-xl rounded-2xl bg-surface p-8 text-center shadow-sm ring-1 ring-black/5">
      <h1 className="text-2xl font-semibold">{t("forbidden")}</h1>
      <p className="mt-3 opacity-80">{t("forbiddenBody")}</p>
      <Link href="/" className="mt-4 inline-block rounded-lg bg-brand px-4 py-2 font-medium text-on-brand">
        {t("backToEvents")}
      </Link>
    </section>
  );
}
