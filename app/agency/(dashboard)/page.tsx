import { headers } from "next/headers";
import Link from "next/link";
import { FleetTable } from "@/components/agency/fleet-table.tsx";
import { fleetBackupSummaries } from "@/lib/agency/tenant-backups.server.ts";
import { Field } from "@/components/ui/field.tsx";
import { Input, Select } from "@/components/ui/input.tsx";
import { Pagination } from "@/components/ui/pagination.tsx";
import { FRESH_FOR_MS, fleetOverview } from "@/lib/agency/fleet.server.ts";
import { tenantsBelowContrast } from "@/lib/agency/brand-contrast.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { regionConfig } from "@/lib/tenancy/regions.ts";
import { fleetHref, HEALTH, PAGE_SIZES, parseFleetQuery, STATUSES } from "@/lib/agency/fleet-query.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { requireAgencyUser } from "@/lib/auth/agency-guard.server.ts";
import { PLAN_NAMES } from "@/lib/tenancy/plans.ts";

export const metadata = { title: "Tenants" };

/** One of the overview's filters: a labelled select, "any" first unless `any` is false. */
function Filter({
  label,
  name,
  value,
  options,
  any = true,
}: {
  label: string;
  name: string;
  value: string | null | undefined;
  options: readonly string[];
  any?: boolean;
}) {
  return (
    <Field tone="agency" label={label} name={name}>
      {(c) => (
        <Select {...c} tone="agency" density="compact" fit name={name} defaultValue={value ?? ""}>
          {any && <option value="">any</option>}
          {options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </Select>
      )}
    </Field>
  );
}

export default async function AgencyHome({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await requireAgencyUser("/");
  const params = await searchParams;
  const { query, problems } = parseFleetQuery(params);
  const host = (await headers()).get("host") ?? "";
  const fleet = await fleetOverview(user, {
    query,
    fresh: params.fresh === "1",
    audit: { actor: { type: "agency-user", id: user.id, label: user.email }, ...(await requestOrigin()) },
  });
  const belowContrast = await tenantsBelowContrast(user, platform().control);
  const backups = await fleetBackupSummaries(
    user,
    fleet.rows.map((r) => r.id),
  );
  if (query.page > fleet.pages) problems.push(`There is no page ${query.page}; page ${fleet.page} is the last.`);
  const port = host.includes(":") ? (host.split(":").pop() ?? "") : "";
  const total = Object.values(fleet.byStatus).reduce((a, b) => a + b, 0);
  const degraded = fleet.rows.filter((r) => r.metrics.state === "degraded").length;
  const shownQuery = { ...query, page: fleet.page };
  const here = fleetHref(shownQuery, { page: fleet.page });
  return (
    <>
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <div className="flex items-center gap-4">
            <h1 className="text-2xl font-semibold">Tenants</h1>
            {user.role !== "viewer" && (
              <Link
                href="/tenants/new"
                data-testid="add-tenant"
                className="rounded-lg bg-slate-900 px-3 py-1.5 text-sm font-medium text-white"
              >
                Add a client
              </Link>
            )}
          </div>
          <p className="mt-1 text-sm text-slate-500" data-testid="fleet-summary">
            {total} tenant{total === 1 ? "" : "s"}
            {Object.entries(fleet.byStatus)
              .sort()
              .map(([status, n]) => ` · ${n} ${status}`)
              .join("")}
          </p>
        </div>
        <Link href="/insights" className="text-sm font-medium text-sky-700 hover:underline">
          Charts →
        </Link>
      </div>

      <form method="get" action="/" className="mt-5 flex flex-wrap items-end gap-2 text-sm" aria-label="Filter tenants">
        <Field tone="agency" label="Search" name="q">
          {(c) => (
            <Input
              {...c}
              tone="agency"
              density="compact"
              fit
              type="search"
              name="q"
              defaultValue={query.q}
              maxLength={100}
              placeholder="name, slug or domain"
              className="w-56"
            />
          )}
        </Field>
        <Filter label="Status" name="status" value={query.status[0]} options={STATUSES} />
        <Filter label="Plan" name="plan" value={query.plan[0]} options={PLAN_NAMES} />
        <Filter label="Region" name="region" value={query.region} options={regionConfig().regions.map((r) => r.key)} />
        <Filter label="Server" name="server" value={query.server} options={fleet.servers} />
        <Filter label="Health (last read)" name="health" value={query.health} options={HEALTH} />
        <Filter label="Per page" name="per" value={String(query.per)} options={PAGE_SIZES.map(String)} any={false} />
        {query.sort !== "slug" && <input type="hidden" name="sort" value={query.sort} />}
        {query.dir !== "asc" && <input type="hidden" name="dir" value={query.dir} />}
        <button type="submit" className="rounded-lg bg-slate-900 px-3 py-1.5 font-medium text-white">
          Apply
        </button>
        <Link href="/" className="px-2 py-1.5 text-slate-600 hover:underline">
          Reset
        </Link>
      </form>

      {problems.length > 0 && (
        <ul
          role="alert"
          data-testid="fleet-problems"
          className="mt-4 list-disc rounded-lg bg-amber-50 py-2 pl-8 pr-4 text-sm text-amber-900 ring-1 ring-amber-200"
        >
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}

      {belowContrast.length > 0 && (
        <section
          aria-labelledby="below-contrast-title"
          data-testid="below-contrast"
          className="mt-4 rounded-lg bg-amber-50 px-4 py-3 text-sm text-amber-950 ring-1 ring-amber-200"
        >
          <h2 id="below-contrast-title" className="font-semibold">
            Brand colours below contrast
          </h2>
          <p className="mt-0.5">
            These portals have text that is hard to read (under WCAG AA). Open each one and change the colours marked; a
            save suggests the nearest readable shade.
          </p>
          <ul className="mt-2 space-y-1">
            {belowContrast.map((t) => (
              <li key={t.slug}>
                <Link href={`/tenants/${t.slug}`} className="font-medium text-sky-800 underline">
                  {t.name}
                </Link>{" "}
                <span className="text-amber-900">— {t.problems.map((p) => p.message.split(";")[0]).join(" · ")}</span>
              </li>
            ))}
          </ul>
        </section>
      )}

      <div className="mt-4 flex flex-wrap items-baseline gap-x-3 text-sm text-slate-600" data-testid="fan-out">
        <p>
          {fleet.matching} matching · page {fleet.page} of {fleet.pages}
          {degraded > 0 && <span className="font-medium text-red-700"> · {degraded} not answering on this page</span>}
          {" · "}
          {fleet.fanOut.skipped > 0
            ? `Figures for ${fleet.fanOut.skipped} tenant${fleet.fanOut.skipped === 1 ? "" : "s"} could not be read in time; they show what was read before.`
            : `Figures are at most ${FRESH_FOR_MS / 1000} seconds old.`}{" "}
          <Link
            href={`${here}${here.includes("?") ? "&" : "?"}fresh=1`}
            className="text-sky-700 underline"
            data-testid="refresh-figures"
          >
            Refresh figures
          </Link>
        </p>
        <details className="text-xs text-slate-500" data-testid="fan-out-details">
          <summary className="cursor-pointer">How the figures were read</summary>
          <p className="mt-1">
            Each tenant&apos;s figures come from its own database: {fleet.fanOut.read} read just now,{" "}
            {fleet.fanOut.fromCache} reused from the last {FRESH_FOR_MS / 1000} seconds
            {fleet.fanOut.skipped > 0 && `, ${fleet.fanOut.skipped} not read (time budget spent)`}. Up to{" "}
            {fleet.fanOut.concurrency} databases are asked at once, each given {fleet.fanOut.timeoutMs} ms; this page
            took {fleet.fanOut.elapsedMs} ms.
          </p>
        </details>
      </div>

      <div className="mt-2">
        <FleetTable rows={fleet.rows} port={port} query={shownQuery} backups={backups} />
      </div>

      <Pagination
        page={fleet.page}
        pages={fleet.pages}
        href={(page) => fleetHref(shownQuery, { page })}
        previous="← Previous"
        next="Next →"
        tone="agency"
        spread
        className="mt-4"
      />
    </>
  );
}
