import Link from "next/link";
import type { FleetRow } from "@/lib/agency/fleet.server.ts";
import type { BackupSummary } from "@/lib/backups/schedule.server.ts";
import type { MetricsState, TenantFigures } from "@/lib/agency/fleet-metrics.server.ts";
import { fleetHref, type FleetQuery, type SortKey } from "@/lib/agency/fleet-query.ts";
import { formatAgo, formatBytes } from "@/lib/format/units.ts";

const STATUS_STYLE: Record<FleetRow["status"], string> = {
  active: "bg-emerald-100 text-emerald-800",
  suspended: "bg-amber-100 text-amber-800",
  provisioning: "bg-sky-100 text-sky-800",
  failed: "bg-red-100 text-red-800",
  offboarded: "bg-slate-200 text-slate-600",
};

function Health({ metrics }: { metrics: MetricsState }) {
  if (metrics.state === "healthy") {
    return (
      <span
        className="text-emerald-700"
        title={`read ${formatAgo(metrics.collectedAt)}${metrics.cached ? " (cached)" : ""}`}
      >
        ● reachable <span className="text-slate-500">({metrics.figures.latencyMs} ms)</span>
      </span>
    );
  }
  if (metrics.state === "inactive") return <span className="text-slate-400">—</span>;
  if (metrics.state === "stale") {
    return (
      <span className="text-amber-700" title={metrics.reason}>
        ● not checked <span className="block max-w-xs truncate text-xs text-amber-800">{metrics.reason}</span>
      </span>
    );
  }
  return (
    <span className="text-red-700" title={metrics.reason}>
      ● degraded{" "}
      <span className="block max-w-xs truncate text-xs text-red-700" data-testid="degraded-reason">
        {metrics.reason}
      </span>
    </span>
  );
}

/** Figures to show: fresh ones, or the last known ones of a degraded tenant (greyed). */
function shown(metrics: MetricsState): { figures: TenantFigures | null; old: boolean } {
  if (metrics.state === "healthy") return { figures: metrics.figures, old: false };
  if (metrics.state === "degraded" || metrics.state === "stale") return { figures: metrics.last, old: true };
  return { figures: null, old: false };
}

/** A migration's name on one line and its timestamp under it, whole: nothing cut off. */
function SchemaVersion({ name }: { name: string }) {
  const match = /^(\d{14})_(.+)$/.exec(name);
  if (!match) return <span className="break-all">{name}</span>;
  return (
    <>
      <span className="whitespace-nowrap">{match[2]}</span>
      <span className="block text-slate-500">{match[1]}</span>
    </>
  );
}

function SortHeader({
  query,
  sort,
  label,
  right,
}: {
  query: FleetQuery;
  sort: SortKey;
  label: string;
  right?: boolean;
}) {
  const active = query.sort === sort;
  const dir =
    active && query.dir === "asc"
      ? "desc"
      : active
        ? "asc"
        : sort === "slug" ||
            sort === "name" ||
            sort === "server" ||
            sort === "region" ||
            sort === "status" ||
            sort === "plan" ||
            sort === "schema"
          ? "asc"
          : "desc";
  return (
    <th
      scope="col"
      className={`px-3 py-3 ${right ? "text-right" : ""}`}
      aria-sort={active ? (query.dir === "asc" ? "ascending" : "descending") : undefined}
    >
      <Link
        href={fleetHref(query, { sort, dir, page: 1 })}
        className="hover:text-slate-800"
        data-testid={`sort-${sort}`}
      >
        {label}
        {active ? (query.dir === "asc" ? " ▲" : " ▼") : ""}
      </Link>
    </th>
  );
}

