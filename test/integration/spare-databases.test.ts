import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureRole, withClient } from "../../lib/db/postgres.ts";
import { tenantRoleName } from "../../lib/tenancy/slug.ts";
import { tenantConnectionUrl } from "../../lib/db/tenant-db.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import type { ProvisionDeps } from "../../lib/provisioning/servers.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { dropSpares, sparesSettled } from "../../lib/provisioning/template.server.ts";
import { loadMigrations, migrationsDigest, migrationsDir } from "../../lib/migrations/migrator.ts";
import { mapSettledBounded } from "../../lib/util/concurrency.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { testControlPlane, withAdmin, type TestControlPlane } from "../support/databases.ts";

/** Spare databases (decision 015): provisioning renames a ready clone instead of cloning. */
let cp: TestControlPlane;
let deps: ProvisionDeps;

interface Spare {
  oid: number;
  datname: string;
  owner: string;
  owner_can_login: boolean;
  public_connect: boolean;
}
const spares = () =>
  withAdmin(
    async (c) =>
      (
        await c.query<Spare>(
          `SELECT d.oid::int, d.datname, r.rolname AS owner, r.rolcanlogin AS owner_can_login,
                  has_database_privilege('public', d.oid, 'CONNECT') AS public_connect
             FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba
            WHERE d.datname LIKE 'portico\\_ready\\_%' ORDER BY d.datname`,
        )
      ).rows,
  );
const roleOid = async (rolname: string) =>
  (await withAdmin((c) => c.query<{ oid: number }>(`SELECT oid::int FROM pg_roles WHERE rolname = $1`, [rolname])))
    .rows[0]?.oid;
const oidOf = async (datname: string) =>
  (await withAdmin((c) => c.query<{ oid: number }>(`SELECT oid::int FROM pg_database WHERE datname = $1`, [datname])))
    .rows[0]?.oid;
const provision = (name: string) =>
  provisionTenant(
    deps,
    parseTenantSpec({
      slug: cp.slug(name),
      name,
      theme: FALLBACK_THEME,
      demo: { events: [{ slug: "welcome", title: `Welcome to ${name}`, startsInDays: 2 }] },
    }),
    { mode: "create" },
  );

beforeAll(async () => {
  cp = await testControlPlane();
  deps = { ...cp.deps, spares: 2 };
  await withAdmin(dropSpares);
});
afterAll(async () => {
  await sparesSettled();
  await withAdmin(dropSpares);
  await cp?.cleanup();
});

