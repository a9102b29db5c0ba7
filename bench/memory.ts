import { TenantClientCache, type ClientFactory } from "../lib/db/client-cache.ts";
import type { TenantDb } from "../lib/db/tenant-db.server.ts";

export interface MemoryResult {
  clients: number;
  rssBeforeMb: number;
  rssWithClientsMb: number;
  rssAfterEvictionMb: number;
  perClientMb: number;
  afterOverBefore: number;
  /** V8 heap in use before and after: tells a leak (heap grows) from pages the allocator keeps. */
  heapBeforeMb: number;
  heapAfterMb: number;
  /** The same round again: RSS after it ÷ after the first. Above 1, something per client leaks. */
  secondRoundMb: number;
  secondOverFirst: number;
}

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
    lowest = Math.min(lowest, process.memoryUsage().rss / 2 ** 20);
  }
  return lowest;
}

/**
 * Memory per cached client: RSS with `ids.length` clients cached (each with one open connection
 * after a query), minus RSS before, per client. Then every client evicted: RSS after ÷ before.
 * A first round of 20 clients loads the code (Prisma's query compiler, pg, JIT) and is not
 * counted: "before" is a warmed-up process with no client cached.
 */
export async function measureClientMemory(factory: ClientFactory<TenantDb>, ids: string[]): Promise<MemoryResult> {
  const round = async (some: string[]) => {
    const cache = new TenantClientCache<TenantDb>(factory, { budget: some.length, poolSize: 1, idleMs: 0 });
    for (const id of some) await cache.use(id, (db) => db.$queryRaw`SELECT 1`);
    return cache;
  };
  const warm = await round(ids.slice(0, 20));
  await warm.closeAll();
  const before = await settle();
  const heapBefore = process.memoryUsage().heapUsed / 2 ** 20;
  const cache = await round(ids);
  const withClients = await settle();
  await cache.closeAll();
  const after = await settle();
  const heapAfter = process.memoryUsage().heapUsed / 2 ** 20;
  const again = await round(ids);
  await again.closeAll();
  const second = await settle();
  return {
    clients: ids.length,
    rssBeforeMb: before,
    rssWithClientsMb: withClients,
    rssAfterEvictionMb: after,
    perClientMb: (withClients - before) / ids.length,
    afterOverBefore: after / before,
    heapBeforeMb: heapBefore,
    heapAfterMb: heapAfter,
    secondRoundMb: second,
    secondOverFirst: second / after,
  };
}
