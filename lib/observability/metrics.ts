import { createHash, timingSafeEqual } from "node:crypto";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The Prometheus metrics of this process (docs/decisions/036), served at /metrics to a holder of
 * PORTICO_METRICS_TOKEN. Labels take only values from small fixed sets (route group, status
 * class, operation kind and state, outcome): never a tenant, host, user or path, so the number
 * of series does not grow with the fleet.
 */

/** Figures the platform keeps itself, read when scraped (lib/platform/metrics-sources.server.ts). */
export interface PlatformFigures {
  resolver: { hits: number; misses: number };
  tenants: {
    hits: number;
    misses: number;
    evictions: number;
    waits: number;
    clients: number;
    openConnections: number;
    reservedConnections: number;
    budget: number;
  };
}

export interface OperationFigures {
  /** Rows of the Operation table by kind and state. */
  byKindAndState: Array<{ kind: string; state: string; count: number }>;
  queued: number;
  /** Age of the oldest queued operation in seconds, 0 when none waits. */
  oldestQueuedSeconds: number;
  /** Jobs of each queue of the job queue by state, as its last monitor pass counted them. */
  jobs?: Array<{ queue: string; state: string; count: number }>;
}

/** The page cache and fair share of scripts/next-server.ts (scripts/lib/tenant-front.ts). */
export interface FrontFigures {
  cache: {
    hits: number;
    coalesced: number;
    refreshes: number;
    /** Stale pages served without starting their refresh: enough were on their way already. */
    refreshesDeferred: number;
    misses: number;
    stored: number;
    purges: number;
    /** Tenant databases the health breaker found unreachable (their cached pages are kept). */
    outages: number;
    bytes: number;
  };
  refusals: { "rate-limited": number; "queue-full": number; "waited-too-long": number };
}

export interface MetricSources {
  platform?: () => PlatformFigures;
  front?: () => FrontFigures;
  operations?: () => Promise<OperationFigures>;
}

