import { LRUCache } from "lru-cache";
import type { HostClass } from "./host.ts";
import type { Theme } from "./theme.ts";

/**
 * Host → tenant, cached in an LRU of at most `maxEntries`. Entries live `ttlMs` (misses a shorter
 * `negativeTtlMs`, so a flood of random hosts cannot hammer the control plane) and are dropped
 * early by `invalidate`.
 * Keys are the normalised host or slug; values carry the tenant id (docs/decisions/001).
 */

export type TenantStatus = "provisioning" | "active" | "suspended" | "failed" | "offboarded";

export interface ResolvedTenant {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  /** The plan from the control plane; features are checked against it (lib/portal/features.server.ts). */
  plan: string;
  theme: Theme;
  /** The host links and emails use: the primary custom domain, else the subdomain. */
  primaryHost: string;
  /**
   * Why the portal is in maintenance, or null: an operator's reason (a move between servers), or
   * its database is behind the current schema and waits for the fleet migration. A portal in
   * maintenance shows a branded notice instead of running queries its database cannot answer.
   */
  maintenance: string | null;
}

export type TenantLookup = (key: ResolverKey) => Promise<ResolvedTenant | null>;
export type ResolverKey = { by: "slug"; slug: string } | { by: "hostname"; hostname: string };

export function resolverKey(host: HostClass): ResolverKey | null {
  if (host.kind === "subdomain") return { by: "slug", slug: host.slug };
  if (host.kind === "custom") return { by: "hostname", hostname: host.hostname };
  return null;
}

/** What the cache holds: lru-cache stores no `undefined`, so a miss is `{ tenant: null }`. */
interface Cached {
  tenant: ResolvedTenant | null;
}

export interface ResolverStats {
  hits: number;
  misses: number;
  entries: number;
}

export class TenantResolver {
  private readonly cache: LRUCache<string, Cached, { key: ResolverKey }>;
  private counters = { hits: 0, misses: 0 };

  constructor(lookup: TenantLookup, ttlMs: number, negativeTtlMs = Math.min(ttlMs, 5_000), maxEntries = 10_000) {
    // lru-cache reads a TTL of 0 as "forever"; here 0 means "do not keep", so the least it keeps is 1 ms.
    const ttl = Math.max(1, ttlMs);
    const negativeTtl = Math.max(1, negativeTtlMs);
    this.cache = new LRUCache<string, Cached, { key: ResolverKey }>({
      max: maxEntries,
      ttl,
      // The wall clock, as before: expiry follows Date.now() (and tests' fake timers).
      perf: { now: () => Date.now() },
      // An entry invalidated while its lookup runs still takes the lookup's answer, as callers wait for it.
      ignoreFetchAbort: true,
      // Concurrent resolutions of one key share this single lookup.
      fetchMethod: async (_id, stale, { options, context }) => {
        try {
          const tenant = await lookup(context.key);
          options.ttl = tenant ? ttl : negativeTtl;
          return { tenant };
        } catch (error) {
          // The control plane is down: keep serving what we knew, even past its TTL, and do not
          // make every request wait for another failing lookup until a short while has passed.
          if (!stale) throw error;
          options.ttl = negativeTtl;
          return stale;
        }
      },
    });
  }

  async resolve(key: ResolverKey): Promise<ResolvedTenant | null> {
    const id = key.by === "slug" ? `slug:${key.slug}` : `host:${key.hostname}`;
    const status: LRUCache.Status<string, Cached> = {};
    const cached = await this.cache.fetch(id, { context: { key }, status });
    if (status.fetch === "hit") this.counters.hits += 1;
    else this.counters.misses += 1;
    return (cached as Cached).tenant;
  }

  /**
   * Drops every entry of this tenant (rename, domain change, suspension), and every cached miss:
   * a host that resolved to nothing may belong to this tenant now. Expired entries too, since they
   * are still served while the control plane is down.
   */
  invalidate(tenantId: string): void {
    for (const [id, { value }] of this.cache.dump())
      if (value.tenant === null || value.tenant.id === tenantId) this.cache.delete(id);
  }

  invalidateAll(): void {
    this.cache.clear();
  }

  stats(): ResolverStats {
    return { ...this.counters, entries: this.cache.size };
  }
}
