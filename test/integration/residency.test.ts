import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from "../../lib/db/embedded.server.ts";
import { moveTenant } from "../../lib/lifecycle/move.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { registerServers } from "../../lib/provisioning/servers.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { describeOutcome, syncTenants } from "../../lib/provisioning/sync.server.ts";
import { adoptDefaultRegion, regionConfig, tenantRegion } from "../../lib/tenancy/regions.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { adminUrl, testControlPlane, type TestControlPlane } from "../support/databases.ts";

/**
 * Data residency (docs/decisions/053) against real PostgreSQL: three regions, "eu" (the default)
 * with the test server, "us" with a second server row on the same test PostgreSQL and a second
 * embedded PostgreSQL (a move needs another cluster), and "ap" without any server.
 */
const saved = { regions: process.env.PORTICO_REGIONS, fallback: process.env.PORTICO_DEFAULT_REGION };
process.env.PORTICO_REGIONS = "eu=Europe (Frankfurt),us=United States (Virginia),ap=Asia Pacific (Sydney)";
process.env.PORTICO_DEFAULT_REGION = "eu";

let cp: TestControlPlane;
let second: EmbeddedServer;
let dataDir: string;
let owner: string;
let operator: string;

const spec = (slug: string, extra: Record<string, unknown> = {}) =>
  parseTenantSpec({ slug, name: `Tenant ${slug}`, plan: "premium", theme: FALLBACK_THEME, ...extra });

async function placement(slug: string) {
  const t = await cp.deps.control.tenant.findUniqueOrThrow({
    where: { slug },
    select: { region: true, database: { select: { server: { select: { name: true, region: true } } } } },
  });
  return { region: t.region, server: t.database?.server.name, serverRegion: t.database?.server.region };
}

const regionAudit = (tenantId: string) =>
  cp.deps.control.auditEntry.findMany({ where: { tenantId, action: "tenant.region.confirm" } });

beforeAll(async () => {
  cp = await testControlPlane(); // its server "test" is registered in the default region, eu
  dataDir = await mkdtemp(path.join(os.tmpdir(), "portico-residency-"));
  await chmod(dataDir, 0o755);
  second = await startEmbeddedPostgres({ dir: dataDir, port: await freePort(), settings: { fsync: "off" } });
  await registerServers(cp.deps, [
    { name: "us-same", adminUrl: adminUrl(), region: "us" },
    { name: "us-second", adminUrl: second.url, region: "us" },
  ]);
  owner = (
    await cp.deps.control.agencyUser.create({
      data: { email: `owner-${cp.tag}@agency.example`, name: "Olive Owner", role: "owner" },
    })
  ).id;
  operator = (
    await cp.deps.control.agencyUser.create({
      data: { email: `operator-${cp.tag}@agency.example`, name: "Otto Operator", role: "operator" },
    })
  ).id;
}, 120_000);

afterAll(async () => {
  await cp?.cleanup();
  await second?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  process.env.PORTICO_REGIONS = saved.regions;
  process.env.PORTICO_DEFAULT_REGION = saved.fallback;
  if (saved.regions === undefined) delete process.env.PORTICO_REGIONS;
  if (saved.fallback === undefined) delete process.env.PORTICO_DEFAULT_REGION;
});

describe("placement within a tenant's region", () => {
  it("registers servers in their configured region, the default one when none is given", async () => {
    const servers = await cp.deps.control.databaseServer.findMany({ select: { name: true, region: true } });
    expect(Object.fromEntries(servers.map((s) => [s.name, s.region]))).toEqual({
      test: "eu",
      "us-same": "us",
      "us-second": "us",
    });
  });

  it("places a tenant only on a server of its region, and the default region when none is declared", async () => {
    const us = cp.slug("place-us");
    const eu = cp.slug("place-eu");
    await provisionTenant(cp.deps, spec(us, { region: "us" }), { mode: "create" });
    await provisionTenant(cp.deps, spec(eu), { mode: "create" });
    const inUs = await placement(us);
    expect(inUs).toMatchObject({ region: "us", serverRegion: "us" });
    expect(["us-same", "us-second"]).toContain(inUs.server);
    expect(await placement(eu)).toEqual({ region: "eu", server: "test", serverRegion: "eu" });
    const tenant = await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug: us } });
    expect(await tenantRegion(cp.deps.control, tenant.id)).toBe("us");
  }, 60_000);

  it("refuses a named server outside the region (positive control: one inside it)", async () => {
    const slug = cp.slug("named");
    await expect(
      provisionTenant(cp.deps, spec(slug, { region: "us" }), { mode: "create", server: "test" }),
    ).rejects.toThrow(/server "test" is in region "eu", not the tenant's region "us"/);
    expect(await cp.deps.control.tenant.findUnique({ where: { slug } })).toBeNull();
    await provisionTenant(cp.deps, spec(slug, { region: "us" }), { mode: "create", server: "us-same" });
    expect(await placement(slug)).toEqual({ region: "us", server: "us-same", serverRegion: "us" });
  }, 60_000);

  it("says clearly when the region has no server, and reserves nothing", async () => {
    const slug = cp.slug("nowhere");
    await expect(provisionTenant(cp.deps, spec(slug, { region: "ap" }), { mode: "create" })).rejects.toThrow(
      /no database server is in region "ap"; register one there/,
    );
    expect(await cp.deps.control.tenant.findUnique({ where: { slug } })).toBeNull();
    await expect(provisionTenant(cp.deps, spec(slug, { region: "mars" }), { mode: "create" })).rejects.toThrow(
      /"mars" is not a region; regions: eu \(Europe \(Frankfurt\)\), us/,
    );
  });
});

