import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withClient, withDatabase } from "../../lib/db/postgres.ts";
import { tenantConnectionUrl } from "../../lib/db/tenant-db.server.ts";
import { loadMigrations, migrationsDir } from "../../lib/migrations/migrator.ts";
import { resumeInterruptedProvisioning } from "../../lib/provisioning/resume.server.ts";
import { migrateFleet } from "../../lib/fleet-migration/migrate-fleet.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { mapSettledBounded } from "../../lib/util/concurrency.ts";
import { adminUrl, testControlPlane, withAdmin, type TestControlPlane } from "../support/databases.ts";

/**
 * The process is killed (SIGKILL: no cleanup, no finally) in the middle of provisioning and in
 * the middle of a fleet migration; what the next start does must converge: every tenant active
 * and complete, every tenant at the newest migration exactly once, nothing half-made left over.
 */
let cp_: TestControlPlane;

beforeAll(async () => {
  cp_ = await testControlPlane();
});
afterAll(() => cp_?.cleanup());

/** Runs a child script, kills it when `killWhen` sees a line it likes; resolves with its output. */
function runUntil(
  script: string,
  args: string[],
  killWhen: (line: string, lines: string[]) => boolean,
): Promise<{ lines: string[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--conditions=react-server", "--import", "tsx", path.join("test/faults/children", script), ...args],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const lines: string[] = [];
    let killed = false;
    let buffer = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      let i: number;
      while ((i = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        lines.push(line);
        if (!killed && killWhen(line, lines)) {
          killed = true;
          child.kill("SIGKILL");
        }
      }
    });
    child.on("error", reject);
    child.on("exit", () => resolve({ lines, killed }));
  });
}

async function waitForNoBackendRunning(fragment: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await withAdmin((c) =>
      c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state <> 'idle' AND strpos(query, $1) > 0`,
        [fragment],
      ),
    );
    if (rows[0]?.n === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`backends still running a query with ${fragment} after 10 s`);
}

describe("killed during provisioning", () => {
  it.each(["create-role", "create-database", "migrate", "seed", "activate"])(
    "at %s: the next start resumes it to an active, complete tenant",
    async (step) => {
      const slug = cp_.slug(`kill-${step}`);
      const { killed, lines } = await runUntil(
        "provision.ts",
        [cp_.url, cp_.secretKey, slug],
        (line) => line === `start ${slug} ${step}`,
      );
      expect(killed, lines.join("\n")).toBe(true);
      expect(lines).not.toContain(`done ${slug}`);
      const before = await cp_.deps.control.tenant.findUniqueOrThrow({ where: { slug } });
      expect(before.status).toBe("provisioning");

      // What `npm run dev` / `npm start` does at start.
      const resumed = await resumeInterruptedProvisioning(cp_.deps);
      expect(resumed.find((r) => r.slug === slug)).toMatchObject({ ok: true });
      const tenant = await cp_.deps.control.tenant.findUniqueOrThrow({ where: { slug }, include: { database: true } });
      expect(tenant.status).toBe("active");
      // Complete: at the newest migration, and its own role reads and writes its tables. (Demo
      // data from the killed run's spec is not re-seeded: a resume knows only what the control
      // plane recorded.)
      const latest = (await loadMigrations(migrationsDir("tenant"))).at(-1)!.name;
      expect(tenant.database?.schemaVersion).toBe(latest);
      await withClient(await tenantConnectionUrl(cp_.deps.control, cp_.deps.keyring, tenant.id), async (c) => {
        await c.query(
          `INSERT INTO "Event" (id, slug, title, "startsAt", "endsAt", "timeZone", "updatedAt") VALUES (gen_random_uuid(), 'after-resume', 'x', now(), now(), 'UTC', now())`,
        );
        const applied = await c.query(
          `SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`,
        );
        expect(applied.rows[0].n).toBe((await loadMigrations(migrationsDir("tenant"))).length);
      });
    },
    60_000,
  );

  it("leaves no database or role that the control plane does not know", async () => {
    const known = await cp_.deps.control.tenantDatabase.findMany({ select: { databaseName: true, roleName: true } });
    const tag = cp_.tag;
    const { rows: dbs } = await withAdmin((c) =>
      c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
        `%${tag.replaceAll("-", "_")}%`,
      ]),
    );
    const { rows: roles } = await withAdmin((c) =>
      c.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1`, [
        `%${tag.replaceAll("-", "_")}%`,
      ]),
    );
    const knownDbs = new Set(known.map((k) => k.databaseName));
    const knownRoles = new Set(known.map((k) => k.roleName));
    expect(dbs.map((d) => d.datname).filter((d) => !knownDbs.has(d) && !d.startsWith("control_"))).toEqual([]);
    expect(roles.map((r) => r.rolname).filter((r) => !knownRoles.has(r))).toEqual([]);
  });
});

