import type { FleetRow, TenantHealth } from "@/lib/agency/fleet.server.ts";

const STATUS_STYLE: Record<FleetRow["status"], string> = {
  active: "bg-emerald-100 text-emerald-800",
  suspended: "bg-amber-100 text-amber-800",
  provisioning: "bg-sky-100 text-sky-800",
  failed: "bg-red-100 text-red-800",
  offboarded: "bg-slate-200 text-slate-600",
};

function Health({ health }: { health: TenantHealth }) {
  if (health.state === "healthy") {
    return <span className="text-emerald-700">● reachable <span className="text-slate-500">({health.latencyMs} ms)</span></span>;
  }
  if (health.state === "inactive") return <span className="text-slate-400">—</span>;
  return (
    <span className="text-red-700" title={health.reason}>
      ● degraded <span className="block max-w-xs truncate text-xs text-red-600/80">{health.reason}</span>
    </span>
  );
}

export function FleetTable({ rows, port }: { rows: FleetRow[]; port: string }) {
  return (
    <div className="overflow-x-auto rounded-xl bg-white shadow-sm ring-1 ring-slate-200">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
          <tr>
            <th scope="col" className="px-4 py-3">Tenant</th>
            <th scope="col" className="px-4 py-3">Status</th>
            <th scope="col" className="px-4 py-3">Domains</th>
            <th scope="col" className="px-4 py-3">Database</th>
            <th scope="col" className="px-4 py-3">Schema version</th>
            <th scope="col" className="px-4 py-3 text-right">Events</th>
            <th scope="col" className="px-4 py-3">Health</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((row) => (
            <tr key={row.id} data-testid="fleet-row" data-slug={row.slug} data-health={row.health.state}>
              <td className="px-4 py-3">
                <a href={`/tenants/${row.slug}`} className="font-medium hover:underline">{row.name}</a>
                <div className="text-xs text-slate-500">{row.slug}</div>
              </td>
              <td className="px-4 py-3">
                <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[row.status]}`}>{row.status}</span>
              </td>
              <td className="px-4 py-3">
                {row.hosts.map((host) => (
                  <a key={host} href={`http://${host}${port ? `:${port}` : ""}/`} className="block text-sky-700 hover:underline">
                    {host}
                  </a>
                ))}
              </td>
              <td className="px-4 py-3 text-slate-600">
                {row.server ?? "—"}
                {row.databaseName && <div className="font-mono text-xs text-slate-400">{row.databaseName}</div>}
              </td>
              <td className="px-4 py-3 font-mono text-xs text-slate-600">{row.schemaVersion ?? "—"}</td>
              <td className="px-4 py-3 text-right tabular-nums" data-testid="event-count">
                {row.health.state === "healthy" ? row.health.events : "—"}
              </td>
              <td className="px-4 py-3">
                <Health health={row.health} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
