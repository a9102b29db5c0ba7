import Link from "next/link";
import {
  CacheChart,
  DbSizeChart,
  PlanChart,
  RegistrationsChart,
  StatusChart,
} from "@/components/agency/fleet-charts.tsx";
import { fanOutOptions } from "@/lib/agency/fleet.server.ts";
import { fleetInsights } from "@/lib/agency/insights.server.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { requireAgencyUser } from "@/lib/auth/agency-guard.server.ts";
import { formatAgo } from "@/lib/format/units.ts";
import { platform } from "@/lib/platform/platform.server.ts";

export const metadata = { title: "Charts" };

export default async function InsightsPage() {
  const user = await requireAgencyUser("/insights");
  const { control, tenants } = platform();
  const insights = await fleetInsights(
    user,
    control,
    tenants.stats(),
    { actor: { type: "agency-user", id: user.id, label: user.email }, ...(await requestOrigin()) },
    fanOutOptions(),
  );
  const { coverage, cache } = insights;
  return (
    <>
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold">Fleet charts</h1>
          <p className="mt-1 text-sm text-slate-500" data-testid="insights-coverage">
            Figures for {coverage.withFigures} of {coverage.readable} live tenants, read from their own databases
            {coverage.oldest && <> (oldest read {formatAgo(coverage.oldest)})</>}; {coverage.read} read just now
            {coverage.skipped > 0 && <>, {coverage.skipped} left for the next visit (time budget spent)</>}.
          </p>
        </div>
        <Link href="/" className="text-sm text-sky-700 hover:underline">
          ← Tenants
        </Link>
      </div>
      <div className="mt-6 grid gap-4 lg:grid-cols-2">
        <div className="lg:col-span-2">
          <RegistrationsChart
            data={insights.registrationsByDay}
            series={insights.registrationSeries}
            total={insights.registrationsTotal}
          />
        </div>
        <StatusChart data={insights.byStatus} />
        <PlanChart data={insights.byPlan} />
        <DbSizeChart data={insights.dbSizes} more={insights.dbSizesMore} />
        <CacheChart
          hits={cache.hits}
          misses={cache.misses}
          evictions={cache.evictions}
          open={cache.openConnections}
          reserved={cache.reservedConnections}
          budget={cache.budget}
          clients={cache.clients}
        />
      </div>
    </>
  );
}
