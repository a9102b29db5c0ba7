import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withClient, withDatabase } from "../../lib/db/postgres.ts";
import { tenantConnectionUrl } from "../../lib/db/tenant-db.server.ts";
import { ProvisioningStepFailed, TenantConflict } from "../../lib/util/errors.ts";
import {
  discardTenant,
  resumeInterruptedProvisioning,
  resumeProvisioning,
} from "../../lib/provisioning/resume.server.ts";
import { PROVISIONING_STEPS, provisionTenant, type ProvisioningStep } from "../../lib/provisioning/provision.server.ts";
import { registerServers } from "../../lib/provisioning/servers.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { adminUrl, testControlPlane, withAdmin, type TestControlPlane } from "../support/databases.ts";

/** Security cases 19–21: a pipeline killed at any step resumes; double submits; failure, retry, discard. */
let cp: TestControlPlane;

beforeAll(async () => {
  cp = await testControlPlane();
});
afterAll(async () => {
  await cp?.cleanup();
});

class Killed extends Error {}
const spec = (base: string) =>
  parseTenantSpec({
    slug: cp.slug(base),
    name: `Tenant ${base}`,
    theme: FALLBACK_THEME,
    domains: [`${base}-${cp.tag}.example`],
    demo: { events: [{ slug: "e", title: "E", startsInDays: 1 }] },
  });

async function leftovers(base: string) {
  const prefix = `t_${base}_${cp.tag}`;
  return withAdmin(async (admin) => ({
    databases: (await admin.query("SELECT datname FROM pg_database WHERE datname LIKE $1", [`${prefix}%`])).rows.map(
      (r) => r.datname as string,
    ),
    roles: (await admin.query("SELECT rolname FROM pg_roles WHERE rolname LIKE $1", [`${prefix}%`])).rows.map(
      (r) => r.rolname as string,
    ),
  }));
}

describe("a provisioning run killed after each step in turn", () => {
  it.each(PROVISIONING_STEPS.filter((s) => s !== "activate").map((s, i) => [s, i] as const))(
    "after %s: stays invisible, then resumes to exactly one live tenant",
    async (step: ProvisioningStep, i: number) => {
      const base = `k${i}`;
      const killAt = (s: ProvisioningStep) => {
        if (s === step) throw new Killed(`killed after ${s}`);
      };
      await expect(
        provisionTenant(cp.deps, spec(base), { mode: "create", interruptAfter: killAt }),
      ).rejects.toBeInstanceOf(Killed);
      const half = await cp.deps.control.tenant.findUniqueOrThrow({
        where: { slug: cp.slug(base) },
        include: { jobs: true },
      });
      expect(half.status).toBe("provisioning"); // inactive until the last step
      expect(half.jobs.map((j) => j.status)).toEqual(["running"]);

      const resumed = await resumeInterruptedProvisioning(cp.deps);
      expect(resumed).toEqual([{ slug: cp.slug(base), ok: true }]);
      const tenant = await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug: cp.slug(base) } });
      expect(tenant.status).toBe("active");
      expect(await leftovers(base)).toEqual({ databases: [`t_${base}_${cp.tag}`], roles: [`t_${base}_${cp.tag}_app`] });
      const url = await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenant.id);
      const tables = await withClient(url, (c) => c.query(`SELECT count(*)::int AS n FROM "_prisma_migrations"`));
      expect(tables.rows[0].n).toBeGreaterThan(0);
    },
  );
});

