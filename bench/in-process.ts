import pg from "pg";
import { TenantClientCache, type ClientFactory } from "../lib/db/client-cache.ts";
import type { TenantDb } from "../lib/db/tenant-db.server.ts";

import { median } from "./stats.ts";

/**
 * First request to a cold tenant (client created, connected, first query, through the cache)
 * ÷ a bare PostgreSQL connect + the same query with the same role: medians, alternating, each
 * tenant used once for each so neither side finds anything warm. `resolve` runs untimed first,
 * as the host resolution that precedes every request does in the app.
 */
export async function coldStart(
  factory: ClientFactory<TenantDb>,
  tenants: Array<{ id: string; url: string }>,
  resolve: (id: string) => Promise<void>,
): Promise<{ coldMs: number; bareMs: number; ratio: number }> {
  const cache = new TenantClientCache<TenantDb>(factory, { budget: tenants.length + 1, poolSize: 1, idleMs: 0 });
  const cold: number[] = [];
  const bare: number[] = [];
  try {
    for (const t of tenants) {
      const b0 = performance.now();
      const client = new pg.Client({ connectionString: t.url });
      await client.connect();
      await client.query(`SELECT count(*) FROM "Event"`);
      bare.push(performance.now() - b0);
      await client.end();
      await resolve(t.id);
      const c0 = performance.now();
      await cache.use(t.id, (db) => db.$queryRaw`SELECT count(*) FROM "Event"`);
      cold.push(performance.now() - c0);
    }
  } finally {
    await cache.closeAll();
  }
  return { coldMs: median(cold), bareMs: median(bare), ratio: median(cold) / median(bare) };
}

/** The same read through Prisma and through a raw pg client, both warm: median per query. */
export async function prismaVersusPg(
  db: TenantDb,
  url: string,
  rounds = 2_000,
): Promise<{ prismaUs: number; pgUs: number; ratio: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const now = new Date();
  const viaPrisma = () =>
    db.event.findMany({
      where: { status: "published", startsAt: { gte: now } },
      orderBy: { startsAt: "asc" },
      take: 20,
    });
  const viaPg = () =>
    client.query(
      `SELECT * FROM "Event" WHERE status = 'published' AND "startsAt" >= $1 ORDER BY "startsAt" ASC LIMIT 20`,
      [now],
    );
  const p: number[] = [];
  const r: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      await viaPrisma();
      await viaPg();
    }
    for (let i = 0; i < rounds; i++) {
      const a = performance.now();
      await viaPrisma();
      const b = performance.now();
      await viaPg();
      const c = performance.now();
      p.push((b - a) * 1000);
      r.push((c - b) * 1000);
    }
  } finally {
    await client.end();
  }
  return { prismaUs: median(p), pgUs: median(r), ratio: median(p) / median(r) };
}
