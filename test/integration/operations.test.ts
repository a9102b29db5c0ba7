import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from "../../lib/db/embedded.server.ts";
import { withClient } from "../../lib/db/postgres.ts";
import { createTenantDb, tenantConnectionUrl } from "../../lib/db/tenant-db.server.ts";
import { appendTenantAudit, pruneTenantAudit, verifyTenantTrail } from "../../lib/audit/tenant-trail.server.ts";
import { TenantConflict } from "../../lib/util/errors.ts";
import { outboxTransport } from "../../lib/mail/transport.server.ts";
import { queueOperation } from "../../lib/operations/queue.server.ts";
import { startOperationsWorker, type OperationsWorker, type WorkerDeps } from "../../lib/operations/worker.server.ts";
import { importTenant, readArchive } from "../../lib/lifecycle/archive.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { resumeInterruptedProvisioning } from "../../lib/provisioning/resume.server.ts";
import { registerServers } from "../../lib/provisioning/servers.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { adminUrl, testControlPlane, withAdmin, type TestControlPlane } from "../support/databases.ts";

/**
 * The operations worker against real PostgreSQL: the wizard's provisioning (with its first
 * admin's invitation), double submits, export → import, offboarding (security case 24), and a
 * move between two real servers (a second embedded PostgreSQL).
 */
let cp: TestControlPlane;
let deps: WorkerDeps;
let worker: OperationsWorker;
let second: EmbeddedServer;
const dirs: string[] = [];
const hosts = { rootDomain: "localhost", agencyHost: "admin.localhost", bareHost: "agency" as const };
const actor = {
  type: "agency-user" as const,
  id: "00000000-0000-4000-8000-000000000001",
  label: "olive@agency.example",
};

async function tmp(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

async function run(
  kind: Parameters<typeof queueOperation>[1]["kind"],
  slug: string | null,
  input: unknown = {},
  idempotencyKey?: string,
) {
  const { id } = await queueOperation(cp.deps.control, {
    kind,
    slug,
    input,
    actor,
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });
  await worker.idle();
  return cp.deps.control.operation.findUniqueOrThrow({ where: { id } });
}

async function tenantRows(slug: string, sql: string): Promise<unknown[]> {
  const tenant = await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug } });
  return withClient(
    await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenant.id),
    async (c) => (await c.query(sql)).rows,
  );
}

const spec = (slug: string, name = `Tenant ${slug}`) => ({
  slug,
  name,
  plan: "standard",
  theme: FALLBACK_THEME,
  domains: [],
});