describe("moves and the tenant's region", () => {
  it("moves within the region without any confirmation (positive control)", async () => {
    const slug = cp.slug("move-same");
    await provisionTenant(cp.deps, spec(slug, { region: "us" }), { mode: "create", server: "us-same" });
    const moved = await moveTenant(cp.deps, slug, "us-second");
    expect(moved.region).toEqual({ from: "us", to: "us" });
    expect(await placement(slug)).toEqual({ region: "us", server: "us-second", serverRegion: "us" });
    expect(await regionAudit(moved.tenantId)).toEqual([]);
  }, 60_000);

  it("refuses leaving the region without an owner's typed confirmation, and allows it with one (audited)", async () => {
    const slug = cp.slug("move-out");
    const { tenantId } = await provisionTenant(cp.deps, spec(slug), { mode: "create" });
    expect(await placement(slug)).toMatchObject({ region: "eu", server: "test" });

    await expect(moveTenant(cp.deps, slug, "us-second")).rejects.toThrow(
      /must stay in region eu \(Europe \(Frankfurt\)\) and us-second is in us .*an agency owner confirms by typing the slug and the region us/,
    );
    await expect(
      moveTenant(cp.deps, slug, "us-second", { regionConfirmation: { slug, region: "eu", agencyUserId: owner } }),
    ).rejects.toThrow(/the confirmation does not match/);
    await expect(
      moveTenant(cp.deps, slug, "us-second", {
        regionConfirmation: { slug: "someone-else", region: "us", agencyUserId: owner },
      }),
    ).rejects.toThrow(/the confirmation does not match/);
    // Nothing moved, nothing changed, nothing recorded as confirmed.
    expect(await placement(slug)).toEqual({ region: "eu", server: "test", serverRegion: "eu" });
    expect(await regionAudit(tenantId)).toEqual([]);

    const moved = await moveTenant(cp.deps, slug, "us-second", {
      regionConfirmation: { slug, region: "us", agencyUserId: owner },
    });
    expect(moved).toMatchObject({ from: "test", to: "us-second", region: { from: "eu", to: "us" } });
    expect(await placement(slug)).toEqual({ region: "us", server: "us-second", serverRegion: "us" });
    const audit = await regionAudit(tenantId);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actorType: "agency-user",
      actorId: owner,
      details: { from: "eu", to: "us", fromServer: "test", toServer: "us-second" },
    });
  }, 90_000);

  it("does not let an agency user who is not an owner confirm (positive control: the owner can)", async () => {
    const slug = cp.slug("move-operator");
    const { tenantId } = await provisionTenant(cp.deps, spec(slug, { region: "us" }), {
      mode: "create",
      server: "us-second",
    });
    await expect(
      moveTenant(cp.deps, slug, "test", { regionConfirmation: { slug, region: "eu", agencyUserId: operator } }),
    ).rejects.toThrow(/only an agency owner can confirm moving a tenant out of its region/);
    expect(await placement(slug)).toEqual({ region: "us", server: "us-second", serverRegion: "us" });
    expect(await regionAudit(tenantId)).toEqual([]);
    await cp.deps.control.agencyUser.update({ where: { id: owner }, data: { active: false } });
    await expect(
      moveTenant(cp.deps, slug, "test", { regionConfirmation: { slug, region: "eu", agencyUserId: owner } }),
    ).rejects.toThrow(/only an agency owner can confirm/);
    await cp.deps.control.agencyUser.update({ where: { id: owner }, data: { active: true } });
    await moveTenant(cp.deps, slug, "test", { regionConfirmation: { slug, region: "eu", agencyUserId: owner } });
    expect(await placement(slug)).toEqual({ region: "eu", server: "test", serverRegion: "eu" });
  }, 90_000);
});

describe("tenants as code and regions", () => {
  it("reports a declared region that differs from the stored one and never applies it, also forced", async () => {
    const slug = cp.slug("declared");
    const declared = { slug, name: "Declared", plan: "premium", theme: FALLBACK_THEME, region: "us" };
    const [created] = await syncTenants(cp.deps, [declared], { demo: false });
    expect(created).toMatchObject({ action: "created" });
    expect(created!.regionConflict).toBeUndefined();
    expect(await placement(slug)).toMatchObject({ region: "us", serverRegion: "us" });

    // Positive control: the same region declared again is no conflict.
    const [same] = await syncTenants(cp.deps, [declared], { demo: false });
    expect(same!.regionConflict).toBeUndefined();

    for (const force of [false, true]) {
      const [outcome] = await syncTenants(cp.deps, [{ ...declared, region: "eu" }], { demo: false, force });
      expect(outcome!.regionConflict).toEqual({ declared: "eu", stored: "us" });
      expect(describeOutcome(outcome!)).toContain(
        `tenants/${slug}.ts declares region eu but the tenant is in us: not applied`,
      );
      expect(await placement(slug)).toMatchObject({ region: "us", serverRegion: "us" });
    }
  }, 60_000);
});

describe("regions configured after the fact", () => {
  it("places rows of the built-in region in the default region, once", async () => {
    await cp.deps.control.databaseServer.update({ where: { name: "us-same" }, data: { region: "default" } });
    expect(await adoptDefaultRegion(cp.deps.control, regionConfig())).toEqual({ servers: 1, tenants: 0 });
    expect(await adoptDefaultRegion(cp.deps.control, regionConfig())).toEqual({ servers: 0, tenants: 0 });
    const server = await cp.deps.control.databaseServer.findUniqueOrThrow({ where: { name: "us-same" } });
    expect(server.region).toBe("eu");
    await cp.deps.control.databaseServer.update({ where: { name: "us-same" }, data: { region: "us" } });
  });
});
