import "server-only";
import { TenantUnavailable } from "../util/errors.ts";
import { platform } from "./platform.server.ts";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { describeUnavailable, isPoolBusy, isUnavailable, poolerDownLine, poolerDownReason } from "../db/unavailable.ts";
import { probePooler } from "../db/pooler-probe.ts";
import { skipLocalRendersInFlight } from "../http/local-page-cache.ts";

export { describeUnavailable, isUnavailable };

/**
 * The one way to reach a tenant's data: with that tenant's own client, leased for `fn`.
 * A tenant whose database cannot be reached becomes TenantUnavailable, which pages render as a
 * branded notice for that tenant alone, and is marked down in the platform's health breaker.
 */
export async function withTenantDb<T>(tenantId: string, fn: (db: TenantDb) => Promise<T>): Promise<T> {
  const p = platform();
  try {
    const result = await p.tenants.use(tenantId, fn);
    p.health.succeeded(tenantId);
    return result;
  } catch (error) {
    if (error instanceof TenantUnavailable) throw error;
    if (isPoolBusy(error)) {
      // Congestion, not an outage (decision 060): this request gets the notice, the next ones try
      // again, the tenant's cached pages stay, and no page rendered now (the notice) is stored.
      skipLocalRendersInFlight(tenantId);
      p.outageLog.say(`busy ${tenantId}`, `[tenant] ${tenantId}: ${BUSY}; the requests that met it got its notice`);
      throw new TenantUnavailable(tenantId, BUSY, { cause: error });
    }
    if (isUnavailable(error)) {
      // Through a PgBouncer that does not answer, every tenant behind it fails alike: one line
      // names the pooler and what to do, however many tenants meet it (decision 038).
      const pooler = p.poolerOf(tenantId);
      const poolerProblem = pooler ? await poolerState(pooler) : null;
      if (pooler && poolerProblem) {
        const reason = poolerDownReason(pooler, poolerProblem);
        p.health.failed(tenantId, reason);
        p.outageLog.say(`pooler ${pooler}`, poolerDownLine(reason));
        throw new TenantUnavailable(tenantId, reason, { cause: error });
      }
      // Recorded for proxy.ts (the next requests get the branded 503 without a query) and said
      // once per tenant per minute, however many requests meet it.
      const reason = describeUnavailable(error);
      p.health.failed(tenantId, reason);
      p.outageLog.say(tenantId, `[tenant] ${tenantId}: its database is unreachable (${reason}); its pages answer 503`);
      throw new TenantUnavailable(tenantId, reason, { cause: error });
    }
    throw error;
  }
}

const BUSY = "every connection of its pool stayed busy while this request waited for one";

// One probe per pooler at a time, its answer shared for a second: a fleet of tenants failing at
// once asks PgBouncer once, not once each.
const probes = new Map<string, { at: number; answer: Promise<string | null> }>();

function poolerState(address: string): Promise<string | null> {
  const cached = probes.get(address);
  if (cached && Date.now() - cached.at < 1_000) return cached.answer;
  const at = address.lastIndexOf(":");
  const answer = probePooler(address.slice(0, at), Number(address.slice(at + 1)), 2_000);
  probes.set(address, { at: Date.now(), answer });
  return answer;
}
