/**
 * The page cache of this process lives in scripts/next-server.ts, outside Next's module graph;
 * code inside it (the tenant health monitor) reaches it here, through globalThis, as proxy.ts
 * reaches the platform. When no page cache runs (`next start` alone, tests) purging does nothing.
 */
const KEY = Symbol.for("portico.localPageCache");

type Purge = (tenantId: string) => void;

/** Called by scripts/next-server.ts once its page cache exists. */
export function registerLocalPageCache(purge: Purge): void {
  (globalThis as { [KEY]?: Purge })[KEY] = purge;
}

/** Drops `tenantId`'s pages from this process's page cache, if there is one. */
export function purgeLocalPages(tenantId: string): void {
  (globalThis as { [KEY]?: Purge })[KEY]?.(tenantId);
}
