/**
 * The fleet past one database server (issue #20): a second embedded PostgreSQL registered as a
 * tenant server, the agency overview timed at a given fleet size, and figures for the overview
 * to sort by. Used by bench/run.ts, which grows the fleet to BENCH_SCALE_TENANTS over both.
 */
import path from "node:path";
import { parseFleetQuery } from "../lib/agency/fleet-query.ts";
import { fleetPage, type ReadAudit } from "../lib/agency/fleet-page.server.ts";
import type { FanOutOptions } from "../lib/agency/fleet-metrics.server.ts";
import type { ControlDb } from "../lib/db/control.server.ts";
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from "../lib/db/embedded.server.ts";
import { registerServers, type ProvisionDeps } from "../lib/provisioning/servers.server.ts";
import type { HostConfig } from "../lib/tenancy/host.ts";
import { median } from "./stats.ts";

/** Starts a second embedded PostgreSQL under `dir` and registers it as tenant server `name`. */
export async function secondServer(
  deps: ProvisionDeps,
  dir: string,
  name: string,
  maxConnections: number,
): Promise<EmbeddedServer> {
  const server = await startEmbeddedPostgres({
    dir: path.join(dir, name),
    port: await freePort(),
    settings: { max_connections: maxConnections },
  });
  await registerServers(deps, [{ name, adminUrl: server.url }]);
  return server;
}

/**
 * Gives every tenant without figures a row of them, as the overview's fan-out leaves after
 * reading a tenant: what sorting the fleet by database size sorts on. The sizes are spread
 * (seeded by the tenant id), so the sort has work to do.
 */
export async function recordFigures(control: ControlDb): Promise<number> {
  return control.$executeRaw`
    INSERT INTO "TenantMetrics" ("tenantId", "collectedAt", "members", "events", "registrations30d", "dbSizeBytes", "connections", "latencyMs")
    SELECT id, now(), 1, 6, 0, 7500000 + (('x' || substr(md5(id::text), 1, 8))::bit(32)::int & 1048575) * 64, 0, 1
    FROM "Tenant" WHERE status = 'active'
    ON CONFLICT ("tenantId") DO NOTHING`;
}

/**
 * The agency overview's first page sorted by database size, largest first, as the dashboard asks
 * for it (fleetPage: count, status groups, the sorted page, the page's figures, the audit entry),
 * with the figures as last recorded (the fan-out asks no tenant). Median of `runs` ms.
 */
export async function overviewMs(
  deps: { control: ControlDb; hosts: HostConfig },
  useTenant: FanOutOptions["useTenant"],
  runs = 15,
): Promise<{ ms: number; matching: number }> {
  const audit: ReadAudit = {
    actor: { type: "agency-user", id: "00000000-0000-4000-8000-0000000000be", label: "bench@agency.localhost" },
    ip: null,
    userAgent: null,
  };
  const query = parseFleetQuery({ sort: "size", dir: "desc" }).query;
  const fanOut: FanOutOptions = { concurrency: 8, timeoutMs: 5_000, budgetMs: 10_000, maxAgeMs: 3_600_000, useTenant };
  let matching = 0;
  const samples: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t0 = performance.now();
    const page = await fleetPage(deps, { query, audit, fanOut });
    const ms = performance.now() - t0;
    matching = page.matching;
    if (page.rows.length === 0) throw new Error("bench: the overview showed no tenant");
    if (i >= 2) samples.push(ms); // the first two warm the plans and the connections
  }
  return { ms: median(samples), matching };
}