describe("spare databases", () => {
  it("are made after a provisioning run, each owned by a role of its own that cannot log in", async () => {
    await provision("first"); // none ready yet: cloned while it waited, and the pool refills
    await sparesSettled();
    const ready = await spares();
    expect(ready).toHaveLength(2);
    const digest = migrationsDigest(await loadMigrations(migrationsDir("tenant")));
    for (const spare of ready) {
      // Named for the migrations it holds; its role is named for its id.
      const [, held, id] = /^portico_ready_([0-9a-f]{12})_([0-9a-f]{12})$/.exec(spare.datname) ?? [];
      expect(held).toBe(digest);
      expect(spare).toMatchObject({ owner: `portico_ready_${id}`, owner_can_login: false, public_connect: false });
    }
  });

  it("are renamed into the next tenant's database, handed to its role, and replaced", async () => {
    const before = await spares();
    const spareRoles = await Promise.all(before.map((s) => roleOid(s.owner)));
    const { tenantId } = await provision("second");
    const db = await cp.deps.control.tenantDatabase.findUniqueOrThrow({ where: { tenantId } });
    // The tenant's database is one of the spares (same OID), not a new clone, and its role is
    // that spare's role (same OID), renamed.
    const dbOid = await oidOf(db.databaseName);
    const spare = before.find((s) => s.oid === dbOid);
    expect(spare).toBeDefined();
    expect(spareRoles[before.indexOf(spare!)]).toBe(await roleOid(db.roleName));
    expect(await roleOid(spare!.owner)).toBeUndefined();
    // Every object in it belongs to the tenant's role; nobody but that role (and superusers) may connect.
    const seen = await withClient(await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenantId), async (c) => ({
      foreign: (
        await c.query(
          `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)`,
        )
      ).rows[0].n,
      events: (await c.query(`SELECT title FROM "Event"`)).rows,
      publicConnect: (await c.query(`SELECT has_database_privilege('public', current_database(), 'CONNECT') AS p`))
        .rows[0].p,
    }));
    expect(seen).toEqual({ foreign: 0, events: [{ title: "Welcome to second" }], publicConnect: false });
    // Another tenant's role may not connect to it; its own may (the positive control).
    const first = await cp.deps.control.tenantDatabase.findFirstOrThrow({
      where: { tenant: { slug: cp.slug("first") } },
    });
    const mayConnect = (role: string) =>
      withAdmin(
        async (c) =>
          (
            await c.query<{ p: boolean }>(`SELECT has_database_privilege($1, $2, 'CONNECT') AS p`, [
              role,
              db.databaseName,
            ])
          ).rows[0]!.p,
      );
    expect(await mayConnect(first.roleName)).toBe(false);
    expect(await mayConnect(db.roleName)).toBe(true);
    await sparesSettled();
    const after = await spares();
    expect(after).toHaveLength(2);
    expect(after.map((s) => s.oid)).not.toContain(await oidOf(db.databaseName));
  });

  it("go to concurrent runs one each; a run that finds none clones as before", async () => {
    await sparesSettled();
    const ready = new Set((await spares()).map((s) => s.oid));
    const names = ["c1", "c2", "c3", "c4"];
    const settled = await mapSettledBounded(names, 4, (name) => provision(name));
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
    const oids = await Promise.all(
      settled.map(async (s) =>
        oidOf(
          (
            await cp.deps.control.tenantDatabase.findUniqueOrThrow({
              where: { tenantId: (s as PromiseFulfilledResult<{ tenantId: string }>).value.tenantId },
            })
          ).databaseName,
        ),
      ),
    );
    expect(new Set(oids).size).toBe(4);
    expect(oids.filter((o) => ready.has(o!))).toHaveLength(2);
  });

  it("are claimed only when they hold this release's migrations; others are replaced", async () => {
    await sparesSettled();
    const [stale, current] = await spares();
    // Make one look as if an older release had made it.
    const staleName = stale!.datname.replace(/^portico_ready_[0-9a-f]{12}_/, "portico_ready_000000000000_");
    await withAdmin((c) => c.query(`ALTER DATABASE "${stale!.datname}" RENAME TO "${staleName}"`));
    // And one as a release before decision 059 left it (its objects the template role's).
    await withAdmin((c) => c.query(`CREATE DATABASE "portico_spare_0123456789ab"`));
    const { tenantId } = await provision("after-stale");
    const db = await cp.deps.control.tenantDatabase.findUniqueOrThrow({ where: { tenantId } });
    expect(await oidOf(db.databaseName)).toBe(current!.oid); // the positive control
    await sparesSettled();
    const after = await spares();
    expect(after.map((s) => s.datname)).not.toContain(staleName);
    expect(await roleOid(stale!.owner)).toBeUndefined();
    expect(await oidOf("portico_spare_0123456789ab")).toBeUndefined();
    expect(after).toHaveLength(2);
  });

  it("stay untouched when the tenant's role exists already: both renames are undone", async () => {
    await sparesSettled();
    const before = await spares();
    const spec = parseTenantSpec({ slug: cp.slug("role-first"), name: "Role first", theme: FALLBACK_THEME });
    // A run that stopped after creating the role without a spare (or a racing one) left it.
    await withAdmin((c) => ensureRole(c, tenantRoleName(spec.slug), "preexistingpassword0"));
    const { tenantId } = await provisionTenant(deps, spec, { mode: "create" });
    await sparesSettled();
    // The database rename that went first was rolled back with the role rename that failed.
    expect(await spares()).toEqual(before);
    const db = await cp.deps.control.tenantDatabase.findUniqueOrThrow({ where: { tenantId } });
    expect(before.map((s) => s.oid)).not.toContain(await oidOf(db.databaseName));
    const owner = await withClient(
      await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenantId),
      async (c) =>
        (
          await c.query(
            `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)`,
          )
        ).rows[0].n,
    );
    expect(owner).toBe(0);
  });

  it("a run stopped after claiming one resumes with the same database and role", async () => {
    await sparesSettled();
    const ready = await spares();
    const spec = parseTenantSpec({ slug: cp.slug("resumed"), name: "Resumed", theme: FALLBACK_THEME });
    await expect(
      provisionTenant(deps, spec, {
        mode: "create",
        interruptAfter: (step) => {
          if (step === "create-role") throw new Error("killed");
        },
      }),
    ).rejects.toThrow("killed");
    const db = await cp.deps.control.tenantDatabase.findFirstOrThrow({ where: { tenant: { slug: spec.slug } } });
    const claimed = await oidOf(db.databaseName);
    expect(ready.map((s) => s.oid)).toContain(claimed);
    const { tenantId } = await provisionTenant(deps, spec, { mode: "resume" });
    expect(await oidOf(db.databaseName)).toBe(claimed);
    const tenant = await cp.deps.control.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    expect(tenant.status).toBe("active");
    const owned = await withClient(
      await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenantId),
      async (c) =>
        (
          await c.query(
            `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)`,
          )
        ).rows[0].n,
    );
    expect(owned).toBeGreaterThan(0);
  });
});