beforeAll(async () => {
  cp = await testControlPlane();
  const dataDir = await tmp("portico-second-");
  await chmod(dataDir, 0o755);
  second = await startEmbeddedPostgres({ dir: dataDir, port: await freePort(), settings: { fsync: "off" } });
  await registerServers(cp.deps, [{ name: "second", adminUrl: second.url }]);
  deps = {
    ...cp.deps,
    exportsDir: await tmp("portico-exports-"),
    invitations: { mail: outboxTransport(cp.deps.control), link: (host, p) => `http://${host}:3000${p}`, hosts },
  };
  worker = startOperationsWorker(deps, { controlUrl: cp.url, pollMs: 200 });
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await cp?.cleanup();
  await second?.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("provisioning through the worker", () => {
  it("provisions step by step, invites the first admin by email, and activates last", async () => {
    const slug = cp.slug("wiz");
    const op = await run(
      "provision",
      slug,
      { spec: spec(slug, "Wizard Co"), firstAdmin: { name: "Ada Admin", email: "Ada@Client.example" } },
      `draft-${slug}`,
    );
    expect(op.error).toBeNull();
    expect(op.status).toBe("succeeded");
    const steps = (op.progress as { steps: Array<{ name: string; status: string }> }).steps;
    expect(steps.map((s) => [s.name, s.status])).toEqual(
      ["reserve", "create-role", "create-database", "migrate", "seed", "invite", "activate"].map((n) => [n, "done"]),
    );
    const tenant = await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug } });
    expect(tenant.status).toBe("active");
    expect(await tenantRows(slug, `SELECT email, role::text, "passwordHash" FROM "User"`)).toEqual([
      { email: "ada@client.example", role: "owner", passwordHash: null },
    ]);
    const mail = await cp.deps.control.outboxMessage.findFirstOrThrow({ where: { toAddress: "ada@client.example" } });
    expect(mail.text).toMatch(new RegExp(`http://${slug}\\.localhost:3000/invite\\?token=[A-Za-z0-9_-]{43}`));
    expect(
      await tenantRows(slug, `SELECT purpose FROM "LoginToken" WHERE "usedAt" IS NULL AND "expiresAt" > now()`),
    ).toEqual([{ purpose: "invite" }]);
    const audit = await cp.deps.control.auditEntry.findFirstOrThrow({
      where: { action: "tenant.provision", tenantId: tenant.id },
    });
    expect(audit.actorLabel).toBe(actor.label);
  });

  it("submitted twice: one operation, one tenant; a second wizard for the same slug gets a clear conflict", async () => {
    const slug = cp.slug("twice");
    const input = { spec: spec(slug), firstAdmin: { name: "B", email: "b@client.example" } };
    const [a, b] = await Promise.all([
      queueOperation(cp.deps.control, { kind: "provision", slug, input, actor, idempotencyKey: `draft-${slug}` }),
      queueOperation(cp.deps.control, { kind: "provision", slug, input, actor, idempotencyKey: `draft-${slug}` }),
    ]);
    expect(a.id).toBe(b.id);
    await expect(
      queueOperation(cp.deps.control, { kind: "provision", slug, input, actor, idempotencyKey: `other-${slug}` }),
    ).rejects.toThrow(TenantConflict);
    await worker.idle();
    // Had both slipped past the check, the worker refuses the second when it reserves.
    const late = await run("provision", null, { ...input }, undefined).catch((e: unknown) => e);
    expect(late).toBeDefined();
    const sneaky = await cp.deps.control.operation.create({
      data: { kind: "provision", slug, input, actorType: "agency-user", actorLabel: "x" },
    });
    await cp.deps.control.$executeRaw`SELECT pg_notify('portico_operation', ${sneaky.id})`;
    await worker.idle();
    const refused = await cp.deps.control.operation.findUniqueOrThrow({ where: { id: sneaky.id } });
    expect(refused.status).toBe("failed");
    expect(refused.error).toMatch(/already exists; choose another slug/);
    expect(await cp.deps.control.tenant.count({ where: { slug } })).toBe(1);
  });

  it("resumes an operation a killed worker left running, without conflicting with itself", async () => {
    const slug = cp.slug("killed");
    const input = { spec: spec(slug), firstAdmin: { name: "K", email: "k@client.example" } };
    // What a worker killed after create-database leaves behind.
    await provisionTenant(deps, parseTenantSpec(spec(slug)), {
      mode: "create",
      interruptAfter: (s) => {
        if (s === "create-database") throw new Error("killed");
      },
    }).catch(() => {});
    const op = await cp.deps.control.operation.create({
      data: {
        kind: "provision",
        slug,
        input,
        status: "running",
        progress: { attempt: 1, reserved: true },
        actorType: "agency-user",
        actorLabel: actor.label,
      },
    });
    // The start's own resume leaves a tenant its operation owns to the queue: never two runs at once.
    expect((await resumeInterruptedProvisioning(cp.deps)).map((r) => r.slug)).not.toContain(slug);
    await worker.stop();
    worker = startOperationsWorker(deps, { controlUrl: cp.url, pollMs: 200 });
    await new Promise((r) => setTimeout(r, 300));
    await worker.idle();
    const done = await cp.deps.control.operation.findUniqueOrThrow({ where: { id: op.id } });
    expect([done.status, done.error]).toEqual(["succeeded", null]);
    expect((await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug } })).status).toBe("active");
    expect(await tenantRows(slug, `SELECT email FROM "User"`)).toEqual([{ email: "k@client.example" }]);
  });
});

