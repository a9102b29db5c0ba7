import type { Metadata } from "next";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { Field } from "@/components/ui/field.tsx";
import { Input } from "@/components/ui/input.tsx";
import { Pagination } from "@/components/ui/pagination.tsx";
import { paginationLabels } from "@/components/portal/portal-labels.ts";
import { EventList } from "@/components/portal/event-card.tsx";
import { TenantNotice } from "@/components/portal/tenant-notice.tsx";
import { tenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { TenantUnavailable } from "@/lib/util/errors.ts";
import { catalogue } from "@/lib/portal/events.server.ts";
import { portalSettings } from "@/lib/portal/settings.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { shareMetadata } from "@/lib/portal/share.server.ts";

export async function generateMetadata({ params }: Pick<Props, "params">): Promise<Metadata> {
  const tenant = await currentTenant((await params).domain);
  return {
    title: { absolute: tenant.name },
    ...shareMetadata(tenant, {
      path: "/",
      title: tenant.name,
      description: (await getTranslations("meta"))("portalDescription", { portal: tenant.name }),
    }),
  };
}

type Props = {
  params: Promise<{ domain: string }>;
  searchParams: Promise<{ q?: string; when?: string; page?: string }>;
};

export default async function PortalHome({ params, searchParams }: Props) {
  const tenant = await currentTenant((await params).domain);
  const t = await getTranslations("home");
  const query = await searchParams;
  const when = query.when === "past" ? "past" : "upcoming";
  // Only the data is loaded inside try: JSX built there would suggest it catches render errors.
  let result: Awaited<ReturnType<typeof catalogue>> | "members-only" | "unavailable";
  try {
    result =
      (await portalSettings(tenant)).catalogueVisibility === "members" && !(await tenantUser(tenant))
        ? "members-only"
        : await catalogue(tenant, { when, q: query.q, page: Number(query.page) || 1 });
  } catch (error) {
    if (!(error instanceof TenantUnavailable)) throw error;
    result = "unavailable";
  }
  if (result === "unavailable") return <TenantNotice tenant={tenant} kind="unavailable" />;
  if (result === "members-only") {
    return (
      <p data-testid="members-only" className="rounded-2xl bg-surface p-8 text-center ring-1 ring-black/5">
        {t.rich("membersOnly", {
          link: (chunks) => (
            <Link href="/sign-in" className="font-medium text-brand underline">
              {chunks}
            </Link>
          ),
        })}
      </p>
    );
  }
  const link = (params: Record<string, string>) =>
    `/?${new URLSearchParams({ ...(query.q ? { q: query.q } : {}), when, ...params })}`;
  return (
    <>
      <div className="flex flex-wrap items-end gap-4">
        <h1 className="flex-1 text-3xl font-bold tracking-tight">
          {when === "upcoming" ? t("upcomingTitle") : t("pastTitle")}
        </h1>
        <form role="search" className="flex gap-2">
          <input type="hidden" name="when" value={when} />
          <Field label={t("search")} name="q" hideLabel>
            {(c) => (
              <Input
                {...c}
                type="search"
                name="q"
                defaultValue={query.q ?? ""}
                placeholder={t("search")}
                density="compact"
                inline
              />
            )}
          </Field>
          <button type="submit" className="rounded-lg bg-brand px-3 py-1.5 font-medium text-on-brand">
            {t("searchButton")}
          </button>
        </form>
      </div>
      <nav aria-label={t("which")} className="mt-3 flex gap-4 text-sm font-medium">
        <Link
          href={link({ when: "upcoming" })}
          aria-current={when === "upcoming" ? "page" : undefined}
          className={when === "upcoming" ? "underline" : "opacity-70 hover:underline"}
        >
          {t("upcoming")}
        </Link>
        <Link
          href={link({ when: "past" })}
          aria-current={when === "past" ? "page" : undefined}
          className={when === "past" ? "underline" : "opacity-70 hover:underline"}
        >
          {t("past")}
        </Link>
      </nav>
      {result.events.length === 0 ? (
        <p className="mt-6 rounded-2xl bg-surface p-8 text-center opacity-80 ring-1 ring-black/5">
          {query.q
            ? t(when === "upcoming" ? "noMatchUpcoming" : "noMatchPast", { query: query.q.slice(0, 100) })
            : when === "upcoming"
              ? t("noUpcoming")
              : t("noPast")}
        </p>
      ) : (
        <EventList events={result.events} layout={tenant.theme.layout} />
      )}
      <Pagination
        page={result.page}
        pages={result.pages}
        href={(page) => link({ page: String(page) })}
        labels={await paginationLabels(result.page, result.pages)}
        className="mt-6"
      />
    </>
  );
}
