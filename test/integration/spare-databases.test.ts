import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withClient } from "../../lib/db/postgres.ts";
import { tenantConnectionUrl } from "../../lib/db/tenant-db.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import type { ProvisionDeps } from "../../lib/provisioning/servers.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { dropSpares, sparesSettled } from "../../lib/provisioning/template.server.ts";
import { mapSettledBounded } from "../../lib/util/concurrency.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { testControlPlane, withAdmin, type TestControlPlane } from "../support/databases.ts";

/** Spare databases (decision 015): provisioning renames a ready clone instead of cloning. */
let cp: TestControlPlane;
let deps: ProvisionDeps;

interface Spare {
  oid: number;
  datname: string;
  public_connect: boolean;
}
const spares = () =>
  withAdmin(
    async (c) =>
      (
        await c.query<Spare>(
          `SELECT oid::int, datname, has_database_privilege('public', oid, 'CONNECT') AS public_connect FROM pg_database WHERE datname LIKE 'portico\\_spare\\_%' ORDER BY datname`,
        )
      ).rows,
  );
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
  it("are made after a provisioning run, owned by the administrator, closed to everyone else", async () => {
    await provision("first"); // none ready yet: cloned while it waited, and the pool refills
    await sparesSettled();
    const ready = await spares();
    expect(ready).toHaveLength(2);
    expect(ready.every((s) => !s.public_connect)).toBe(true);
  });

  it("are renamed into the next tenant's database, handed to its role, and replaced", async () => {
    const before = await spares();
    const { tenantId } = await provision("second");
    const db = await cp.deps.control.tenantDatabase.findUniqueOrThrow({ where: { tenantId } });
    // The tenant's database is one of the spares (same OID), not a new clone.
    expect(before.map((s) => s.oid)).toContain(await oidOf(db.databaseName));
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
});
