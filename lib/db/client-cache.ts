/**
 * The tenant client cache: one database client per tenant, bounded by a connection budget
 * rather than a count (docs/decisions/003).
 *
 * - Every client reserves `poolSize` connections; the sum of reservations, including clients
 *   still closing, never exceeds `budget`. A tenant that would exceed it waits until the least
 *   recently used idle client has been closed, so PostgreSQL never sees more than `budget`.
 * - Clients are leased, not handed out: `use(tenantId, fn)` holds the client for the duration of
 *   `fn`, and a leased client is never evicted, so a query can never hit a closed pool.
 * - Concurrent first requests for one tenant share a single creation (single flight).
 * - Clients unused for `idleMs` are closed by a sweep, freeing their memory.
 */

export interface PooledClient<C> {
  client: C;
  /** Connections this client holds open right now. */
  openConnections(): number;
  /** Closes the client and waits for its connections to end. */
  close(): Promise<void>;
}

export type ClientFactory<C> = (tenantId: string) => Promise<PooledClient<C>>;

export interface ClientCacheOptions {
  budget: number;
  poolSize: number;
  /** Close clients unused for this long; 0 disables the sweep. */
  idleMs: number;
}

export interface ClientCacheStats {
  hits: number;
  misses: number;
  evictions: number;
  clients: number;
  openConnections: number;
  reservedConnections: number;
  budget: number;
  waits: number;
}

interface Entry<C> {
  tenantId: string;
  pooled: PooledClient<C>;
  leases: number;
  lastUsed: number;
}

export class TenantClientCache<C> {
  // Map iteration order doubles as recency order: a hit moves its entry to the end.
  private readonly entries = new Map<string, Entry<C>>();
  private readonly creating = new Map<string, Promise<Entry<C>>>();
  private readonly joiners = new Map<string, number>();
  private readonly closing = new Set<Entry<C>>();
  private readonly waiters: Array<() => void> = [];
  private reserved = 0;
  private counters = { hits: 0, misses: 0, evictions: 0, waits: 0 };
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly factory: ClientFactory<C>,
    private readonly options: ClientCacheOptions,
  ) {
    if (options.poolSize > options.budget) {
      throw new RangeError(`pool size ${options.poolSize} exceeds the connection budget ${options.budget}`);
    }
    if (options.idleMs > 0) {
      this.sweeper = setInterval(() => void this.sweep(), Math.max(250, options.idleMs / 2));
      this.sweeper.unref?.();
    }
  }

  /** Runs `fn` with the tenant's client. Do not keep the client beyond `fn`. */
  async use<T>(tenantId: string, fn: (client: C) => Promise<T>): Promise<T> {
    const entry = await this.lease(tenantId);
    try {
      return await fn(entry.pooled.client);
    } finally {
      entry.leases -= 1;
      entry.lastUsed = Date.now();
      if (entry.leases === 0) this.wake();
    }
  }

  private async lease(tenantId: string): Promise<Entry<C>> {
    const hit = this.entries.get(tenantId);
    if (hit) {
      this.counters.hits += 1;
      this.entries.delete(tenantId);
      this.entries.set(tenantId, hit);
      hit.leases += 1;
      return hit;
    }
    let pending = this.creating.get(tenantId);
    if (!pending) {
      this.counters.misses += 1;
      pending = this.create(tenantId);
      this.creating.set(tenantId, pending);
    }
    // Counted now and handed to the entry the moment it exists, so a fresh client can never be
    // chosen for eviction before its first callers have used it.
    this.joiners.set(tenantId, (this.joiners.get(tenantId) ?? 0) + 1);
    return pending;
  }

  private async create(tenantId: string): Promise<Entry<C>> {
    let pooled: PooledClient<C>;
    try {
      await this.reserve();
      try {
        pooled = await this.factory(tenantId);
      } catch (error) {
        this.reserved -= this.options.poolSize;
        this.wake();
        throw error;
      }
    } catch (error) {
      this.creating.delete(tenantId);
      this.joiners.delete(tenantId);
      throw error;
    }
    const entry: Entry<C> = { tenantId, pooled, leases: this.joiners.get(tenantId) ?? 0, lastUsed: Date.now() };
    this.creating.delete(tenantId);
    this.joiners.delete(tenantId);
    this.entries.set(tenantId, entry);
    return entry;
  }

  /** Waits until `poolSize` more connections fit in the budget, evicting idle clients. */
  private async reserve(): Promise<void> {
    const { budget, poolSize } = this.options;
    while (this.reserved + poolSize > budget) {
      const victim = this.leastRecentlyUsedIdle();
      if (victim) {
        void this.evictEntry(victim);
      } else {
        this.counters.waits += 1;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.reserved += poolSize;
  }

  private leastRecentlyUsedIdle(): Entry<C> | undefined {
    for (const entry of this.entries.values()) if (entry.leases === 0) return entry;
    return undefined;
  }

  private async evictEntry(entry: Entry<C>): Promise<void> {
    if (this.entries.get(entry.tenantId) !== entry) return;
    this.entries.delete(entry.tenantId);
    this.closing.add(entry);
    this.counters.evictions += 1;
    try {
      // Leases are zero here; wait anyway if one slipped in between selection and eviction.
      while (entry.leases > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
      await entry.pooled.close();
    } catch {
      // A client that fails to close has lost its connections already.
    } finally {
      this.closing.delete(entry);
      this.reserved -= this.options.poolSize;
      this.wake();
    }
  }

  private wake(): void {
    const waiting = this.waiters.splice(0);
    for (const resolve of waiting) resolve();
  }

  private async sweep(): Promise<void> {
    const cutoff = Date.now() - this.options.idleMs;
    const stale = [...this.entries.values()].filter((e) => e.leases === 0 && e.lastUsed < cutoff);
    await Promise.all(stale.map((e) => this.evictEntry(e)));
  }

  /** Closes the tenant's client, e.g. after its credentials or placement changed. */
  async evict(tenantId: string): Promise<void> {
    const pending = this.creating.get(tenantId);
    if (pending) await pending.catch(() => undefined);
    const entry = this.entries.get(tenantId);
    if (entry) await this.evictEntry(entry);
  }

  has(tenantId: string): boolean {
    return this.entries.has(tenantId);
  }

  stats(): ClientCacheStats {
    let open = 0;
    for (const e of this.entries.values()) open += e.pooled.openConnections();
    for (const e of this.closing) open += e.pooled.openConnections();
    return {
      ...this.counters,
      clients: this.entries.size,
      openConnections: open,
      reservedConnections: this.reserved,
      budget: this.options.budget,
    };
  }

  async closeAll(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.all([...this.creating.values()].map((p) => p.catch(() => undefined)));
    await Promise.all([...this.entries.values()].map((e) => this.evictEntry(e)));
    while (this.closing.size > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}
