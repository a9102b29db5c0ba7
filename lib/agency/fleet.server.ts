import "server-only";
import { appendAudit, type AuditActor } from "../audit/log.server.ts";
import { withTenantDb } from "../db/with-tenant-db.server.ts";
import { errorMessage } from "../errors.ts";
import { platform } from "../platform.server.ts";
import { tenantHosts } from "../tenancy/host.ts";
import type { TenantStatus } from "../tenancy/resolver.ts";
import { mapSettledBounded, withTimeout } from "../util/concurrency.ts";

export type TenantHealth =
  | { state: "healthy"; events: number; latencyMs: number }
  | { state: "degraded"; reason: string }
  | { state: "inactive" };

export interface FleetRow {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  hosts: string[];
  server: string | null;
  databaseName: string | null;
  schemaVersion: string | null;
  health: TenantHealth;
}

export interface FleetOverview {
  rows: FleetRow[];
  total: number;
  fanOut: { concurrency: number; timeoutMs: number; elapsedMs: number };
}

const FAN_OUT_CONCURRENCY = 8;

/**
 * Every tenant from the control plane, with its event count read from its own database through
 * its own role. At most FAN_OUT_CONCURRENCY tenants are asked at once and each gets
 * PORTICO_TENANT_TIMEOUT_MS: a slow or broken tenant is reported degraded, never blocks the page.
 */
export async function fleetOverview(options: {
  take?: number;
  /** Who is reading: every cross-tenant read is audited. */
  audit: { actor: AuditActor; ip: string | null; userAgent: string | null };
}): Promise<FleetOverview> {
  const { control, hosts, env } = platform();
  const timeoutMs = env.PORTICO_TENANT_TIMEOUT_MS;
  const [tenants, total] = await Promise.all([
    control.tenant.findMany({
      orderBy: { slug: "asc" },
      take: options.take ?? 200,
      include: {
        domains: { select: { hostname: true }, orderBy: { hostname: "asc" } },
        database: { select: { databaseName: true, schemaVersion: true, server: { select: { name: true } } } },
      },
    }),
    control.tenant.count(),
  ]);

  await appendAudit(control, {
    ...options.audit,
    action: "fleet.read",
    details: { what: "event counts", tenants: tenants.filter((t) => t.status === "active" || t.status === "suspended").map((t) => t.slug) },
  });

  const started = performance.now();
  const health = await mapSettledBounded(tenants, FAN_OUT_CONCURRENCY, async (tenant): Promise<TenantHealth> => {
    if (tenant.status !== "active" && tenant.status !== "suspended") return { state: "inactive" };
    const t0 = performance.now();
    const events = await withTimeout(withTenantDb(tenant.id, (db) => db.event.count()), timeoutMs, `database of ${tenant.slug}`);
    return { state: "healthy", events, latencyMs: Math.round((performance.now() - t0) * 10) / 10 };
  });

  const rows = tenants.map((tenant, i): FleetRow => {
    const result = health[i];
    return {
      id: tenant.id,
      slug: tenant.slug,
      name: tenant.name,
      status: tenant.status,
      hosts: tenantHosts(tenant.slug, tenant.domains, hosts),
      server: tenant.database?.server.name ?? null,
      databaseName: tenant.database?.databaseName ?? null,
      schemaVersion: tenant.database?.schemaVersion ?? null,
      health:
        result?.status === "fulfilled"
          ? result.value
          : { state: "degraded", reason: errorMessage(result?.reason).split("\n")[0] ?? "unknown error" },
    };
  });
  return { rows, total, fanOut: { concurrency: FAN_OUT_CONCURRENCY, timeoutMs, elapsedMs: Math.round(performance.now() - started) } };
}
