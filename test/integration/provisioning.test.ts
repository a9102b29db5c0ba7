import { createServer, type AddressInfo, type Socket } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantClientCache } from "../../lib/db/client-cache.ts";
import { dropDatabaseIfExists, withClient, withDatabase } from "../../lib/db/postgres.ts";
import { createTenantDb, tenantConnectionUrl, type TenantDb } from "../../lib/db/tenant-db.server.ts";
import { describeUnavailable, isUnavailable } from "../../lib/platform/with-tenant-db.server.ts";
import { TenantConflict } from "../../lib/util/errors.ts";
import { migrateFleet } from "../../lib/fleet-migration/migrate-fleet.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec, type TenantSpecInput } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { adminUrl, testControlPlane, withAdmin, type TestControlPlane } from "../support/databases.ts";

let cp: TestControlPlane;
let cache: TenantClientCache<TenantDb>;
const ids: Record<"a" | "b", string> = { a: "", b: "" };

const spec = (slug: string, title: string, domains: string[] = []): TenantSpecInput => ({
  slug,
  name: `Tenant ${slug}`,
  theme: FALLBACK_THEME,
  domains,
  demo: {
    users: [{ email: "same@example.com", name: `User of ${slug}`, role: "owner" }],
    events: [{ slug: "only-event", title, startsInDays: 3 }],
  },
});

async function roleUrl(tenantId: string): Promise<string> {
  return tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenantId);
}

beforeAll(async () => {
  cp = await testControlPlane();
  ids.a = (
    await provisionTenant(cp.deps, parseTenantSpec(spec(cp.slug("a"), "Event of A", [`a-${cp.tag}.example`])), {
      mode: "create",
    })
  ).tenantId;
  ids.b = (
    await provisionTenant(cp.deps, parseTenantSpec(spec(cp.slug("b"), "Event of B")), { mode: "create" })
  ).tenantId;
  cache = new TenantClientCache(
    async (id) => createTenantDb(await roleUrl(id), id, { poolSize: 1, idleMs: 1_000, connectTimeoutMs: 2_000 }),
    { budget: 4, poolSize: 1, idleMs: 0 },
  );
});

afterAll(async () => {
  await cache?.closeAll();
  await cp?.cleanup();
});

describe("provisioning", () => {
  it("creates an active tenant with its own database, role and migrated schema", async () => {
    const tenant = await cp.deps.control.tenant.findUniqueOrThrow({
      where: { id: ids.a },
      include: { database: true, domains: true },
    });
    expect(tenant.status).toBe("active");
    expect(tenant.database?.databaseName).toBe(`t_a_${cp.tag}`);
    expect(tenant.database?.roleName).toBe(`t_a_${cp.tag}_app`);
    expect(tenant.database?.schemaVersion).toMatch(/^\d{14}_/);
    expect(tenant.domains.map((d) => d.hostname)).toEqual([`a-${cp.tag}.example`]);
    // the password is stored sealed, never in clear
    expect(tenant.database?.passwordCiphertext).not.toMatch(/^[0-9a-f]{48}$/);
    // its SCRAM verifier uses the iteration count chosen for random passwords (decision 013)
    const verifier = await withAdmin((c) =>
      c.query<{ v: string }>(`SELECT rolpassword AS v FROM pg_authid WHERE rolname = $1`, [tenant.database!.roleName]),
    );
    expect(verifier.rows[0]!.v).toMatch(/^SCRAM-SHA-256\$128:/);
  });

  it("is idempotent: syncing again changes nothing and duplicates nothing", async () => {
    const again = await provisionTenant(
      cp.deps,
      parseTenantSpec(spec(cp.slug("a"), "Event of A", [`a-${cp.tag}.example`])),
      { mode: "sync" },
    );
    expect(again).toMatchObject({ tenantId: ids.a, created: false, migrationsApplied: [] });
    expect(await cache.use(ids.a, (db) => db.event.count())).toBe(1);
  });

  it("refuses to create a tenant whose slug exists (security case 20)", async () => {
    await expect(
      provisionTenant(cp.deps, parseTenantSpec(spec(cp.slug("a"), "x")), { mode: "create" }),
    ).rejects.toThrow(TenantConflict);
  });

  it("refuses a domain that belongs to another tenant, and changes nothing", async () => {
    const attempt = provisionTenant(
      cp.deps,
      parseTenantSpec(spec(cp.slug("b"), "Event of B", [`a-${cp.tag}.example`])),
      { mode: "sync" },
    );
    await expect(attempt).rejects.toThrow(/already belongs to another tenant/);
    const domains = await cp.deps.control.domain.findMany({ where: { hostname: `a-${cp.tag}.example` } });
    expect(domains.map((d) => d.tenantId)).toEqual([ids.a]);
  });

  it("leaves a fleet at the newest schema alone; named tenants are checked whatever their state", async () => {
    expect(await migrateFleet(cp.deps, { concurrency: 2 })).toEqual([]);
    const outcomes = await migrateFleet(cp.deps, { concurrency: 2, slugs: [cp.slug("a"), cp.slug("b")] });
    expect(outcomes.map((o) => [o.ok, o.applied.length])).toEqual([
      [true, 0],
      [true, 0],
    ]);
  });
});

