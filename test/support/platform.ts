import { hostConfig, parseEnv } from "../../lib/config/env.server.ts";
import { TenantClientCache } from "../../lib/db/client-cache.ts";
import { createTenantDb, tenantRequestConnection, type TenantDb } from "../../lib/db/tenant-db.server.ts";
import { outboxTransport } from "../../lib/mail/transport.server.ts";
import { tenantHealth, type Platform } from "../../lib/platform/platform.server.ts";
import { flushMail, setMailFlushRequester } from "../../lib/platform/mail-queue.server.ts";
import { lookupTenant } from "../../lib/tenancy/lookup.server.ts";
import { TenantResolver, type ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import type { TestControlPlane } from "./databases.ts";

const KEY = Symbol.for("portico.platform");
type Holder = { [KEY]?: Platform };

/**
 * Installs the process-wide platform (lib/platform/platform.server.ts) over a test control plane, so code
 * that reaches tenants through withTenantDb and sends mail through the outbox runs as in the app.
 * The same parts as createPlatform, without the LISTEN connection (the test drops its database).
 */
export function installTestPlatform(
  cp: TestControlPlane,
  log: (line: string) => void = console.warn,
  /** How long a request waits for a tenant connection (the pool's wait and a connect each). */
  connectTimeoutMs = 5_000,
): { platform: Platform; tenant(slug: string): Promise<ResolvedTenant>; uninstall(): Promise<void> } {
  const env = parseEnv({
    DATABASE_URL: cp.url,
    PORTICO_SECRET_KEY: cp.secretKey,
    PORTICO_SECRET_KEY_ID: "test",
    PORTICO_SPARE_DATABASES: "0",
  });
  const { control, keyring } = cp.deps;
  const hosts = hostConfig(env);
  const resolver = new TenantResolver((key) => lookupTenant(control, hosts, key), 1_000);
  // Requests go through the server's PgBouncer when it has one, as in the app (decision 038).
  const poolers = new Map<string, string | null>();
  const tenants = new TenantClientCache<TenantDb>(
    async (tenantId) => {
      const { url, pooler } = await tenantRequestConnection(control, keyring, tenantId);
      poolers.set(tenantId, pooler);
      return createTenantDb(url, tenantId, {
        poolSize: 2,
        idleMs: 5_000,
        connectTimeoutMs,
      });
    },
    { budget: 20, poolSize: 2, idleMs: 0 },
  );
  const platform: Platform = {
    env,
    hosts,
    keyring,
    control,
    resolver,
    tenants,
    ...tenantHealth(tenants, log),
    mail: outboxTransport(control),
    poolerOf: (tenantId) => poolers.get(tenantId) ?? null,
  };
  (globalThis as Holder)[KEY] = platform;
  // Mail is queued in outboxes and flushed after its cause commits (docs/decisions/040). Here the
  // flush runs before the call that asked for it returns, so a test reads the outbox at once; the
  // outbox's own tests put the background flush back (setMailFlushRequester(null)).
  setMailFlushRequester(async (target) => void (await flushMail(target)));
  return {
    platform,
    async tenant(slug) {
      const tenant = await resolver.resolve({ by: "slug", slug });
      if (!tenant) throw new Error(`no tenant ${slug}`);
      return tenant;
    },
    async uninstall() {
      setMailFlushRequester(null);
      delete (globalThis as Holder)[KEY];
      await tenants.closeAll();
    },
  };
}
