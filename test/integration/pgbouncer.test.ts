import { stat, readFile } from "node:fs/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unseal } from "../../lib/db/keyring.server.ts";
import { withClient } from "../../lib/db/postgres.ts";
import { createTenantDb, tenantConnectionUrl, tenantRequestConnection } from "../../lib/db/tenant-db.server.ts";
import { outageOf } from "../../lib/platform/outage.ts";
import { readiness } from "../../lib/platform/readiness.ts";
import { withTenantDb } from "../../lib/platform/with-tenant-db.server.ts";
import { setServerPooler } from "../../lib/provisioning/pooler.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { rotateTenantCredentials } from "../../lib/lifecycle/role-credentials.server.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { TenantUnavailable } from "../../lib/util/errors.ts";
import { adminUrl, attachPgBouncer, testControlPlane, withAdmin, type TestControlPlane } from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";
import { runScript } from "../support/scripts.ts";
import type { PgBouncer } from "../../scripts/lib/pgbouncer.ts";

/**
 * Tenants served through a real PgBouncer 1.18 in transaction pooling mode (decision 038): its
 * auth file written by Portico from the roles' SCRAM secrets, each tenant still reaching only its
 * own database, many client connections over few server connections, and a pooler that goes down
 * told on /readyz and in one log line while its tenants answer 503, then served again.
 */
let cp: TestControlPlane;
let bouncer: PgBouncer;
let installed: ReturnType<typeof installTestPlatform>;
const lines: string[] = [];
const tenants: Record<string, string> = {};
const MANY = ["t1", "t2", "t3", "t4", "t5", "t6"];

async function roleOf(tenantId: string) {
  const db = await cp.deps.control.tenantDatabase.findUniqueOrThrow({ where: { tenantId } });
  return {
    role: db.roleName,
    database: db.databaseName,
    password: unseal({ ciphertext: db.passwordCiphertext, keyId: db.keyId }, cp.deps.keyring),
  };
}

/** A URL to the pooler as `tenantId`'s role, for `database` (its own unless said otherwise). */
async function viaPooler(tenantId: string, database?: string, password?: string): Promise<string> {
  const r = await roleOf(tenantId);
  const url = new URL(bouncer.url);
  url.username = r.role;
  url.password = password ?? r.password;
  url.pathname = `/${database ?? r.database}`;
  return url.toString();
}

/** A query on PgBouncer's admin console, as the server's administrator. */
async function adminConsole<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const admin = new URL(adminUrl());
  const url = new URL(bouncer.url);
  url.username = admin.username;
  url.password = admin.password;
  url.pathname = "/pgbouncer";
  return withClient(url.toString(), async (c) => (await c.query<T>(sql)).rows);
}

beforeAll(async () => {
  cp = await testControlPlane();
  for (const base of ["alpha", "beta", ...MANY]) {
    tenants[base] = (
      await provisionTenant(cp.deps, parseTenantSpec({ slug: cp.slug(base), name: base, theme: FALLBACK_THEME }), {
        mode: "create",
        seed: false,
      })
    ).tenantId;
  }
  // Under npm run test:pgbouncer the control plane has one already; this file makes its own.
  bouncer = cp.pooler ?? (await attachPgBouncer(cp.deps));
  installed = installTestPlatform(cp, (line) => lines.push(line));
}, 120_000);

afterAll(async () => {
  await installed?.uninstall();
  if (bouncer !== cp?.pooler) await bouncer?.stop();
  await cp?.cleanup();
});

