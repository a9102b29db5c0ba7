import { headers } from "next/headers";
import Link from "next/link";
import { FleetTable } from "@/components/agency/fleet-table.tsx";
import { fleetOverview } from "@/lib/agency/fleet.server.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { requireAgencyUser } from "@/lib/auth/agency-auth.server.ts";
import { platform } from "@/lib/platform.server.ts";

export const metadata = { title: "Tenants" };

export default async function AgencyHome() {
  const user = await requireAgencyUser("/");
  const host = (await headers()).get("host") ?? "";
  const fleet = await fleetOverview({ audit: { actor: { type: "agency-user", id: user.id, label: user.email }, ...(await requestOrigin()) } });
  const cache = platform().tenants.stats();
  const port = host.includes(":") ? (host.split(":").pop() ?? "") : "";
  const degraded = fleet.rows.filter((r) => r.health.state === "degraded").length;
  return (
    <>
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <div className="flex items-center gap-4">
            <h1 className="text-2xl font-semibold">Tenants</h1>
            {user.role !== "viewer" && (
              <Link href="/tenants/new" data-testid="add-tenant" className="rounded-lg bg-slate-900 px-3 py-1.5 text-sm font-medium text-white">Add a client</Link>
            )}
            <Link href="/migrations" className="text-sm text-sky-700 hover:underline">Migrations</Link>
          </div>
          <p className="mt-1 text-sm text-slate-500">
            {fleet.total} tenant{fleet.total === 1 ? "" : "s"}
            {degraded > 0 && <span className="text-red-700"> · {degraded} degraded</span>} · figures read from each tenant&apos;s own
            database ({fleet.fanOut.concurrency} at a time, {fleet.fanOut.timeoutMs} ms timeout, {fleet.fanOut.elapsedMs} ms in all)
          </p>
        </div>
        <dl className="flex gap-6 text-sm" aria-label="Tenant client cache">
          {[
            ["clients", cache.clients],
            ["connections", `${cache.openConnections} / ${cache.budget}`],
            ["hits", cache.hits],
            ["misses", cache.misses],
            ["evictions", cache.evictions],
          ].map(([label, value]) => (
            <div key={label}>
              <dt className="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
              <dd className="font-semibold tabular-nums">{value}</dd>
            </div>
          ))}
        </dl>
      </div>
      <div className="mt-6">
        <FleetTable rows={fleet.rows} port={port} />
      </div>
    </>
  );
}