describe("the same slug submitted twice", () => {
  it("creates one tenant; the second submission gets a clear conflict (security case 20)", async () => {
    const results = await Promise.allSettled([
      provisionTenant(cp.deps, spec("twice"), { mode: "create" }),
      provisionTenant(cp.deps, spec("twice"), { mode: "create" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(TenantConflict);
    expect(await cp.deps.control.tenant.count({ where: { slug: cp.slug("twice") } })).toBe(1);
    expect((await leftovers("twice")).databases).toHaveLength(1);
    // and once it is live, again:
    await expect(provisionTenant(cp.deps, spec("twice"), { mode: "create" })).rejects.toThrow(
      /already exists; choose another slug/,
    );
  });
});

describe("a failing database server", () => {
  it("marks the tenant failed with the step and reason; Retry works once the server is back (security case 21)", async () => {
    const down = new URL(adminUrl());
    down.port = "1";
    await registerServers(cp.deps, [{ name: "flaky", adminUrl: down.toString() }]);
    const error = await provisionTenant(cp.deps, spec("flaky"), { mode: "create", server: "flaky" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProvisioningStepFailed);
    expect((error as ProvisioningStepFailed).step).toBe("create-role");
    const failed = await cp.deps.control.tenant.findUniqueOrThrow({
      where: { slug: cp.slug("flaky") },
      include: { jobs: { include: { steps: { orderBy: { id: "asc" } } } } },
    });
    expect(failed.status).toBe("failed");
    expect(failed.jobs[0]).toMatchObject({
      status: "failed",
      step: "create-role",
      error: expect.stringMatching(/ECONNREFUSED|connect/),
    });
    expect(failed.jobs[0]?.steps.map((s) => [s.name, s.status])).toEqual([
      ["reserve", "succeeded"],
      ["create-role", "failed"],
    ]);

    await expect(resumeProvisioning(cp.deps, cp.slug("flaky"))).rejects.toBeInstanceOf(ProvisioningStepFailed); // still down
    await registerServers(cp.deps, [{ name: "flaky", adminUrl: adminUrl() }]); // the server is back
    await resumeProvisioning(cp.deps, cp.slug("flaky"));
    expect((await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug: cp.slug("flaky") } })).status).toBe(
      "active",
    );
    expect(await cp.deps.control.provisioningJob.count({ where: { tenant: { slug: cp.slug("flaky") } } })).toBe(3);
  });

  it("Discard removes the database, role, domains and records a half-provisioned tenant created", async () => {
    const killAfterDatabase = (s: ProvisioningStep) => {
      if (s === "create-database") throw new Killed("killed");
    };
    await expect(
      provisionTenant(cp.deps, spec("gone"), { mode: "create", interruptAfter: killAfterDatabase }),
    ).rejects.toBeInstanceOf(Killed);
    expect(await leftovers("gone")).toEqual({ databases: [`t_gone_${cp.tag}`], roles: [`t_gone_${cp.tag}_app`] }); // positive control
    const result = await discardTenant(cp.deps, cp.slug("gone"));
    expect(result.dropped).toEqual([`database t_gone_${cp.tag}`, `role t_gone_${cp.tag}_app`]);
    expect(await leftovers("gone")).toEqual({ databases: [], roles: [] });
    expect(await cp.deps.control.tenant.findUnique({ where: { slug: cp.slug("gone") } })).toBeNull();
    expect(await cp.deps.control.domain.findUnique({ where: { hostname: `gone-${cp.tag}.example` } })).toBeNull();
    // and the slug can be used again
    await provisionTenant(cp.deps, spec("gone"), { mode: "create" });
  });

  it("refuses to discard or retry a live tenant", async () => {
    await expect(discardTenant(cp.deps, cp.slug("twice"))).rejects.toThrow(
      /only a tenant that is provisioning or failed can be discarded/,
    );
    await expect(resumeProvisioning(cp.deps, cp.slug("twice"))).rejects.toThrow(
      /only a tenant that is provisioning or failed can be retried/,
    );
  });
});

describe("the template fast path", () => {
  it("clones a migrated template, and the tenant's role owns every object in its database", async () => {
    const { tenantId } = await provisionTenant(cp.deps, spec("tpl"), { mode: "create" });
    const url = await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenantId);
    const owners = await withClient(url, (c) =>
      c.query<{ owner: string }>(
        `SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`,
      ),
    );
    expect(owners.rows.map((r) => r.owner)).toEqual([`t_tpl_${cp.tag}_app`]);
    // The tenant can still change its own schema (it owns it), e.g. for the next migration.
    await withClient(url, (c) => c.query(`ALTER TABLE "Event" ADD COLUMN "probe" INTEGER`));
    // And its role cannot reach the template.
    await expect(
      withClient(withDatabase(url, "portico_tenant_template"), (c) => c.query("SELECT 1")),
    ).rejects.toMatchObject({ code: "42501" });
  });

  it("still provisions without the template", async () => {
    const { tenantId, migrationsApplied } = await provisionTenant(cp.deps, spec("plain"), {
      mode: "create",
      template: false,
    });
    expect(migrationsApplied.length).toBeGreaterThan(0); // migrated from empty
    const url = await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenantId);
    expect((await withClient(url, (c) => c.query(`SELECT count(*)::int AS n FROM "Event"`))).rows[0].n).toBe(1);
  });
});