describe("PgBouncer's auth file", () => {
  it("holds each tenant role's SCRAM secret and the console's user, mode 0600, never a password", async () => {
    const file = await readFile(bouncer.authFile, "utf8");
    expect((await stat(bouncer.authFile)).mode & 0o777).toBe(0o600);
    for (const id of Object.values(tenants)) {
      const r = await roleOf(id);
      expect(file).toMatch(new RegExp(`^"${r.role}" "SCRAM-SHA-256\\$\\d+:[^"]+"$`, "m"));
      expect(file).not.toContain(r.password);
    }
    expect(file).toContain(`"${decodeURIComponent(new URL(adminUrl()).username)}" "SCRAM-SHA-256$`);
    expect(file).not.toContain(decodeURIComponent(new URL(adminUrl()).password));
  });

  it("follows a password rotation: the new password logs in through the pooler, the old one no longer", async () => {
    const before = await roleOf(tenants.beta!);
    const [outcome] = await rotateTenantCredentials(cp.deps, [cp.slug("beta")]);
    expect(outcome?.ok).toBe(true);
    await expect(
      withClient(await viaPooler(tenants.beta!, undefined, before.password), (c) => c.query("SELECT 1")),
    ).rejects.toThrow(/SASL authentication failed|password authentication failed/);
    expect(
      await withClient(await viaPooler(tenants.beta!), async (c) => (await c.query("SELECT 1 AS one")).rows[0].one),
    ).toBe(1);
  });

  it("refuses a pooler that does not answer, storing nothing", async () => {
    const server = await cp.deps.control.databaseServer.findUniqueOrThrow({ where: { name: "test" } });
    await expect(
      setServerPooler(cp.deps, "test", { url: "postgres://127.0.0.1:1", authFile: bouncer.authFile }),
    ).rejects.toThrow(/PgBouncer at 127\.0\.0\.1:1 did not take RELOAD .*check it runs/);
    await expect(
      setServerPooler(cp.deps, "test", { url: "postgres://u:p@127.0.0.1:1", authFile: bouncer.authFile }),
    ).rejects.toThrow(/carries no credentials/);
    await expect(setServerPooler(cp.deps, "test", { url: bouncer.url, authFile: "userlist.txt" })).rejects.toThrow(
      /absolute path/,
    );
    const after = await cp.deps.control.databaseServer.findUniqueOrThrow({ where: { name: "test" } });
    expect(after.poolerUrl).toBe(server.poolerUrl);
    expect(after.poolerAuthFile).toBe(server.poolerAuthFile);
  });
});

describe("npm run tenants -- servers pooler", () => {
  it("refuses bad usage with what to type, lists the pooler, turns it off and on again", async () => {
    const cli = (...args: string[]) => runScript(cp, "scripts/tenants.ts", ...args);
    const noFile = await cli("servers", "pooler", "test", bouncer.url);
    expect(noFile.code).toBe(2);
    expect(noFile.err).toMatch(/servers pooler needs --auth-file <path>/);
    const unknown = await cli("servers", "pooler", "nope", bouncer.url, "--auth-file", bouncer.authFile);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no database server named "nope"; registered: test/);
    expect((await cli("servers")).out).toMatch(
      new RegExp(`^test\\s.*\\s127\\.0\\.0\\.1:${bouncer.port}\\s+default\\s*$`, "m"),
    );

    const off = await cli("servers", "pooler", "test", "--off");
    expect(off.err).toBe("");
    expect(off.out).toMatch(/tenants on test now connect to it directly/);
    expect(new URL(await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenants.alpha!)).port).toBe(
      new URL((await tenantRequestConnection(cp.deps.control, cp.deps.keyring, tenants.alpha!)).url).port,
    );
    const on = await cli("servers", "pooler", "test", bouncer.url, "--auth-file", bouncer.authFile);
    expect(on.err).toBe("");
    expect(on.code).toBe(0);
    expect(on.out).toMatch(/now connect through PgBouncer at 127\.0\.0\.1:\d+ \(\d+ role\(s\)/);
    expect((await tenantRequestConnection(cp.deps.control, cp.deps.keyring, tenants.alpha!)).pooler).toBe(
      `127.0.0.1:${bouncer.port}`,
    );
  }, 90_000);
});

