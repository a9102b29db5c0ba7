import Link from "next/link";
import { getLocale, getTranslations } from "next-intl/server";
import { Field } from "@/components/ui/field.tsx";
import { Input, Select } from "@/components/ui/input.tsx";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { formatInstant } from "@/lib/format/event-time.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { personText, tenantTrailPage } from "@/lib/portal/audit-trail.server.ts";
import { TRAIL_ACTORS, TRAIL_CATEGORIES, parseTrailFilter, trailQuery } from "@/lib/portal/trail-filter.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("audit"))("title") };
}

type Props = {
  params: Promise<{ domain: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

/** The portal's own audit trail (decision 048): owners and admins, checked here and in tenantTrailPage. */
export default async function AuditTrailPage({ params, searchParams }: Props) {
  const tenant = await currentTenant((await params).domain);
  const user = await requireTenantUser(tenant, "/manage/audit", "admin");
  const query = await searchParams;
  const parsed = parseTrailFilter(query);
  const [t, locale] = await Promise.all([getTranslations("audit"), getLocale()]);
  const page = parsed.ok ? await tenantTrailPage(tenant, user, parsed.filter) : null;
  const text = (k: string) => {
    const v = query[k];
    return (Array.isArray(v) ? v[0] : v) ?? "";
  };
  return (
    <section className="space-y-5 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="flex-1 text-2xl font-semibold">{t("title")}</h1>
        {parsed.ok && (
          <a
            href={`/manage/audit.csv${trailQuery({ ...parsed.filter, before: undefined })}`}
            data-testid="audit-csv"
            className="rounded-lg px-3 py-1.5 text-sm font-medium ring-1 ring-black/20"
          >
            {t("exportCsv")}
          </a>
        )}
      </div>
      <p className="text-sm opacity-80">{t("intro")}</p>
      {page &&
        (page.verification.ok ? (
          <p role="status" data-testid="audit-verified" className="rounded-lg bg-green-50 p-3 text-sm text-green-900">
            {t("verified", { count: page.verification.entries })}
          </p>
        ) : (
          <p role="alert" data-testid="audit-tampered" className="rounded-lg bg-red-50 p-3 text-sm text-red-900">
            {t("tampered", { id: page.verification.problem.id, count: page.verification.entries })}
          </p>
        ))}
      <form className="flex flex-wrap items-end gap-3 text-sm" role="search">
        <Field label={t("category")} name="category" error={errorOf("category")}>
          {(c) => (
            <Select {...c} name="category" defaultValue={text("category")} density="compact" fit>
              <option value="">{t("any")}</option>
              {Object.keys(TRAIL_CATEGORIES).map((k) => (
                <option key={k} value={k}>
                  {t(`categories.${k as keyof typeof TRAIL_CATEGORIES}`)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label={t("actor")} name="actor" error={errorOf("actor")}>
          {(c) => (
            <Select {...c} name="actor" defaultValue={text("actor")} density="compact" fit>
              <option value="">{t("any")}</option>
              {TRAIL_ACTORS.map((k) => (
                <option key={k} value={k}>
                  {t(`actors.${k}`)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label={t("person")} name="person" error={errorOf("person")}>
          {(c) => <Input {...c} name="person" type="email" defaultValue={text("person")} density="compact" fit />}
        </Field>
        <Field label={t("from")} name="from" error={errorOf("from")}>
          {(c) => <Input {...c} name="from" type="date" defaultValue={text("from")} density="compact" fit />}
        </Field>
        <Field label={t("to")} name="to" error={errorOf("to")}>
          {(c) => <Input {...c} name="to" type="date" defaultValue={text("to")} density="compact" fit />}
        </Field>
        <button type="submit" className="rounded-lg bg-brand px-3 py-1.5 font-medium text-on-brand">
          {t("filter")}
        </button>
      </form>
      {!parsed.ok && (
        <p role="alert" className="text-sm text-red-800" data-testid="audit-filter-error">
          {t("fixFilter")}
        </p>
      )}
      {page && page.rows.length === 0 && <p className="opacity-80">{t("none")}</p>}
      {page && page.rows.length > 0 && (
        <div className="overflow-x-auto">
          <table className="stack-table w-full text-left text-sm">
            <thead className="text-xs uppercase tracking-wide opacity-70">
              <tr>
                <th className="py-2">{t("when")}</th>
                <th>{t("who")}</th>
                <th>{t("what")}</th>
                <th>{t("about")}</th>
                <th>{t("detailsHeading")}</th>
              </tr>
            </thead>
            <tbody data-testid="audit-entries">
              {page.rows.map((r) => (
                <tr key={String(r.id)} className="border-t border-black/5 align-top" data-action={r.action}>
                  <td className="py-2 whitespace-nowrap">{formatInstant(r.at, locale)}</td>
                  <td>
                    <span className="font-medium">{t(`actors.${actorKey(r.actorType)}`)}</span>{" "}
                    {r.actor ? personText(r.actor) : r.actorType === "member" ? "" : r.actorLabel}
                  </td>
                  <td>
                    <code>{r.action}</code>
                  </td>
                  <td>{personText(r.subject)}</td>
                  <td className="max-w-md break-words font-mono text-xs opacity-80">
                    {JSON.stringify(r.details)}
                    {r.ip ? ` · ${r.ip}` : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {parsed.ok && (parsed.filter.before !== undefined || page?.older) && (
        <nav className="flex gap-4 text-sm" aria-label={t("pages")}>
          {parsed.filter.before !== undefined && (
            <Link href={`/manage/audit${trailQuery({ ...parsed.filter, before: undefined })}`} className="text-brand">
              {t("newest")}
            </Link>
          )}
          {page?.older && (
            <Link
              href={`/manage/audit${trailQuery(parsed.filter, page.older)}`}
              className="text-brand"
              data-testid="audit-older"
            >
              {t("older")}
            </Link>
          )}
        </nav>
      )}
    </section>
  );

  function errorOf(field: "category" | "actor" | "person" | "from" | "to"): string | undefined {
    const code = parsed.ok ? undefined : parsed.errors[field];
    return code ? t(`errors.${code}`) : undefined;
  }
}

function actorKey(type: string): (typeof TRAIL_ACTORS)[number] {
  return (TRAIL_ACTORS as readonly string[]).includes(type) ? (type as (typeof TRAIL_ACTORS)[number]) : "system";
}
