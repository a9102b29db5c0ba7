import pg from "pg";
import { TenantClientCache } from "../lib/db/client-cache.ts";
import { createTenantDb, tenantRequestConnection, type TenantDb } from "../lib/db/tenant-db.server.ts";
import type { Bootstrapped } from "../lib/bootstrap/bootstrap.server.ts";
import { consoleAuthFileText, setServerPooler } from "../lib/provisioning/pooler.server.ts";
import { freePort } from "../lib/db/embedded.server.ts";
import { startPgBouncer } from "../scripts/lib/pgbouncer.ts";
import type { Figure } from "./report.ts";
import { seededRandom, zipf } from "./zipf.ts";

/**
 * PostgreSQL server connections with the whole fleet under load, direct against through PgBouncer
 * (docs/decisions/038), both in this run. Each phase first serves every tenant once (the fleet
 * warm, as after a busy hour), then the same closed-loop Zipf traffic (workers reading a tenant's
 * catalogue through the tenant client cache, as a page does) for the same time, sampled from
 * pg_stat_activity every 50 ms. Direct, the cache keeps its clients' connections open up to
 * `budget`, all of them PostgreSQL's; through PgBouncer in transaction pooling, the clients stay
 * open against PgBouncer and PostgreSQL sees one connection per tenant with a transaction in
 * flight or used within server_idle_timeout.
 */
export interface PoolerPhase {
  peak: number;
  mean: number;
  requests: number;
  errors: number;
  evictions: number;
}

export interface PgBouncerBench {
  direct: PoolerPhase;
  pooled: PoolerPhase;
  budget: number;
  serverIdleTimeout: number;
  figures: Figure[];
}

/** Server backends of tenant databases right now (PgBouncer's and direct ones alike). */
async function serverConnections(admin: pg.Client): Promise<number> {
  const r = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname LIKE 't\\_%' AND backend_type = 'client backend'`,
  );
  return r.rows[0]!.n;
}

async function waitForNoServerConnections(admin: pg.Client): Promise<void> {
  for (let i = 0; i < 600 && (await serverConnections(admin)) > 0; i++) await new Promise((r) => setTimeout(r, 100));
}

async function phase(options: {
  platform: Bootstrapped;
  admin: pg.Client;
  ids: string[];
  budget: number;
  pool: number;
  concurrency: number;
  durationMs: number;
  zipfS: number;
}): Promise<PoolerPhase> {
  const { platform, ids } = options;
  const cache = new TenantClientCache<TenantDb>(
    async (id) =>
      createTenantDb((await tenantRequestConnection(platform.deps.control, platform.deps.keyring, id)).url, id, {
        poolSize: options.pool,
        idleMs: 60_000,
        connectTimeoutMs: 10_000,
      }),
    { budget: options.budget, poolSize: options.pool, idleMs: 0 },
  );
  const z = zipf(ids.length, options.zipfS, seededRandom(7));
  let requests = 0;
  let errors = 0;
  const read = (db: TenantDb) => db.event.findMany({ take: 20, orderBy: { startsAt: "asc" } });
  let next = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < ids.length) await cache.use(ids[next++]!, read).catch(() => errors++);
    }),
  );
  const samples: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push(await serverConnections(options.admin));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const deadline = performance.now() + options.durationMs;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) {
        const id = ids[z.next()]!;
        try {
          await cache.use(id, read);
          requests++;
        } catch {
          errors++;
        }
      }
    }),
  );
  sampling = false;
  await sampler;
  const { evictions } = cache.stats();
  await cache.closeAll();
  return {
    peak: Math.max(0, ...samples),
    mean: samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length),
    requests,
    errors,
    evictions,
  };
}

export async function pgbouncerBench(options: {
  platform: Bootstrapped;
  admin: pg.Client;
  ids: string[];
  budget: number;
  pool: number;
  concurrency: number;
  durationMs: number;
  zipfS: number;
  say: (line: string) => void;
}): Promise<PgBouncerBench> {
  const { platform, admin, say } = options;
  const serverName = (await platform.deps.control.databaseServer.findFirstOrThrow({ select: { name: true } })).name;
  const adminUrl = platform.embedded!.url;
  const server = new URL(adminUrl);
  const serverIdleTimeout = 2;
  const tenants = options.ids.length;

  await waitForNoServerConnections(admin);
  say(`PgBouncer section: ${tenants} tenants, direct with a budget of ${options.budget} connections…`);
  const direct = await phase({ ...options });
  await waitForNoServerConnections(admin);

  const bouncer = await startPgBouncer({
    serverHost: server.hostname,
    serverPort: Number(server.port),
    port: await freePort(),
    adminUser: decodeURIComponent(server.username),
    poolSize: 1,
    serverIdleTimeout,
    maxClientConn: tenants * options.pool + 100,
    authFileText: await consoleAuthFileText(adminUrl),
  });
  let pooled: PoolerPhase;
  try {
    await setServerPooler(platform.deps, serverName, { url: bouncer.url, authFile: bouncer.authFile });
    say(`PgBouncer section: the same traffic through PgBouncer (transaction pooling), every client kept open…`);
    pooled = await phase({ ...options, budget: tenants * options.pool });
  } finally {
    await setServerPooler(platform.deps, serverName, null).catch(() => {});
    await bouncer.stop();
  }
  await waitForNoServerConnections(admin);

  const ratio = pooled.peak / Math.max(1, direct.peak);
  const figures: Figure[] = [
    {
      figure: `PostgreSQL connections, ${tenants.toLocaleString("en")} warm tenants under Zipf load: through PgBouncer ÷ direct (budget ${options.budget}), peak`,
      measured: `${pooled.peak}`,
      baseline: `${direct.peak}`,
      ratio: ratio.toFixed(2),
      target: "tracked",
      pass: null,
    },
    {
      figure: "  mean over the phase",
      measured: pooled.mean.toFixed(0),
      baseline: direct.mean.toFixed(0),
      ratio: (pooled.mean / Math.max(1, direct.mean)).toFixed(2),
      target: "",
      pass: null,
    },
    {
      figure: "  requests served (errors), client evictions",
      measured: `${pooled.requests} (${pooled.errors}), ${pooled.evictions}`,
      baseline: `${direct.requests} (${direct.errors}), ${direct.evictions}`,
      ratio: (pooled.requests / Math.max(1, direct.requests)).toFixed(2),
      target: "",
      pass: null,
    },
  ];
  return { direct, pooled, budget: options.budget, serverIdleTimeout, figures };
}
