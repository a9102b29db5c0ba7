/**
 * The page cache of this process lives in scripts/next-server.ts, outside Next's module graph;
 * code inside it (the tenant health monitor, withTenantDb) reaches it here, through globalThis, as
 * proxy.ts reaches the platform. When no page cache runs (`next start` alone, tests) these do
 * nothing.
 */
const KEY = Symbol.for("portico.localPageCache");

export interface LocalPageCache {
  /**
   * The tenant's database was found unreachable: its renders in flight are not stored (they may
   * show the notice); its stored pages stay served until they age out (decision 061).
   */
  tenantDown(tenantId: string): void;
  /** The tenant's renders in flight are not stored; its stored pages stay. */
  skipRendersInFlight(tenantId: string): void;
}

/** Called by scripts/next-server.ts once its page cache exists. */
export function registerLocalPageCache(cache: LocalPageCache): void {
  (globalThis as { [KEY]?: LocalPageCache })[KEY] = cache;
}

/** Tells this process's page cache, if there is one, that `tenantId`'s database is unreachable. */
export function noteLocalTenantDown(tenantId: string): void {
  (globalThis as { [KEY]?: LocalPageCache })[KEY]?.tenantDown(tenantId);
}

/**
 * No page of `tenantId` being rendered now is stored (one may show a notice in place of its
 * content); what is stored already stays served.
 */
export function skipLocalRendersInFlight(tenantId: string): void {
  (globalThis as { [KEY]?: LocalPageCache })[KEY]?.skipRendersInFlight(tenantId);
}
