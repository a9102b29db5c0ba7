import "server-only";
import { LRUCache } from "lru-cache";
import { hostConfig, loadEnv, requireRuntime, type Env } from "../config/env.server.ts";
import { TenantClientCache } from "../db/client-cache.ts";
import { TenantHealth } from "../db/tenant-health.ts";
import { describeUnavailable, isUnavailable, outageKey, poolerDownLine } from "../db/unavailable.ts";
import { RateLimitedLog } from "../util/rate-limited-log.ts";
import { outboxTransport, smtpTransport, type MailTransport } from "../mail/transport.server.ts";
import { createControlDb, type ControlDb } from "../db/control.server.ts";
import { keyringFrom, unseal, type Keyring } from "../db/keyring.server.ts";
import {
  buildTenantUrl,
  createTenantDb,
  poolerOf,
  tenantRequestConnection,
  type TenantDb,
} from "../db/tenant-db.server.ts";
import type { HostConfig } from "../tenancy/host.ts";
import { TenantResolver } from "../tenancy/resolver.ts";
import { listenForTenantChanges } from "../tenancy/invalidation.server.ts";
import { noteLocalTenantDown } from "../http/local-page-cache.ts";
import { lookupTenant } from "../tenancy/lookup.server.ts";
import { logLines } from "../observability/logger.ts";
import { metrics } from "../observability/metrics.ts";
import { onShutdown } from "../observability/lifecycle.ts";

/**
 * The process-wide parts: control-plane client, resolver and tenant client cache. Kept on
 * globalThis because Next.js may load this module more than once per process (route handlers,
 * server components, dev reloads); two caches would each think they own the whole budget.
 */
export interface Platform {
  env: Env;
  hosts: HostConfig;
  keyring: Keyring;
  control: ControlDb;
  resolver: TenantResolver;
  tenants: TenantClientCache<TenantDb>;
  /** Which tenant databases failed recently (proxy.ts answers them 503 without running a page). */
  health: TenantHealth;
  /** One line per tenant per minute about an outage, instead of one per request. */
  outageLog: RateLimitedLog;
  /** host:port of the PgBouncer the tenant's requests go through, null when direct (decision 038). */
  poolerOf(tenantId: string): string | null;
  mail: MailTransport;
}

const KEY = Symbol.for("portico.platform");
type Holder = { [KEY]?: Platform };

export function platform(): Platform {
  const holder = globalThis as Holder;
  holder[KEY] ??= createPlatform(loadEnv());
  return holder[KEY];
}

export function createPlatform(env: Env): Platform {
  const { databaseUrl, secretKey } = requireRuntime(env);
  const hosts = hostConfig(env);
  const keyring = keyringFrom(secretKey, env.PORTICO_SECRET_KEY_ID, env.PORTICO_PREVIOUS_SECRET_KEYS);
  const control = createControlDb(databaseUrl);

  // Each tenant's connection URL (its role's unsealed password) is kept once read: a client
  // re-created after an eviction then costs no control-plane round trip. Dropped with the
  // tenant's other cached state when it changes (rotation, move), and all of it on reconnect.
  // Request traffic goes through the server's PgBouncer when it has one (decision 038).
  const urls = new LRUCache<string, { url: string; pooler: string | null }>({ max: 50_000 });
  const urlOf = async (tenantId: string) => {
    let entry = urls.get(tenantId);
    if (!entry) {
      entry = await tenantRequestConnection(control, keyring, tenantId);
      urls.set(tenantId, entry);
    }
    return entry.url;
  };
  // Resolving a host reads the tenant's placement in the same query: its URL is ready before
  // its client is first needed.
  const resolver = new TenantResolver(
    (key) =>
      lookupTenant(control, hosts, key, (tenantId, placement) => {
        try {
          urls.set(tenantId, {
            url: buildTenantUrl(
              placement.server,
              placement,
              unseal({ ciphertext: placement.passwordCiphertext, keyId: placement.keyId }, keyring),
              "pooled",
            ),
            pooler: poolerOf(placement.server),
          });
        } catch {
          // A key this instance does not hold: the factory reads it again and reports the problem.
        }
      }),
    env.PORTICO_RESOLVER_TTL_MS,
  );
  const tenants = new TenantClientCache<TenantDb>(
    async (tenantId) =>
      createTenantDb(await urlOf(tenantId), tenantId, {
        poolSize: env.PORTICO_TENANT_POOL_SIZE,
        idleMs: env.PORTICO_TENANT_IDLE_MS,
        connectTimeoutMs: env.PORTICO_TENANT_TIMEOUT_MS,
      }),
    {
      budget: env.PORTICO_CONNECTION_BUDGET,
      poolSize: env.PORTICO_TENANT_POOL_SIZE,
      idleMs: env.PORTICO_CLIENT_IDLE_MS,
    },
  );
  const { health, outageLog } = tenantHealth(tenants);
  const mail = env.PORTICO_SMTP_URL ? smtpTransport(env.PORTICO_SMTP_URL) : outboxTransport(control);
  // A changed tenant is dropped from the resolver and its client closed (new credentials,
  // placement); after a lost connection everything is dropped, since notices may have been missed.
  const listener = listenForTenantChanges(
    databaseUrl,
    (tenantId) => {
      resolver.invalidate(tenantId);
      urls.delete(tenantId);
      void tenants.evict(tenantId);
    },
    () => {
      resolver.invalidateAll();
      urls.clear();
    },
  );
  // Read when /metrics is scraped: the figures these parts keep anyway, no per-request cost.
  metrics().sources.platform = () => ({ resolver: resolver.stats(), tenants: tenants.stats() });
  // After the last request of a graceful shutdown (scripts/next-server.ts): every pool closed.
  onShutdown("platform", async () => {
    await listener.close();
    await tenants.closeAll();
    await control.$disconnect();
  });
  const poolerOfTenant = (tenantId: string) => urls.get(tenantId)?.pooler ?? null;
  return { env, hosts, keyring, control, resolver, tenants, health, outageLog, mail, poolerOf: poolerOfTenant };
}

/** The health breaker over a client cache: a probe is one `SELECT 1` with the tenant's own client. */
export function tenantHealth(
  tenants: TenantClientCache<TenantDb>,
  write: (line: string) => void = logLines("warn"),
): Pick<Platform, "health" | "outageLog"> {
  const outageLog = new RateLimitedLog(write);
  const health = new TenantHealth(
    async (tenantId) => {
      try {
        await tenants.use(tenantId, (db) => db.$queryRaw`SELECT 1`);
        return true;
      } catch (error) {
        if (!isUnavailable(error)) return true; // not an outage: let the pages meet it
        const reason = health.reason(tenantId);
        const key = outageKey(tenantId, reason);
        if (key === tenantId)
          outageLog.say(tenantId, `[tenant] ${tenantId}: still unreachable (${describeUnavailable(error)})`);
        else if (reason) outageLog.say(key, poolerDownLine(reason));
        return false;
      }
    },
    {
      onChange: (tenantId, down) => {
        // Its pages stay cached (served until they age out, decision 061); every other request
        // answers the 503 notice, and no render that met the outage is stored.
        if (down) noteLocalTenantDown(tenantId);
        else write(`[tenant] ${tenantId}: reachable again`);
      },
    },
  );
  return { health, outageLog };
}
