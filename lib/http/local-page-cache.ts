/**
 * The page cache of this process lives in scripts/next-server.ts, outside Next's module graph;
 * code inside it (the tenant health monitor, withTenantDb) reaches it here, through globalThis, as
 * proxy.ts reaches the platform. When no page cache runs (`next start` alone, tests) these do
 * nothing.
 */
const KEY = Symbol.for("portico.localPageCache");

export interface LocalPageCache {
  /** Drops the tenant's pages; its renders in flight are not stored. */
  purge(tenantId: string): void;
  /** The tenant's renders in flight are not stored; its stored pages stay. */
  skipRendersInFlight(tenantId: string): void;
}

/** Called by scripts/next-server.ts once its page cache exists. */
export function registerLocalPageCache(cache: LocalPageCache): void {
  (globalThis as { [KEY]?: LocalPageCache })[KEY] = cache;
}

/** Drops `tenantId`'s pages from this process's page cache, if there is one. */
export function purgeLocalPages(tenantId: string): void {
  (globalThis as { [KEY]?: LocalPageCache })[KEY]?.purge(tenantId);
}

/**
 * No page of `tenantId` being rendered now is stored (one may show a notice in place of its
 * content); what is stored already stays served.
 */
export function skipLocalRendersInFlight(tenantId: string): void {
  (globalThis as { [KEY]?: LocalPageCache })[KEY]?.skipRendersInFlight(tenantId);
}