function build() {
  const registry = new Registry();
  const sources: MetricSources = {};
  collectDefaultMetrics({ register: registry, prefix: "portico_" });
  const registers = [registry];
  /** A counter whose value is a running total kept elsewhere (it only ever grows). */
  const totalOf = (name: string, help: string, read: (f: PlatformFigures) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        const figures = sources.platform?.();
        if (!figures) return;
        this.reset();
        this.inc(read(figures));
      },
    });
  const gaugeOf = (name: string, help: string, read: (f: PlatformFigures) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const figures = sources.platform?.();
        if (figures) this.set(read(figures));
      },
    });

  const operations = new Gauge({
    name: "portico_operations",
    help: "Agency operations recorded in the control plane, by kind and state",
    labelNames: ["kind", "state"] as const,
    registers,
  });
  const queueDepth = new Gauge({
    name: "portico_operations_queued",
    help: "Operations waiting for the worker",
    registers,
  });
  const jobs = new Gauge({
    name: "portico_jobs",
    help: "Jobs of each queue (operations, housekeeping…) by state: queued, active, failed",
    labelNames: ["queue", "state"] as const,
    registers,
  });
  const queueAge = new Gauge({
    name: "portico_operations_oldest_queued_seconds",
    help: "Age of the oldest operation waiting for the worker (0: none waits)",
    registers,
    async collect() {
      const figures = await sources.operations?.().catch(() => undefined);
      if (!figures) return;
      operations.reset();
      for (const row of figures.byKindAndState) operations.set({ kind: row.kind, state: row.state }, row.count);
      queueDepth.set(figures.queued);
      jobs.reset();
      for (const row of figures.jobs ?? []) jobs.set({ queue: row.queue, state: row.state }, row.count);
      this.set(figures.oldestQueuedSeconds);
    },
  });

  const frontTotal = (name: string, help: string, read: (f: FrontFigures) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        const figures = sources.front?.();
        if (!figures) return;
        this.reset();
        this.inc(read(figures));
      },
    });
  frontTotal(
    "portico_page_cache_hits_total",
    "Anonymous public pages answered from the page cache",
    (f) => f.cache.hits,
  );
  frontTotal(
    "portico_page_cache_coalesced_total",
    "Requests answered by waiting for another request's render of the same page",
    (f) => f.cache.coalesced,
  );
  frontTotal("portico_page_cache_misses_total", "Cacheable requests rendered", (f) => f.cache.misses);
  frontTotal(
    "portico_page_cache_refreshes_total",
    "Stale pages rendered again in the background",
    (f) => f.cache.refreshes,
  );
  frontTotal(
    "portico_page_cache_refreshes_deferred_total",
    "Stale pages served without starting their refresh, as enough refreshes were on their way",
    (f) => f.cache.refreshesDeferred,
  );
  frontTotal(
    "portico_page_cache_purges_total",
    "Tenant purges of the page cache (content or tenant changes)",
    (f) => f.cache.purges,
  );
  frontTotal(
    "portico_page_cache_tenant_outages_total",
    "Tenant databases the health breaker found unreachable (their cached pages stay served)",
    (f) => f.cache.outages,
  );
  new Gauge({
    name: "portico_page_cache_bytes",
    help: "Bytes of pages held in the page cache",
    registers,
    collect() {
      const figures = sources.front?.();
      if (figures) this.set(figures.cache.bytes);
    },
  });
  new Counter({
    name: "portico_tenant_refusals_total",
    help: "Requests refused for their tenant's fair share: rate-limited (429), queue-full or waited-too-long (503)",
    labelNames: ["reason"] as const,
    registers,
    collect() {
      const figures = sources.front?.();
      if (!figures) return;
      this.reset();
      for (const [reason, count] of Object.entries(figures.refusals)) this.inc({ reason }, count);
    },
  });

  return {
    registry,
    sources,
    httpRequests: new Counter({
      name: "portico_http_requests_total",
      help: "HTTP requests answered, by route group and status class",
      labelNames: ["group", "status"] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: "portico_http_request_duration_seconds",
      help: "Time to answer an HTTP request, by route group and status class",
      labelNames: ["group", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    resolverHits: totalOf(
      "portico_resolver_hits_total",
      "Host resolutions answered from the cache",
      (f) => f.resolver.hits,
    ),
    resolverMisses: totalOf(
      "portico_resolver_misses_total",
      "Host resolutions that asked the control plane",
      (f) => f.resolver.misses,
    ),
    clientHits: totalOf(
      "portico_tenant_client_hits_total",
      "Tenant client leases served by a cached client",
      (f) => f.tenants.hits,
    ),
    clientMisses: totalOf(
      "portico_tenant_client_misses_total",
      "Tenant client leases that had to create a client",
      (f) => f.tenants.misses,
    ),
    clientEvictions: totalOf(
      "portico_tenant_client_evictions_total",
      "Tenant clients closed to make room in the connection budget or for being idle",
      (f) => f.tenants.evictions,
    ),
    clientWaits: totalOf(
      "portico_tenant_client_waits_total",
      "Times a new tenant client waited because the whole budget was leased",
      (f) => f.tenants.waits,
    ),
    clients: gaugeOf("portico_tenant_clients", "Tenant clients open", (f) => f.tenants.clients),
    openConnections: gaugeOf(
      "portico_tenant_connections_open",
      "Tenant-database connections open now",
      (f) => f.tenants.openConnections,
    ),
    reservedConnections: gaugeOf(
      "portico_tenant_connections_reserved",
      "Tenant-database connections reserved by open clients",
      (f) => f.tenants.reservedConnections,
    ),
    budget: gaugeOf(
      "portico_tenant_connection_budget",
      "Most tenant-database connections this process may hold (PORTICO_CONNECTION_BUDGET)",
      (f) => f.tenants.budget,
    ),
    operations,
    queueDepth,
    queueAge,
    fanOutDuration: new Histogram({
      name: "portico_fanout_duration_seconds",
      help: "Time the agency dashboard took to read figures from tenant databases",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
    fanOutDegraded: new Counter({
      name: "portico_fanout_degraded_tenants_total",
      help: "Tenants whose figures the fan-out could not read in time (shown as stale or unknown)",
      labelNames: ["reason"] as const,
      registers,
    }),
    mail: new Counter({
      name: "portico_mail_messages_total",
      help: "Email messages handed to the transport, by transport and outcome (sent; retry: refused for now, queued again; failed: given up)",
      labelNames: ["transport", "outcome"] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof build>;

// One registry per process, whichever of Next.js's module graphs (or the HTTP server in front of
// them) asks first: two would each count half the requests.
const KEY = Symbol.for("portico.metrics");
type Holder = { [KEY]?: Metrics };

export function metrics(): Metrics {
  const holder = globalThis as Holder;
  holder[KEY] ??= build();
  return holder[KEY];
}

/** 2xx, 3xx, 4xx, 5xx: the status label's only values. */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : "other";
}

/**
 * Whether an Authorization header carries the metrics token. Both sides are hashed first, so the
 * comparison takes the same time whatever the lengths and contents.
 */
export function scrapeAuthorised(authorization: string | undefined, token: string | undefined): boolean {
  if (!token) return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) return false;
  const digest = (v: string) => createHash("sha256").update(v, "utf8").digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}
