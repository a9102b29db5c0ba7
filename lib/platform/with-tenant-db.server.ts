import "server-only";
import { TenantUnavailable } from "../util/errors.ts";
import { platform } from "./platform.server.ts";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { describeUnavailable, isUnavailable } from "../db/unavailable.ts";

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
    if (isUnavailable(error)) {
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
