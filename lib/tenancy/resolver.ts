import type { HostClass } from "./host.ts";
import type { Theme } from "./theme.ts";

/**
 * Host → tenant, cached. Entries live `ttlMs` (misses a shorter `negativeTtlMs`, so a flood of
 * random hosts cannot hammer the control plane) and are dropped early by `invalidate`.
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

interface Cached {
  value: ResolvedTenant | null;
  expires: number;
}

export interface ResolverStats {
  hits: number;
  misses: number;
  entries: number;
}

export class TenantResolver {
  private readonly entries = new Map<string, Cached>();
  private readonly inflight = new Map<string, Promise<ResolvedTenant | null>>();
  private counters = { hits: 0, misses: 0 };

  constructor(
    private readonly lookup: TenantLookup,
    private readonly ttlMs: number,
    private readonly negativeTtlMs = Math.min(ttlMs, 5_000),
    private readonly maxEntries = 10_000,
  ) {}

  async resolve(key: ResolverKey): Promise<ResolvedTenant | null> {
    const id = key.by === "slug" ? `slug:${key.slug}` : `host:${key.hostname}`;
    const cached = this.entries.get(id);
    if (cached && cached.expires > Date.now()) {
      this.counters.hits += 1;
      return cached.value;
    }
    this.counters.misses += 1;
    let pending = this.inflight.get(id);
    if (!pending) {
      pending = this.lookup(key).then(
        (value) => {
          this.store(id, value);
          this.inflight.delete(id);
          return value;
        },
        (error: unknown) => {
          this.inflight.delete(id);
          // The control plane is down: keep serving what we knew, even past its TTL, and do not
          // make every request wait for another failing lookup until a short while has passed.
          if (cached) {
            this.entries.set(id, { value: cached.value, expires: Date.now() + this.negativeTtlMs });
            return cached.value;
          }
          throw error;
        },
      );
      this.inflight.set(id, pending);
    }
    return pending;
  }

  private store(id: string, value: ResolvedTenant | null): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(id);
    this.entries.set(id, { value, expires: Date.now() + (value ? this.ttlMs : this.negativeTtlMs) });
  }

  /**
   * Drops every entry of this tenant (rename, domain change, suspension), and every cached miss:
   * a host that resolved to nothing may belong to this tenant now.
   */
  invalidate(tenantId: string): void {
    for (const [id, entry] of this.entries) if (entry.value === null || entry.value.id === tenantId) this.entries.delete(id);
  }

  invalidateAll(): void {
    this.entries.clear();
  }

  stats(): ResolverStats {
    return { ...this.counters, entries: this.entries.size };
  }
}
