import { TenantClientCache, type ClientFactory } from "../lib/db/client-cache.ts";
import type { TenantDb } from "../lib/db/tenant-db.server.ts";

export interface MemoryResult {
  clients: number;
  rssBeforeMb: number;
  /** Clients the churn round keeps at once: the web server's default budget ÷ its pool size. */
  churnClients: number;
  /** After creating and evicting every client through a cache of `churnClients`. */
  rssAfterChurnMb: number;
  churnOverBefore: number;
  rssWithClientsMb: number;
  rssAfterEvictionMb: number;
  perClientMb: number;
  afterOverBefore: number;
  /** V8 heap in use before and after: tells a leak (heap grows) from pages the allocator keeps. */
  heapBeforeMb: number;
  heapAfterMb: number;
  /** Memory outside the V8 heap (Prisma's WebAssembly query compiler): before, at the peak, after. */
  externalBeforeMb: number;
  externalWithClientsMb: number;
  externalAfterMb: number;
  /** The same round again: RSS after it ÷ after the first. Above 1, something per client leaks. */
  secondRoundMb: number;
  secondOverFirst: number;
}

const mb = (bytes: number) => bytes / 2 ** 20;

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error("memory figures need `node --expose-gc` (npm run bench passes it)");
  for (let i = 0; i < 4; i++) collect();
}

/**
 * RSS once garbage is collected and V8 has had the time to hand freed pages back (its memory
 * reducer works in the background for a few seconds after a collection): the lowest of a few
 * readings over 4 s, with a collection before each.
 */
async function settle(): Promise<number> {
  let lowest = Infinity;
  for (let i = 0; i < 8; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 500));
    lowest = Math.min(lowest, mb(process.memoryUsage().rss));
  }
  return lowest;
}

/**
 * Memory of cached clients, in three rounds over the same `ids` (docs/benchmarks.md, "Memory"):
 *
 * 1. Churn: every client created, queried and evicted through a cache that holds `churnClients`
 *    at once, as the web server's budget makes it. RSS after ÷ before is the gated figure: what
 *    creating and evicting clients leaves behind.
 * 2. Peak: all of them cached at once, each with an open connection: RSS with them − before,
 *    per client. Then all evicted: RSS after ÷ before. Prisma compiles queries in one
 *    WebAssembly instance per process and each client keeps its parsed schema in that instance's
 *    linear memory, which WebAssembly cannot shrink; so this ratio keeps a high-water mark that
 *    grows with the most clients ever cached at once. Reported beside `external` memory.
 * 3. The peak round again: RSS after it ÷ after the first. Above 1, something per client leaks.
 *
 * A first round of 20 clients loads the code (Prisma's query compiler, pg, JIT) and is not
 * counted: "before" is a warmed-up process with no client cached.
 */
export async function measureClientMemory(
  factory: ClientFactory<TenantDb>,
  ids: string[],
  churnClients: number,
): Promise<MemoryResult> {
  const round = async (some: string[], atOnce = some.length) => {
    const cache = new TenantClientCache<TenantDb>(factory, { budget: atOnce, poolSize: 1, idleMs: 0 });
    for (const id of some) await cache.use(id, (db) => db.$queryRaw`SELECT 1`);
    return cache;
  };
  const warm = await round(ids.slice(0, 20));
  await warm.closeAll();
  const before = await settle();
  const heapBefore = mb(process.memoryUsage().heapUsed);
  const externalBefore = mb(process.memoryUsage().external);
  const churn = await round(ids, churnClients);
  await churn.closeAll();
  const afterChurn = await settle();
  const cache = await round(ids);
  const withClients = await settle();
  const externalWith = mb(process.memoryUsage().external);
  await cache.closeAll();
  const after = await settle();
  const heapAfter = mb(process.memoryUsage().heapUsed);
  const externalAfter = mb(process.memoryUsage().external);
  const again = await round(ids);
  await again.closeAll();
  const second = await settle();
  return {
    clients: ids.length,
    rssBeforeMb: before,
    churnClients,
    rssAfterChurnMb: afterChurn,
    churnOverBefore: afterChurn / before,
    rssWithClientsMb: withClients,
    rssAfterEvictionMb: after,
    perClientMb: (withClients - before) / ids.length,
    afterOverBefore: after / before,
    heapBeforeMb: heapBefore,
    heapAfterMb: heapAfter,
    externalBeforeMb: externalBefore,
    externalWithClientsMb: externalWith,
    externalAfterMb: externalAfter,
    secondRoundMb: second,
    secondOverFirst: second / after,
  };
}
