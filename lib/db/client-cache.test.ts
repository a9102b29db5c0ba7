import { afterEach, describe, expect, it } from "vitest";
import { TenantClientCache, type PooledClient } from "./client-cache.ts";

/** A fake client that counts what the real one would hold open. */
class FakeFleet {
  open = 0;
  peak = 0;
  created: string[] = [];
  closed: string[] = [];
  failNext = false;
  createDelayMs = 0;

  factory = async (tenantId: string): Promise<PooledClient<{ tenantId: string; closed: boolean }>> => {
    if (this.createDelayMs) await new Promise((r) => setTimeout(r, this.createDelayMs));
    if (this.failNext) {
      this.failNext = false;
      throw new Error(`cannot reach ${tenantId}`);
    }
    this.created.push(tenantId);
    this.open += 2;
    this.peak = Math.max(this.peak, this.open);
    const client = { tenantId, closed: false };
    return {
      client,
      openConnections: () => (client.closed ? 0 : 2),
      close: async () => {
        await new Promise((r) => setTimeout(r, 5));
        client.closed = true;
        this.open -= 2;
        this.closed.push(tenantId);
      },
    };
  };
}

const caches: TenantClientCache<unknown>[] = [];
function cacheFor(fleet: FakeFleet, budget: number, idleMs = 0) {
  const cache = new TenantClientCache(fleet.factory, { budget, poolSize: 2, idleMs });
  caches.push(cache as TenantClientCache<unknown>);
  return cache;
}
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.closeAll()));
});

describe("TenantClientCache", () => {
  it("creates one client per tenant even when many first requests arrive together", async () => {
    const fleet = new FakeFleet();
    fleet.createDelayMs = 20;
    const cache = cacheFor(fleet, 10);
    const seen = await Promise.all(Array.from({ length: 50 }, () => cache.use("a", async (c) => c)));
    expect(fleet.created).toEqual(["a"]);
    expect(new Set(seen).size).toBe(1);
    expect(cache.stats()).toMatchObject({ misses: 1, clients: 1 });
  });

  it("hands each tenant its own client (positive and negative control)", async () => {
    const cache = cacheFor(new FakeFleet(), 10);
    expect(await cache.use("a", async (c) => c.tenantId)).toBe("a");
    expect(await cache.use("b", async (c) => c.tenantId)).toBe("b");
  });

  it("counts hits and misses", async () => {
    const cache = cacheFor(new FakeFleet(), 10);
    await cache.use("a", async () => {});
    await cache.use("a", async () => {});
    await cache.use("b", async () => {});
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, clients: 2, openConnections: 4, reservedConnections: 4 });
  });

  it("evicts the least recently used client and closes it", async () => {
    const fleet = new FakeFleet();
    const cache = cacheFor(fleet, 4); // two clients of two connections
    await cache.use("a", async () => {});
    await cache.use("b", async () => {});
    await cache.use("a", async () => {}); // a is now more recent than b
    await cache.use("c", async () => {});
    expect(fleet.closed).toEqual(["b"]);
    expect(cache.has("a") && cache.has("c")).toBe(true);
    expect(cache.has("b")).toBe(false);
    expect(cache.stats().evictions).toBe(1);
  });

  it("never holds more connections than the budget, under 10× more tenants than fit", async () => {
    const fleet = new FakeFleet();
    const cache = cacheFor(fleet, 6); // three clients
    const tenants = Array.from({ length: 30 }, (_, i) => `t${i}`);
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        cache.use(tenants[(i * 7) % tenants.length]!, async (c) => {
          expect(c.closed).toBe(false); // a leased client is never closed under us
          await new Promise((r) => setTimeout(r, 1));
        }),
      ),
    );
    expect(fleet.peak).toBeLessThanOrEqual(6);
    expect(fleet.peak).toBe(6); // and the budget was actually used
    expect(cache.stats().reservedConnections).toBeLessThanOrEqual(6);
  });

  it("waits for a leased client instead of evicting it", async () => {
    const fleet = new FakeFleet();
    const cache = cacheFor(fleet, 2); // one client
    let release!: () => void;
    const held = cache.use("a", () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 5));
    let bServed = false;
    const b = cache.use("b", async () => {
      bServed = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(bServed).toBe(false);
    expect(fleet.closed).toEqual([]);
    release();
    await Promise.all([held, b]);
    expect(bServed).toBe(true);
    expect(fleet.closed).toEqual(["a"]);
    expect(cache.stats().waits).toBeGreaterThan(0);
  });

  it("releases the reservation when a client cannot be created", async () => {
    const fleet = new FakeFleet();
    const cache = cacheFor(fleet, 2);
    fleet.failNext = true;
    await expect(cache.use("down", async () => {})).rejects.toThrow("cannot reach down");
    expect(cache.stats().reservedConnections).toBe(0);
    await expect(cache.use("up", async (c) => c.tenantId)).resolves.toBe("up");
  });

  it("closes clients that stay idle", async () => {
    const fleet = new FakeFleet();
    const cache = cacheFor(fleet, 10, 1_000);
    await cache.use("a", async () => {});
    expect(cache.stats().openConnections).toBe(2);
    await new Promise((r) => setTimeout(r, 1_700));
    expect(fleet.closed).toEqual(["a"]);
    expect(cache.stats()).toMatchObject({ clients: 0, openConnections: 0, reservedConnections: 0 });
  });

  it("evict() closes one tenant's client on demand", async () => {
    const fleet = new FakeFleet();
    const cache = cacheFor(fleet, 10);
    await cache.use("a", async () => {});
    await cache.use("b", async () => {});
    await cache.evict("a");
    expect(fleet.closed).toEqual(["a"]);
    expect(cache.has("b")).toBe(true);
  });

  it("refuses a pool larger than the budget", () => {
    expect(() => new TenantClientCache(new FakeFleet().factory, { budget: 1, poolSize: 2, idleMs: 0 })).toThrow(
      RangeError,
    );
  });
});