describe("killed during a fleet migration", () => {
  it("a re-run migrates exactly what is left; every tenant has the migration exactly once", async () => {
    const slugs = Array.from({ length: 24 }, (_, i) => cp_.slug(`mig${String(i).padStart(2, "0")}`));
    await mapSettledBounded(slugs, 4, (slug) =>
      provisionTenant(cp_.deps, parseTenantSpec({ slug, name: slug, theme: FALLBACK_THEME }), {
        mode: "create",
        seed: false,
      }),
    );
    const dir = await mkdtemp(path.join(os.tmpdir(), "portico-kill-mig-"));
    try {
      await cp(migrationsDir("tenant"), dir, { recursive: true });
      await mkdir(path.join(dir, "29990101000000_faults_additive"));
      // Slow enough that the kill lands while several tenants are mid-migration, and uneven, so
      // some are still running when it does (in lockstep they all finished together).
      await writeFile(
        path.join(dir, "29990101000000_faults_additive", "migration.sql"),
        `ALTER TABLE "Event" ADD COLUMN "faultNote" TEXT;\nSELECT pg_sleep(0.1 + random() * 0.3);\n`,
      );
      const { killed, lines } = await runUntil(
        "migrate.ts",
        [cp_.url, cp_.secretKey, dir],
        (_, all) => all.filter((l) => l.startsWith("migrated")).length >= 6,
      );
      expect(killed, lines.join("\n")).toBe(true);
      const NEXT = "29990101000000_faults_additive";
      const tenantState = async () => {
        // Every tenant of this control plane: the fleet also holds those the provisioning kills left.
        const tenants = await cp_.deps.control.tenant.findMany({
          where: { database: { isNot: null } },
          select: { slug: true, database: { select: { schemaVersion: true, databaseName: true } } },
        });
        return Promise.all(
          tenants.map(async (t) => ({
            slug: t.slug,
            recorded: t.database?.schemaVersion === NEXT,
            ...(await withClient(withDatabase(adminUrl(), t.database!.databaseName), async (c) => ({
              applied: (
                await c.query(
                  `SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE migration_name = '${NEXT}' AND finished_at IS NOT NULL`,
                )
              ).rows[0].n as number,
              unfinished: (
                await c.query(`SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE finished_at IS NULL`)
              ).rows[0].n as number,
              column: (
                await c.query(
                  `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'Event' AND column_name = 'faultNote'`,
                )
              ).rows[0].n as number,
            }))),
          })),
        );
      };
      // A migration is sent as one query (BEGIN; …; INSERT; COMMIT), so PostgreSQL finishes
      // the ones in flight after their client is killed: it only notices the closed socket when
      // it flushes the result (a re-run waits for them: they hold the tenant's migration lock).
      // Take the snapshot once those orphaned backends have ended; before, it raced them.
      await waitForNoBackendRunning("faultNote");
      const afterKill = await tenantState();
      const migratedBefore = afterKill.filter((t) => t.applied === 1).map((t) => t.slug);
      expect(migratedBefore.length).toBeGreaterThanOrEqual(6); // the child reported 6 migrated
      expect(migratedBefore.length).toBeLessThan(afterKill.length); // the kill left some behind
      // Outcomes are written to the control plane in batches, so a kill can lose a record, never
      // invent one: nothing is recorded as migrated that is not.
      expect(afterKill.filter((t) => t.recorded && t.applied !== 1)).toEqual([]);
      // The migration and its _prisma_migrations row commit together: the kill left none half-done.
      expect(afterKill.filter((t) => t.unfinished !== 0 || t.column !== t.applied)).toEqual([]);

      // The re-run (the dashboard's "Migrate N tenants", or `npm run tenants -- migrate`) applies
      // the migration exactly where it is missing, and records every tenant.
      const rerun = await migrateFleet(cp_.deps, { concurrency: 4, dir });
      expect(rerun.every((o) => o.ok)).toBe(true);
      expect(
        rerun
          .filter((o) => o.applied.length > 0)
          .map((o) => o.slug)
          .sort(),
      ).toEqual(
        afterKill
          .map((t) => t.slug)
          .filter((s) => !migratedBefore.includes(s))
          .sort(),
      );
      for (const t of await tenantState())
        expect(t, t.slug).toEqual({ slug: t.slug, recorded: true, applied: 1, unfinished: 0, column: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