describe("isolation", () => {
  it("each tenant's client reads its own database (positive control) and never the other's", async () => {
    const [a, b] = await Promise.all([
      cache.use(ids.a, (db) => db.event.findMany({ select: { title: true } })),
      cache.use(ids.b, (db) => db.event.findMany({ select: { title: true } })),
    ]);
    expect(a).toEqual([{ title: "Event of A" }]);
    expect(b).toEqual([{ title: "Event of B" }]);
  });

  it("keeps the same email in two tenants as two separate accounts (security case 10)", async () => {
    const [a, b] = await Promise.all([
      cache.use(ids.a, (db) => db.user.findUniqueOrThrow({ where: { email: "same@example.com" } })),
      cache.use(ids.b, (db) => db.user.findUniqueOrThrow({ where: { email: "same@example.com" } })),
    ]);
    expect(a.name).toBe(`User of ${cp.slug("a")}`);
    expect(b.name).toBe(`User of ${cp.slug("b")}`);
    expect(a.id).not.toBe(b.id);
  });

  it("lets tenant A's role connect to A's database (positive control)", async () => {
    const rows = await withClient(await roleUrl(ids.a), (c) =>
      c.query("SELECT current_user AS role, current_database() AS db"),
    );
    expect(rows.rows[0]).toEqual({ role: `t_a_${cp.tag}_app`, db: `t_a_${cp.tag}` });
  });

  it("refuses tenant A's role on B's database and on the control plane (security case 15)", async () => {
    const aUrl = await roleUrl(ids.a);
    await expect(withClient(withDatabase(aUrl, `t_b_${cp.tag}`), (c) => c.query("SELECT 1"))).rejects.toMatchObject({
      code: "42501",
    });
    await expect(withClient(withDatabase(aUrl, `control_${cp.tag}`), (c) => c.query("SELECT 1"))).rejects.toMatchObject(
      { code: "42501" },
    );
    await expect(withClient(withDatabase(aUrl, "postgres"), (c) => c.query("SELECT 1"))).rejects.toMatchObject({
      code: "42501",
    });
  });

  it("gives tenant roles no privileges beyond their own database", async () => {
    const role = await withAdmin((c) =>
      c.query("SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = $1", [
        `t_a_${cp.tag}_app`,
      ]),
    );
    expect(role.rows[0]).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolbypassrls: false });
  });
});

describe("an unreachable tenant database", () => {
  it("is recognised as unavailable when its database was dropped", async () => {
    const slug = cp.slug("gone");
    const { tenantId } = await provisionTenant(cp.deps, parseTenantSpec(spec(slug, "doomed")), { mode: "create" });
    expect(await cache.use(tenantId, (db) => db.event.count())).toBe(1); // positive control
    await cache.evict(tenantId);
    await withAdmin((admin) => dropDatabaseIfExists(admin, `t_gone_${cp.tag}`));
    const error = await cache.use(tenantId, (db) => db.event.count()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(isUnavailable(error)).toBe(true);
    expect(describeUnavailable(error)).toBe(`its database does not exist (database "t_gone_${cp.tag}" does not exist)`);
    // and the other tenants are untouched
    expect(await cache.use(ids.a, (db) => db.event.count())).toBe(1);
  });

  it("is recognised as unavailable when its server refuses connections", async () => {
    const url = new URL(adminUrl());
    url.port = "1"; // nothing listens there
    const pooled = createTenantDb(url.toString(), "down", { poolSize: 1, idleMs: 1_000, connectTimeoutMs: 1_000 });
    try {
      const error = await pooled.client.event.count().catch((e: unknown) => e);
      expect(isUnavailable(error)).toBe(true);
      expect(describeUnavailable(error)).toMatch(/^its database server does not answer/);
    } finally {
      await pooled.close();
    }
  });

  it("is recognised as unavailable when its server accepts connections but never answers", async () => {
    // A server that takes the TCP connection and then says nothing, as a hung or paused one does.
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const url = new URL(adminUrl());
    url.hostname = "127.0.0.1";
    url.port = String((silent.address() as AddressInfo).port);
    const pooled = createTenantDb(url.toString(), "hung", { poolSize: 1, idleMs: 1_000, connectTimeoutMs: 300 });
    try {
      const error = await pooled.client.event.count().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(isUnavailable(error)).toBe(true);
      expect(describeUnavailable(error)).toMatch(/timeout/i);
    } finally {
      await pooled.close();
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("does not mistake an ordinary query error for unavailability", async () => {
    const error = await cache.use(ids.a, (db) => db.$queryRaw`SELECT * FROM "NoSuchTable"`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(isUnavailable(error)).toBe(false);
  });
});

describe("pg", () => {
  it("uses this test's own databases", async () => {
    const names = await withAdmin((c) =>
      c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [`%${cp.tag}`]),
    );
    expect(names.rows.map((r) => r.datname).sort()).toEqual([`control_${cp.tag}`, `t_a_${cp.tag}`, `t_b_${cp.tag}`]);
  });
});

void pg;
