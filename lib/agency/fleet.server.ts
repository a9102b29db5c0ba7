import "server-only";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import { platform } from "../platform/platform.server.ts";
import type { FanOutOptions } from "./fleet-metrics.server.ts";
import type { FleetQuery } from "./fleet-query.ts";
import { assertAgencyRole, type AgencyUser } from "../auth/agency-guard.server.ts";
import { fleetPage, type FleetOverview, type ReadAudit } from "./fleet-page.server.ts";

export {
  FLEET_READ_AUDIT_EVERY_MS,
  fleetPage,
  fleetWhere,
  recordedInTenantTrails,
  type FleetOverview,
  type FleetRow,
  type ReadAudit,
} from "./fleet-page.server.ts";

/** Figures younger than this are shown without asking the tenant again. */
export const FRESH_FOR_MS = 30_000;

/** How far the overview may fan out; the timeout is PORTICO_TENANT_TIMEOUT_MS. */
export function fanOutOptions(overrides: Partial<FanOutOptions> = {}): FanOutOptions {
  const timeoutMs = platform().env.PORTICO_TENANT_TIMEOUT_MS;
  return {
    concurrency: 8,
    timeoutMs,
    budgetMs: Math.max(2 * timeoutMs, 2_000),
    maxAgeMs: FRESH_FOR_MS,
    useTenant: withTenantDb,
    ...overrides,
  };
}

/**
 * One page of the fleet. Filtering, sorting and paging happen in the control plane (so thousands
 * of tenants cost one indexed query); only the page's tenants are asked for fresh figures, through
 * the bounded, audited fan-out. Sorting by a figure uses the figures as last read.
 */
export async function fleetOverview(
  viewer: AgencyUser,
  options: { query: FleetQuery; audit: ReadAudit; fresh?: boolean },
): Promise<FleetOverview> {
  assertAgencyRole(viewer, "viewer");
  const { control, hosts } = platform();
  return fleetPage({ control, hosts }, { ...options, fanOut: fanOutOptions(options.fresh ? { maxAgeMs: 0 } : {}) });
}