describe("lifecycle through the worker", () => {
  async function tenantWithData(base: string, marker: string, server = "test") {
    const slug = cp.slug(base);
    await provisionTenant(
      cp.deps,
      parseTenantSpec({
        ...spec(slug),
        domains: [`${base}-${cp.tag}.example`],
        demo: {
          users: [
            { email: `${marker}@example.com`, name: `User ${marker}`, role: "owner" },
            { email: `member-${marker}@example.com`, name: "M", role: "member" },
          ],
          events: [
            {
              slug: `${marker}-event`,
              title: `Event ${marker} “quoted”, with ünïcode`,
              startsInDays: 3,
              capacity: 12,
              venue: null,
            },
          ],
        },
      }),
      { mode: "create", server },
    );
    return slug;
  }

  it("exports a tenant and imports it into a new tenant with every row intact", async () => {
    const slug = await tenantWithData("exp", "exporter");
    const op = await run("export", slug);
    expect([op.status, op.error]).toEqual(["succeeded", null]);
    const result = op.result as { file: string; sha256: string; tables: Array<{ name: string; rows: number }> };
    expect(result.tables).toEqual(
      expect.arrayContaining([
        { name: "User", rows: 2 },
        { name: "Event", rows: 1 },
      ]),
    );
    const archive = path.join(deps.exportsDir, result.file);
    const manifest = await readArchive(archive, await tmp("portico-read-"));
    expect(manifest.tenant.slug).toBe(slug);
    expect(manifest.tables.every((t) => /^[0-9a-f]{64}$/.test(t.sha256))).toBe(true);

    const copy = cp.slug("imp");
    const imported = await importTenant(cp.deps, archive, copy);
    expect(imported.rows).toMatchObject({ User: 2, Event: 1 });
    for (const table of ["User", "Event", "LoginToken", "PortalSettings"]) {
      const query = `SELECT row_to_json(t)::text AS j FROM "${table}" t ORDER BY 1`;
      expect(await tenantRows(copy, query), table).toEqual(await tenantRows(slug, query));
    }
  });

  it("refuses a damaged archive before creating anything", async () => {
    const op = await cp.deps.control.operation.findFirstOrThrow({ where: { kind: "export", status: "succeeded" } });
    const archive = path.join(deps.exportsDir, (op.result as { file: string }).file);
    const tar = gunzipSync(await readFile(archive));
    const at = tar.indexOf("exporter@example.com");
    tar.write("EXPORTER", at); // same length, different bytes: only the checksum can tell
    const damaged = path.join(await tmp("portico-damaged-"), "damaged.tar.gz");
    await writeFile(damaged, gzipSync(tar));
    await expect(importTenant(cp.deps, damaged, cp.slug("dmg"))).rejects.toThrow(/does not match its checksum/);
    expect(await cp.deps.control.tenant.count({ where: { slug: cp.slug("dmg") } })).toBe(0);
  });

  it("offboards: the export holds only that tenant's data; database, role, domains and sessions are gone; audited (case 24)", async () => {
    const slug = await tenantWithData("off", "leaver");
    await tenantWithData("stay", "stayer");
    const before = await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug }, include: { database: true } });
    const op = await run("offboard", slug);
    expect([op.status, op.error]).toEqual(["succeeded", null]);
    const archive = path.join(deps.exportsDir, (op.result as { file: string }).file);
    const content = gunzipSync(await readFile(archive)).toString("utf8");
    expect(content).toContain("leaver@example.com");
    expect(content).not.toContain("stayer");
    expect(content).not.toContain("exporter");

    const after = await cp.deps.control.tenant.findUniqueOrThrow({
      where: { slug },
      include: { domains: true, database: true },
    });
    expect(after.status).toBe("offboarded");
    expect(after.domains).toEqual([]);
    expect(after.database).toBeNull();
    const db = before.database as NonNullable<typeof before.database>;
    const left = await withAdmin(async (c) => ({
      databases: (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [db.databaseName])).rowCount,
      roles: (await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [db.roleName])).rowCount,
    }));
    expect(left).toEqual({ databases: 0, roles: 0 });
    const audit = await cp.deps.control.auditEntry.findFirstOrThrow({
      where: { action: "tenant.offboard", tenantId: before.id },
    });
    expect(audit.actorLabel).toBe(actor.label);
    expect(audit.details).toMatchObject({ outcome: "succeeded", file: (op.result as { file: string }).file });
    // The tenant that stayed is untouched.
    expect(await tenantRows(cp.slug("stay"), `SELECT email FROM "User" ORDER BY email`)).toEqual([
      { email: "member-stayer@example.com" },
      { email: "stayer@example.com" },
    ]);
  });

  it("moves a tenant to another server: copied, verified, switched, old copy dropped", async () => {
    const slug = await tenantWithData("mover", "mover");
    const before = await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug }, include: { database: true } });
    const rowsBefore = await tenantRows(slug, `SELECT row_to_json(t)::text AS j FROM "User" t ORDER BY 1`);
    const op = await run("move", slug, { server: "second" });
    expect([op.status, op.error]).toEqual(["succeeded", null]);
    expect(op.result).toMatchObject({ from: "test", to: "second", rows: { User: 2, Event: 1 } });
    const after = await cp.deps.control.tenantDatabase.findUniqueOrThrow({
      where: { tenantId: before.id },
      include: { server: true },
    });
    expect(after.server.name).toBe("second");
    expect(after.passwordCiphertext).not.toBe(before.database?.passwordCiphertext);
    expect(await tenantRows(slug, `SELECT row_to_json(t)::text AS j FROM "User" t ORDER BY 1`)).toEqual(rowsBefore);
    expect(new URL(await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, before.id)).port).toBe(
      String(new URL(second.url).port),
    );
    const old = await withAdmin(
      async (c) => (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [after.databaseName])).rowCount,
    );
    expect(old).toBe(0);
    expect((await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug } })).maintenance).toBeNull();
  });

  it("a move takes the tenant's audit trail along, anchor included, and the trail says who moved it (decision 048)", async () => {
    const slug = await tenantWithData("trailmove", "trailmove");
    const tenant = await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug } });
    const open = async () =>
      createTenantDb(await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenant.id), "ops-trail", {
        poolSize: 1,
        idleMs: 1_000,
        connectTimeoutMs: 5_000,
      });
    const source = await open();
    try {
      await appendTenantAudit(source.client, { actor: { type: "system", label: "system: test" }, action: "test.old" });
      expect(await pruneTenantAudit(source.client, new Date(Date.now() + 1_000))).toBe(1); // an anchor to carry
      await appendTenantAudit(source.client, { actor: { type: "system", label: "system: test" }, action: "test.kept" });
    } finally {
      await source.close();
    }
    const op = await run("move", slug, { server: "second" });
    expect([op.status, op.error]).toEqual(["succeeded", null]);
    const moved = await open();
    try {
      expect(await verifyTenantTrail(moved.client)).toMatchObject({ ok: true, entries: 2 });
      expect(await moved.client.auditAnchor.count()).toBe(1);
      const entries = await moved.client.auditEntry.findMany({ orderBy: { id: "asc" } });
      expect(entries.map((e) => [e.action, e.actorType])).toEqual([
        ["test.kept", "system"],
        ["agency.move", "agency"],
      ]);
      expect(entries[1]?.details).toEqual({ to: "second" });
      // Still append-only on the new server.
      await expect(moved.client.auditEntry.deleteMany({})).rejects.toThrow(/append-only/);
    } finally {
      await moved.close();
    }
  });

  it("refuses a move to an unknown or the same server, leaving the tenant in service", async () => {
    const slug = cp.slug("stay");
    const unknown = await run("move", slug, { server: "nowhere" });
    expect(unknown.error).toMatch(/no database server named "nowhere"; registered: .*second/);
    const current = (
      await cp.deps.control.tenantDatabase.findFirstOrThrow({ where: { tenant: { slug } }, include: { server: true } })
    ).server.name;
    const same = await run("move", slug, { server: current });
    expect(same.error).toBe(`"${slug}" is already on ${current}`);
    expect((await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug } })).maintenance).toBeNull();
  });

  it("retries a move whose target server refuses connections, then records it failed once; a refusal is not retried", async () => {
    const slug = cp.slug("stay");
    const down = new URL(adminUrl());
    down.port = String(await freePort()); // nothing listens there: a server that is down
    await registerServers(cp.deps, [{ name: "down", adminUrl: down.toString() }]);
    const job = async (id: string) =>
      withClient(cp.url, async (c) => {
        const { rows } = await c.query(`SELECT state::text, retry_count FROM pgboss.job WHERE id = $1`, [id]);
        return rows[0] as { state: string; retry_count: number };
      });
    const op = await run("move", slug, { server: "down" });
    expect(op.status).toBe("failed");
    expect(op.error).toMatch(/ECONNREFUSED/);
    // Three attempts (the first and two retries with backoff), one recorded outcome, one audit entry.
    expect((op.progress as { attempt: number }).attempt).toBe(3);
    expect(await job(op.id)).toEqual({ state: "completed", retry_count: 2 });
    expect(
      await cp.deps.control.auditEntry.count({
        where: { action: "tenant.move", details: { path: ["operationId"], equals: op.id } },
      }),
    ).toBe(1);
    expect((await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug } })).maintenance).toBeNull();
    // Positive control: the handler's own refusal is final at the first attempt.
    const refused = await run("move", slug, { server: "nowhere" });
    expect([refused.status, (refused.progress as { attempt: number }).attempt]).toEqual(["failed", 1]);
    expect(await job(refused.id)).toEqual({ state: "completed", retry_count: 0 });
    await cp.deps.control.databaseServer.delete({ where: { name: "down" } });
  }, 90_000);

  it("refuses a move to a second name for the same PostgreSQL server, and the tenant keeps its data", async () => {
    await registerServers(cp.deps, [{ name: "alias", adminUrl: adminUrl() }]);
    const slug = await tenantWithData("aliased", "aliased", "test");
    const op = await run("move", slug, { server: "alias" });
    expect(op.error).toBe("test and alias are the same PostgreSQL server; a move needs a different one");
    expect(await tenantRows(slug, `SELECT email FROM "User" ORDER BY email`)).toEqual([
      { email: "aliased@example.com" },
      { email: "member-aliased@example.com" },
    ]);
    await cp.deps.control.databaseServer.delete({ where: { name: "alias" } });
  });

  it("renames and replaces custom domains of a live tenant; refuses a domain another tenant holds or one under the root", async () => {
    const slug = cp.slug("stay");
    const renamed = await run("rename", slug, { name: "Stayer & Co" });
    expect([renamed.status, renamed.result]).toEqual(["succeeded", { from: `Tenant ${slug}`, to: "Stayer & Co" }]);
    const set = await run("set-domains", slug, { domains: ["Events.Stayer.example", "www.stayer.example"] });
    expect(set.result).toEqual({ domains: ["events.stayer.example", "stayer.example"] });
    const domains = await cp.deps.control.domain.findMany({
      where: { tenant: { slug } },
      orderBy: { hostname: "asc" },
      select: { hostname: true, isPrimary: true },
    });
    expect(domains).toEqual([
      { hostname: "events.stayer.example", isPrimary: true },
      { hostname: "stayer.example", isPrimary: false },
    ]);

    const other = await run("set-domains", cp.slug("mover"), { domains: ["stayer.example"] });
    expect(other.error).toMatch(/stayer\.example already belongs to another tenant/);
    const underRoot = await run("set-domains", slug, { domains: ["someone.localhost"] });
    expect(underRoot.error).toMatch(/under localhost, where each tenant already has its subdomain/);
    expect(await cp.deps.control.domain.count({ where: { tenant: { slug } } })).toBe(2); // nothing lost
  });
});
