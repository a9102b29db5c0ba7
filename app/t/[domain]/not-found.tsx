import Link from "next/link";
import { useTranslations } from "next-intl";

/** Inside a live tenant's portal (unknown event or page): branded, since the tenant is known. */
export default function TenantNotFound() {
  const t = useTranslations("pages");
  return (
    <section className="mx-auto max-w-xl rounded-2xl bg-surface p-8 text-center shadow-sm ring-1 ring-black/5">
      <h1 className="text-2xl font-semibold">{t("notFound")}</h1>
      <Link href="/" className="mt-4 inline-block rounded-lg bg-brand px-4 py-2 font-medium text-on-brand">
        {t("seeUpcoming")}
      </Link>
    </section>
  );
}
