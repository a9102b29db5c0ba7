import type { Platform } from "./platform.server.ts";
import type { HostClass } from "../tenancy/host.ts";
import { resolverKey, type ResolvedTenant } from "../tenancy/resolver.ts";
import { annotateLogContext } from "../observability/context.ts";
import { outageKey, poolerDownLine } from "../db/unavailable.ts";

/**
 * Whether a tenant's portal is out of service: suspended, in maintenance (a move between servers,
 * a pending migration), or its database failed recently (lib/db/tenant-health.ts). proxy.ts asks before routing and sends such a request to
 * app/t/[domain]/portal-unavailable, which answers the branded notice with 503 (decision 022).
 * This module imports no server code: proxy.ts reaches the process-wide platform through
 * globalThis, where lib/platform/platform.server.ts keeps it.
 */
export const OUTAGE_SEGMENT = "portal-unavailable";
export type OutageKind = "suspended" | "maintenance" | "unavailable";

/** Served even during an outage: the logo (from the control plane) and next-auth, which answers a signed-out session itself. */
const ANSWERS_ITSELF = /^\/(logo\/|api\/auth\/)/;

const KEY = Symbol.for("portico.platform");

/** The platform if this process has created it; null before the first page has. */
export function existingPlatform(): Platform | null {
  return (globalThis as { [KEY]?: Platform })[KEY] ?? null;
}

export async function outageOf(p: Platform, tenant: ResolvedTenant): Promise<OutageKind | null> {
  if (tenant.status === "suspended") return "suspended";
  if (tenant.status === "active" && tenant.maintenance) return "maintenance";
  if (tenant.status === "active" && !tenant.maintenance && (await p.health.isDown(tenant.id))) return "unavailable";
  return null;
}

/** What proxy.ts learns of a tenant request: its tenant (when known) and the outage it meets. */
export interface TenantRoute {
  tenant: { id: string; plan: string } | null;
  outage: OutageKind | null;
}

/** For proxy.ts: the tenant a request to `path` on `host` is for, and its outage, or null to route it as usual. */
export async function routeForRequest(host: HostClass, path: string): Promise<TenantRoute> {
  const p = existingPlatform();
  const key = resolverKey(host);
  if (!p || !key) return { tenant: null, outage: null };
  let tenant: ResolvedTenant | null;
  try {
    tenant = await p.resolver.resolve(key);
  } catch {
    return { tenant: null, outage: null }; // the control plane did not answer: the pages say so themselves
  }
  if (!tenant) return { tenant: null, outage: null };
  annotateLogContext({ tenant: tenant.slug });
  const known = { id: tenant.id, plan: tenant.plan };
  if (ANSWERS_ITSELF.test(path) || path === `/${OUTAGE_SEGMENT}`) return { tenant: known, outage: null };
  const outage = await outageOf(p, tenant);
  if (outage === "unavailable") {
    const reason = p.health.reason(tenant.id);
    const key = outageKey(tenant.id, reason);
    if (key !== tenant.id && reason) p.outageLog.say(key, poolerDownLine(reason));
    else
      p.outageLog.say(
        tenant.id,
        `[tenant] ${tenant.slug}: its database is unreachable (${reason ?? "no detail"}); its pages answer 503`,
      );
  }
  return { tenant: known, outage };
}