describe("tenants through PgBouncer", () => {
  it("requests go through the pooler; migrations and other session work stay direct", async () => {
    const pooled = await tenantRequestConnection(cp.deps.control, cp.deps.keyring, tenants.alpha!);
    expect(pooled.pooler).toBe(`127.0.0.1:${bouncer.port}`);
    expect(new URL(pooled.url).port).toBe(String(bouncer.port));
    const direct = await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenants.alpha!);
    expect(new URL(direct.toString()).port).toBe(new URL(adminUrl()).port);

    expect(await withTenantDb(tenants.alpha!, (db) => db.user.count())).toBe(0);
    const { role, database } = await roleOf(tenants.alpha!);
    const clients = await adminConsole<{ user: string; database: string }>("SHOW CLIENTS");
    expect(clients.some((c) => c.user === role && c.database === database)).toBe(true);
  });

  it("a tenant's role cannot reach another tenant's database through the pooler", async () => {
    const beta = await roleOf(tenants.beta!);
    await expect(
      withClient(await viaPooler(tenants.alpha!, beta.database), (c) => c.query("SELECT 1")),
    ).rejects.toThrow(/permission denied for database/);
    // Nor with the other tenant's name and a wrong password: PgBouncer itself refuses.
    await expect(
      withClient(await viaPooler(tenants.beta!, undefined, "wrong"), (c) => c.query("SELECT 1")),
    ).rejects.toThrow(/SASL authentication failed|password authentication failed/);
  });

  it("the same role reaches its own database through the pooler (positive control)", async () => {
    const alpha = await roleOf(tenants.alpha!);
    const seen = await withClient(await viaPooler(tenants.alpha!), async (c) => {
      const { rows } = await c.query<{ db: string; who: string }>(
        "SELECT current_database() AS db, current_user AS who",
      );
      return rows[0];
    });
    expect(seen).toEqual({ db: alpha.database, who: alpha.role });
  });

  it("serves many tenants' client connections over at most one server connection each", async () => {
    const perTenant = 3;
    const clients = await Promise.all(
      MANY.map(async (base) =>
        createTenantDb(
          (await tenantRequestConnection(cp.deps.control, cp.deps.keyring, tenants[base]!)).url,
          `many-${base}`,
          { poolSize: perTenant, idleMs: 30_000, connectTimeoutMs: 5_000 },
        ),
      ),
    );
    try {
      // Every client connection busy at once: PgBouncer queues them on the tenant's pool.
      await Promise.all(
        clients.flatMap((c) =>
          Array.from({ length: perTenant }, () => c.client.$queryRaw`SELECT 1 AS one FROM pg_sleep(0.05)`),
        ),
      );
      const open = clients.reduce((sum, c) => sum + c.openConnections(), 0);
      expect(open).toBe(MANY.length * perTenant);

      const databases = await Promise.all(MANY.map(async (base) => (await roleOf(tenants[base]!)).database));
      const pools = (
        await adminConsole<{
          database: string;
          cl_active: string;
          sv_active: string;
          sv_idle: string;
          sv_used: string;
        }>("SHOW POOLS")
      ).filter((p) => databases.includes(p.database));
      const clientSide = pools.reduce((sum, p) => sum + Number(p.cl_active), 0);
      expect(clientSide).toBe(MANY.length * perTenant);
      const server = await withAdmin(async (c) =>
        Number(
          (
            await c.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = ANY($1)", [
              databases,
            ])
          ).rows[0]!.n,
        ),
      );
      expect(server).toBeGreaterThan(0);
      expect(server).toBeLessThanOrEqual(MANY.length); // default_pool_size = 1: one per tenant at most
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});

describe("PgBouncer down", () => {
  it("tenants answer 503, /readyz names the pooler and what to do, the log says it once; all well once it is back", async () => {
    expect(await readiness(cp.url)).toEqual({ ready: true });
    await bouncer.kill();
    try {
      for (const id of [tenants.alpha!, tenants.beta!, tenants.t1!]) {
        await installed.platform.tenants.evict(id);
        for (let i = 0; i < 3; i++)
          await expect(withTenantDb(id, (db) => db.user.count())).rejects.toBeInstanceOf(TenantUnavailable);
      }
      const about = lines.filter((l) => l.includes("PgBouncer"));
      expect(about).toHaveLength(1);
      expect(about[0]).toMatch(
        new RegExp(
          `^\\[pooler\\] PgBouncer at 127\\.0\\.0\\.1:${bouncer.port} unreachable \\(ECONNREFUSED\\): tenants behind it answer 503; start PgBouncer, or send their traffic direct`,
        ),
      );
      expect(await outageOf(installed.platform, await installed.tenant(cp.slug("alpha")))).toBe("unavailable");
      const state = await readiness(cp.url);
      expect(state.ready).toBe(false);
      expect(!state.ready && state.reason).toContain(
        `PgBouncer of server "test" at 127.0.0.1:${bouncer.port} unreachable (ECONNREFUSED)`,
      );
      expect(!state.ready && state.reason).toContain("servers pooler <server> --off");
    } finally {
      await bouncer.start();
    }
    // Positive control: the same tenants, the same platform, served again.
    expect(await readiness(cp.url)).toEqual({ ready: true });
    for (const id of [tenants.alpha!, tenants.beta!, tenants.t1!])
      expect(await withTenantDb(id, (db) => db.user.count())).toBe(0);
    expect(await outageOf(installed.platform, await installed.tenant(cp.slug("alpha")))).toBeNull();
  });
});