export function FleetTable({
  rows,
  port,
  query,
  backups = {},
}: {
  rows: FleetRow[];
  port: string;
  query: FleetQuery;
  /** Per tenant id: its newest backup and whether it missed its schedule (lib/agency/tenant-backups.server.ts). */
  backups?: Record<string, BackupSummary>;
}) {
  return (
    <div className="overflow-x-auto rounded-xl bg-white shadow-sm ring-1 ring-slate-200">
      <table className="stack-table min-w-full divide-y divide-slate-200 text-sm">
        <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
          <tr>
            <SortHeader query={query} sort="name" label="Tenant" />
            <SortHeader query={query} sort="status" label="Status" />
            <SortHeader query={query} sort="plan" label="Plan" />
            <th scope="col" className="px-3 py-3">
              Domains
            </th>
            <SortHeader query={query} sort="region" label="Region" />
            <SortHeader query={query} sort="server" label="Database" />
            <SortHeader query={query} sort="schema" label="Schema" />
            <SortHeader query={query} sort="members" label="Members" right />
            <SortHeader query={query} sort="events" label="Events" right />
            <SortHeader query={query} sort="registrations" label="Reg. 30d" right />
            <SortHeader query={query} sort="size" label="Size" right />
            <SortHeader query={query} sort="connections" label="Conns" right />
            <SortHeader query={query} sort="activity" label="Last activity" />
            <SortHeader query={query} sort="latency" label="Health" />
            <th scope="col" className="px-3 py-3">
              Last backup
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((row) => {
            const { figures, old } = shown(row.metrics);
            const figure = (label: string, value: string | number | undefined, testId?: string) => (
              <td
                data-label={label}
                className={`whitespace-nowrap px-3 py-3 text-right tabular-nums ${old ? "text-slate-500" : ""}`}
                data-testid={testId}
              >
                {figures ? value : "—"}
              </td>
            );
            return (
              <tr
                key={row.id}
                data-testid="fleet-row"
                data-slug={row.slug}
                data-health={row.metrics.state === "inactive" ? "inactive" : row.metrics.state}
              >
                <td data-label="Tenant" className="min-w-56 px-3 py-3">
                  <div className="flex items-center gap-3">
                    {row.brand ? (
                      // eslint-disable-next-line @next/next/no-img-element -- a same-origin logo (public/brand or /logo on this host)
                      <img
                        src={row.brand.logo.src}
                        alt=""
                        width={32}
                        height={32}
                        data-testid="fleet-logo"
                        className="h-8 w-8 shrink-0 rounded object-contain ring-1 ring-slate-200"
                        style={{ background: row.brand.background }}
                      />
                    ) : (
                      <span className="h-8 w-8 shrink-0 rounded bg-slate-100" />
                    )}
                    <div className="min-w-0">
                      <Link href={`/tenants/${row.slug}`} className="font-medium hover:underline">
                        {row.name}
                      </Link>
                      <div className="flex items-center gap-1.5 text-xs text-slate-500">
                        {row.slug}
                        {row.brand && (
                          <span className="flex gap-0.5" data-testid="fleet-swatches">
                            {(["primary", "accent", "background"] as const).map((key) => (
                              <span
                                key={key}
                                title={`${key} ${row.brand![key]}`}
                                aria-label={`${key} ${row.brand![key]}`}
                                role="img"
                                className="h-3 w-3 rounded-sm ring-1 ring-black/10"
                                style={{ background: row.brand![key] }}
                              />
                            ))}
                          </span>
                        )}
                      </div>
                    </div>
                  </div>
                </td>
                <td data-label="Status" className="px-3 py-3">
                  <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[row.status]}`}>
                    {row.status}
                  </span>
                </td>
                <td data-label="Plan" className="px-3 py-3 capitalize text-slate-700" data-testid="plan">
                  {row.plan}
                </td>
                <td data-label="Domains" className="px-3 py-3">
                  {row.hosts.map((host) => (
                    <a
                      key={host}
                      href={`http://${host}${port ? `:${port}` : ""}/`}
                      className="block text-sky-700 hover:underline"
                    >
                      {host}
                    </a>
                  ))}
                </td>
                <td data-label="Region" className="px-3 py-3 text-slate-600" data-testid="region">
                  {row.region}
                </td>
                <td data-label="Database" className="px-3 py-3 text-slate-600">
                  {row.server ?? "—"}
                  {row.databaseName && <div className="font-mono text-xs text-slate-500">{row.databaseName}</div>}
                </td>
                <td
                  data-label="Schema"
                  className="px-3 py-3 font-mono text-xs text-slate-600"
                  data-testid="schema"
                  data-version={row.schemaVersion ?? ""}
                >
                  {row.schemaVersion ? <SchemaVersion name={row.schemaVersion} /> : "—"}
                </td>
                {figure("Members", figures?.members, "member-count")}
                {figure("Events", figures?.events, "event-count")}
                {figure("Reg. 30d", figures?.registrations30d, "registrations-30d")}
                {figure("Size", figures ? formatBytes(figures.dbSizeBytes) : undefined, "db-size")}
                {figure("Conns", figures?.connections, "connections")}
                <td
                  data-label="Last activity"
                  className={`px-3 py-3 whitespace-nowrap ${old ? "text-slate-500" : "text-slate-600"}`}
                  data-testid="last-activity"
                >
                  {figures ? formatAgo(figures.lastActivityAt) : "—"}
                </td>
                <td data-label="Health" className="px-3 py-3">
                  <Health metrics={row.metrics} />
                </td>
                <td data-label="Last backup" className="whitespace-nowrap px-3 py-3" data-testid="last-backup">
                  <LastBackup summary={backups[row.id]} />
                </td>
              </tr>
            );
          })}
          {rows.length === 0 && (
            <tr>
              <td colSpan={14} className="px-3 py-8 text-center text-slate-500" data-testid="fleet-empty">
                No tenant matches these filters.{" "}
                <Link href="/" className="text-sky-700 hover:underline">
                  Clear them
                </Link>
                .
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

function LastBackup({ summary }: { summary: BackupSummary | undefined }) {
  if (!summary) return <>—</>;
  const text = summary.lastAt ? `${formatAgo(summary.lastAt)} · ${formatBytes(summary.lastBytes ?? 0)}` : "never";
  return summary.missed ? (
    <span className="rounded bg-amber-100 px-1.5 py-0.5 text-amber-900" data-testid="backup-missed">
      {text} (missed)
    </span>
  ) : (
    <span className="text-slate-600">{text}</span>
  );
}
