import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import { createControlDb } from "../../lib/db/control.server.ts";
import { dropDatabaseIfExists, dropRoleIfExists, quoteIdent, withClient, withDatabase } from "../../lib/db/postgres.ts";
import { keyringFrom } from "../../lib/db/keyring.server.ts";
import { createTenantDb, tenantRequestConnection, type TenantDb } from "../../lib/db/tenant-db.server.ts";
import { prepareControlPlane } from "../../lib/bootstrap/control-plane.server.ts";
import { registerServers, type ProvisionDeps } from "../../lib/provisioning/servers.server.ts";
import { consoleAuthFileText, setServerPooler } from "../../lib/provisioning/pooler.server.ts";
import { freePort } from "../../lib/db/embedded.server.ts";
import { startPgBouncer, type PgBouncer } from "../../scripts/lib/pgbouncer.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";

export const adminUrl = (): string => inject("pgAdminUrl");

/** A short random tag that keeps names unique across test files and runs. */
export function uniqueTag(): string {
  return randomBytes(4).toString("hex").replace(/^\d/, "x");
}

export function withAdmin<T>(fn: Parameters<typeof withClient<T>>[1]): Promise<T> {
  return withClient(withDatabase(adminUrl(), "postgres"), fn);
}

/** A fresh empty database; dropped by the returned function. */
export async function scratchDatabase(
  prefix = "scratch",
): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${uniqueTag()}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  return { name, url: withDatabase(adminUrl(), name), drop: () => withAdmin((c) => dropDatabaseIfExists(c, name)) };
}

export interface TestControlPlane {
  deps: ProvisionDeps;
  url: string;
  /** The base64 key the control plane's secrets are sealed with. */
  secretKey: string;
  tag: string;
  /** Slugs unique to this control plane: slug("acme") → "acme-<tag>". */
  slug(base: string): string;
  /** The PgBouncer its tenants' requests go through, under PORTICO_TEST_PGBOUNCER=1 (npm run test:pgbouncer). */
  pooler: PgBouncer | null;
  cleanup(): Promise<void>;
}

/** The suite variant that serves every tenant's requests through a real PgBouncer (docs/decisions/038). */
export const throughPgBouncer = process.env.PORTICO_TEST_PGBOUNCER === "1";

/**
 * A real PgBouncer in front of the test server, as the server's pooler: its tenants' requests go
 * through it from then on. Stopped by the caller.
 */
export async function attachPgBouncer(deps: ProvisionDeps, serverName = "test"): Promise<PgBouncer> {
  const server = new URL(adminUrl());
  const pooler = await startPgBouncer({
    serverHost: server.hostname,
    serverPort: Number(server.port),
    port: await freePort(),
    adminUser: decodeURIComponent(server.username),
    // As an operator's first start does: the console user's entry, which `servers pooler` keeps.
    authFileText: await consoleAuthFileText(adminUrl()),
  });
  try {
    await setServerPooler(deps, serverName, { url: pooler.url, authFile: pooler.authFile });
  } catch (error) {
    await pooler.stop();
    throw error;
  }
  return pooler;
}

/**
 * A control plane of its own (database `control_<tag>`), with the test server registered.
 * cleanup() drops it and every tenant database and role it provisioned.
 */
export async function testControlPlane(): Promise<TestControlPlane> {
  const tag = uniqueTag();
  const { url } = await prepareControlPlane(adminUrl(), `control_${tag}`);
  const control = createControlDb(url, 3);
  const secretKey = randomBytes(32).toString("base64");
  const keyring = keyringFrom(secretKey, "test");
  await registerServers({ control, keyring }, [{ name: "test", adminUrl: adminUrl() }]);
  const pooler = throughPgBouncer ? await attachPgBouncer({ control, keyring }) : null;
  return {
    deps: { control, keyring },
    url,
    secretKey,
    tag,
    slug: (base) => `${base}-${tag}`,
    pooler,
    cleanup: async () => {
      await pooler?.stop();
      const dbs = await control.tenantDatabase.findMany({ select: { databaseName: true, roleName: true } });
      await control.$disconnect();
      await withAdmin(async (admin) => {
        for (const db of dbs) await dropDatabaseIfExists(admin, db.databaseName);
        for (const db of dbs) await dropRoleIfExists(admin, db.roleName);
        await dropDatabaseIfExists(admin, `control_${tag}`);
      });
    },
  };
}

/**
 * A pool of `poolSize` connections as the tenant's own role, for tests that use its database
 * directly: the way requests reach it, so through PgBouncer under npm run test:pgbouncer.
 */
export async function openTenantDb(
  cp: TestControlPlane,
  tenantId: string,
  label: string,
  poolSize = 2,
): Promise<PooledClient<TenantDb>> {
  return createTenantDb((await tenantRequestConnection(cp.deps.control, cp.deps.keyring, tenantId)).url, label, {
    poolSize,
    idleMs: 5_000,
    connectTimeoutMs: 5_000,
  });
}

/** A new tenant without demo content, its slug made unique from `base`. */
export async function provisionTestTenant(
  cp: TestControlPlane,
  base: string,
  name: string,
): Promise<{ slug: string; tenantId: string }> {
  const slug = cp.slug(base);
  const { tenantId } = await provisionTenant(cp.deps, parseTenantSpec({ slug, name, theme: FALLBACK_THEME }), {
    mode: "create",
    seed: false,
  });
  return { slug, tenantId };
}
