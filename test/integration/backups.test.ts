import { mkdtemp, open, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withClient, withDatabase } from "../../lib/db/postgres.ts";
import { tenantConnectionUrl, withOneTenantDb } from "../../lib/db/tenant-db.server.ts";
import { appendAgencyAccess } from "../../lib/audit/agency-access.server.ts";
import { verifyTenantTrail } from "../../lib/audit/tenant-trail.server.ts";
import { eraseMember } from "../../lib/lifecycle/erasure.server.ts";
import { columnsHolding } from "../support/scan-columns.ts";
import { listTables } from "../../lib/lifecycle/table-copy.server.ts";
import {
  createBackup,
  restoreInPlace,
  restoreIntoNewTenant,
  TRAIL_TABLES,
  type BackupDeps,
} from "../../lib/backups/backups.server.ts";
import { fileStore } from "../../lib/backups/storage.server.ts";
import { regionalLocations, singleLocation } from "../../lib/backups/locations.server.ts";
import { runOperation } from "../../lib/operations/runner.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { InvalidInput } from "../../lib/util/errors.ts";
import { adminUrl, testControlPlane, type TestControlPlane } from "../support/databases.ts";

/**
 * The restore drill (docs/decisions/052, security cases 120–122): back a tenant up, change and
 * delete rows in several tables, restore in place and compare every table with the snapshot;
 * a corrupted or foreign backup is refused before anything changes, beside its positive control.
 */
let cp: TestControlPlane;
let dir: string;
let deps: BackupDeps;

beforeAll(async () => {
  cp = await testControlPlane();
  dir = await mkdtemp(path.join(os.tmpdir(), "portico-backups-"));
  const store = fileStore("default", dir);
  deps = { ...cp.deps, backups: singleLocation(store) };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await cp?.cleanup();
});

async function tenant(base: string): Promise<{ slug: string; tenantId: string; url: string }> {
  const slug = cp.slug(base);
  const spec = parseTenantSpec({
    slug,
    name: `Tenant ${base}`,
    theme: FALLBACK_THEME,
    demo: {
      users: [
        { email: `owner@${base}.example`, name: "Owner", role: "owner" },
        { email: `sam@${base}.example`, name: "Sam", role: "staff" },
      ],
      events: [
        { slug: "one", title: `${base} one`, startsInDays: 3 },
        { slug: "two", title: `${base} two`, startsInDays: 9 },
      ],
    },
  });
  const { tenantId } = await provisionTenant(cp.deps, spec, { mode: "create" });
  const url = await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenantId);
  await withClient(url, async (c) => {
    await c.query(
      `INSERT INTO "Registration" (id, "eventId", "userId", email, name, status, "ticketCode", "updatedAt")
       SELECT gen_random_uuid(), e.id, u.id, u.email, u.name, 'confirmed', 'T-' || e.slug || '-' || u.name, now()
         FROM "Event" e CROSS JOIN "User" u`,
    );
    await c.query(
      `INSERT INTO "EventCover" ("eventId", sha256, "contentType", bytes) SELECT id, repeat('a', 64), 'image/png', '\\x00ff10'::bytea FROM "Event" WHERE slug = 'one'`,
    );
  });
  return { slug, tenantId, url };
}

/**
 * Every table's rows as PostgreSQL renders them, in a stable order; the audit trail's tables
 * apart, since a restore in place keeps the trail (checked with `trail` below).
 */
async function everyTable(url: string): Promise<Record<string, string[]>> {
  return withClient(url, async (c) => {
    const out: Record<string, string[]> = {};
    for (const t of (await listTables(c)).filter((name) => !TRAIL_TABLES.includes(name)))
      out[t] = (await c.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM "${t}" t ORDER BY 1`)).rows.map(
        (r) => r.j,
      );
    return out;
  });
}

/** The tenant's audit trail: its actions in order, and whether its hash chain verifies. */
async function trail(
  url: string,
  append?: { tenantId: string; action: string },
): Promise<{ actions: string[]; verified: boolean }> {
  return withOneTenantDb(url, "test-trail", async (db) => {
    if (append)
      await appendAgencyAccess(db, append.tenantId, {
        agencyEmail: "ops@agency.example",
        action: append.action,
        details: {},
      });
    const verification = await verifyTenantTrail(db);
    const rows = await db.auditEntry.findMany({ orderBy: { id: "asc" }, select: { action: true } });
    return { actions: rows.map((r) => r.action), verified: verification.ok };
  });
}

async function flipByte(backupId: string, at: "end" | number): Promise<void> {
  const row = await cp.deps.control.backup.findUniqueOrThrow({ where: { id: backupId } });
  const file = path.join(dir, row.key);
  const handle = await open(file, "r+");
  try {
    const { size } = await handle.stat();
    const pos = at === "end" ? size - 10 : at;
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, pos);
    byte[0] = (byte[0] as number) ^ 0x01;
    await handle.write(byte, 0, 1, pos);
  } finally {
    await handle.close();
  }
}

describe("the restore drill", () => {
  it("restores every table of a tenant exactly as it was backed up, after changes and deletions", async () => {
    const a = await tenant("drill");
    const before = await everyTable(a.url);
    expect(before.Registration).toHaveLength(4);
    expect(before.EventCover).toHaveLength(1);
    const backup = await createBackup(deps, a.slug, { kind: "manual", by: "test" });
    expect(backup.bytes).toBeGreaterThan(0);
    const stored = await readdir(path.join(dir, a.tenantId));
    expect(stored).toHaveLength(1);

    await withClient(a.url, async (c) => {
      await c.query(`UPDATE "Event" SET title = 'changed' WHERE slug = 'one'`);
      await c.query(`DELETE FROM "Registration" WHERE name = 'Sam'`);
      await c.query(`DELETE FROM "EventCover"`);
      await c.query(`DELETE FROM "User" WHERE name = 'Owner'`);
      await c.query(
        `INSERT INTO "Event" (id, slug, title, "startsAt", "endsAt", "timeZone", "updatedAt") VALUES (gen_random_uuid(), 'new', 'New', now(), now(), 'UTC', now())`,
      );
    });
    expect(await everyTable(a.url)).not.toEqual(before);
    // An entry in the tenant's audit trail after the backup: history a restore must not rewrite.
    const trailBefore = await trail(a.url, { tenantId: a.tenantId, action: "agency.read" });
    expect(trailBefore.actions).toContain("agency.read");

    const result = await restoreInPlace(deps, a.slug, backup.id, { by: "test" });
    expect(result.crossTenant).toBe(false);
    expect(await everyTable(a.url)).toEqual(before);
    expect(await trail(a.url)).toEqual({ actions: trailBefore.actions, verified: true });

    // Back in service: no maintenance, the tenant's own role signs in again, and the rows that were
    // replaced are kept in the pre-restore backup.
    const after = await cp.deps.control.tenant.findUniqueOrThrow({ where: { id: a.tenantId } });
    expect(after.maintenance).toBeNull();
    const safety = await cp.deps.control.backup.findUniqueOrThrow({ where: { id: result.preRestoreBackupId } });
    expect(safety).toMatchObject({ kind: "pre-restore", status: "done" });
    expect((safety.tables as Array<{ name: string; rows: number }>).find((t) => t.name === "Event")?.rows).toBe(3);
  });
});

describe("a damaged backup (security case 120)", () => {
  it("is refused before anything changes; an intact one restores (positive control)", async () => {
    const a = await tenant("flip");
    const good = await createBackup(deps, a.slug, { kind: "manual", by: "test" });
    const bad = await createBackup(deps, a.slug, { kind: "manual", by: "test" });
    await withClient(a.url, (c) => c.query(`DELETE FROM "Registration"`));
    const changed = await everyTable(a.url);

    await flipByte(bad.id, "end");
    await expect(restoreInPlace(deps, a.slug, bad.id, { by: "test" })).rejects.toThrow(/checksum/);
    expect(await everyTable(a.url)).toEqual(changed);
    const backups = await cp.deps.control.backup.count({ where: { tenantId: a.tenantId } });
    expect(backups).toBe(2); // no pre-restore backup: nothing was started

    await restoreInPlace(deps, a.slug, good.id, { by: "test" });
    expect((await everyTable(a.url)).Registration).toHaveLength(4);
  });

  it("a file replaced with another that matches the recorded checksum still fails authentication", async () => {
    const a = await tenant("forge");
    const backup = await createBackup(deps, a.slug, { kind: "manual", by: "test" });
    await flipByte(backup.id, "end");
    // The attacker also updates the control plane's checksum and the header's: the GCM tag still fails.
    const { createHash } = await import("node:crypto");
    const { readFile, writeFile } = await import("node:fs/promises");
    const row = await cp.deps.control.backup.findUniqueOrThrow({ where: { id: backup.id } });
    const file = path.join(dir, row.key);
    const bytes = await readFile(file);
    const headerEnd = bytes.indexOf(0x0a, bytes.indexOf(0x0a) + 1);
    const header = JSON.parse(bytes.subarray(bytes.indexOf(0x0a) + 1, headerEnd).toString()) as Record<string, unknown>;
    header.cipherSha256 = createHash("sha256")
      .update(bytes.subarray(headerEnd + 1))
      .digest("hex");
    const forged = Buffer.concat([
      Buffer.from(`PORTICO-BACKUP 1\n${JSON.stringify(header)}\n`),
      bytes.subarray(headerEnd + 1),
    ]);
    await writeFile(file, forged);
    await cp.deps.control.backup.update({
      where: { id: backup.id },
      data: { sha256: createHash("sha256").update(forged).digest("hex") },
    });
    const before = await everyTable(a.url);
    await expect(restoreInPlace(deps, a.slug, backup.id, { by: "test" })).rejects.toThrow(/failed authentication/);
    expect(await everyTable(a.url)).toEqual(before);
  });
});

describe("another tenant's backup (security case 121)", () => {
  it("is refused into tenant B without confirmation and B is unchanged; with the source slug typed it is copied", async () => {
    const a = await tenant("srca");
    const b = await tenant("dstb");
    const fromA = await createBackup(deps, a.slug, { kind: "manual", by: "test" });
    const ownB = await createBackup(deps, b.slug, { kind: "manual", by: "test" });
    const bBefore = await everyTable(b.url);

    await expect(restoreInPlace(deps, b.slug, fromA.id, { by: "test" })).rejects.toThrow(
      new RegExp(`belongs to "${a.slug}"`),
    );
    await expect(
      restoreInPlace(deps, b.slug, fromA.id, { by: "test", confirmCrossTenant: b.slug }),
    ).rejects.toBeInstanceOf(InvalidInput);
    expect(await everyTable(b.url)).toEqual(bBefore);
    expect((await cp.deps.control.tenant.findUniqueOrThrow({ where: { id: b.tenantId } })).maintenance).toBeNull();

    // Positive controls: B's own backup restores into B; A's, confirmed by A's slug, copies A's rows.
    await restoreInPlace(deps, b.slug, ownB.id, { by: "test" });
    expect(await everyTable(b.url)).toEqual(bBefore);
    const copied = await restoreInPlace(deps, b.slug, fromA.id, { by: "test", confirmCrossTenant: a.slug });
    expect(copied.crossTenant).toBe(true);
    expect(await everyTable(b.url)).toEqual(await everyTable(a.url));
  });

  it("a stored file swapped for another tenant's backup is refused even with matching checksum", async () => {
    const a = await tenant("swapa");
    const b = await tenant("swapb");
    const fromA = await createBackup(deps, a.slug, { kind: "manual", by: "test" });
    const ownB = await createBackup(deps, b.slug, { kind: "manual", by: "test" });
    const rowA = await cp.deps.control.backup.findUniqueOrThrow({ where: { id: fromA.id } });
    const rowB = await cp.deps.control.backup.findUniqueOrThrow({ where: { id: ownB.id } });
    const { copyFile } = await import("node:fs/promises");
    await copyFile(path.join(dir, rowA.key), path.join(dir, rowB.key));
    await cp.deps.control.backup.update({ where: { id: ownB.id }, data: { sha256: rowA.sha256 } });
    const bBefore = await everyTable(b.url);
    await expect(restoreInPlace(deps, b.slug, ownB.id, { by: "test" })).rejects.toThrow(/another tenant's data/);
    expect(await everyTable(b.url)).toEqual(bBefore);
  });
});

describe("restoring into a new tenant", () => {
  it("creates a tenant holding the backup's rows; the source is untouched", async () => {
    const a = await tenant("newsrc");
    await trail(a.url, { tenantId: a.tenantId, action: "agency.read" });
    const backup = await createBackup(deps, a.slug, { kind: "manual", by: "test" });
    const source = await everyTable(a.url);
    const result = await restoreIntoNewTenant(deps, backup.id, cp.slug("newcopy"));
    expect(result.sourceSlug).toBe(a.slug);
    const url = await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, result.tenantId);
    expect(await everyTable(url)).toEqual(source);
    expect(await everyTable(a.url)).toEqual(source);
    // The new tenant's trail starts with the backup's, and its chain still verifies.
    expect(await trail(url)).toEqual(await trail(a.url));
  });
});

describe("an erasure carried out after a backup (decision 051)", () => {
  it("is carried out again when the backup is restored, in place and into a new tenant", async () => {
    const a = await tenant("erase");
    const sam = "sam@erase.example";
    const backup = await createBackup(deps, a.slug, { kind: "manual", by: "test" });
    await withOneTenantDb(a.url, "test-erasure", async (db) => {
      // Positive control: the scan finds the member wherever they are, as in the backup.
      expect(await columnsHolding(db, sam)).toEqual(expect.arrayContaining(["Registration.email", "User.email"]));
      const owner = await db.user.findFirstOrThrow({ where: { email: "owner@erase.example" } });
      const target = await db.user.findFirstOrThrow({ where: { email: sam } });
      const request = await db.dataSubjectRequest.create({ data: { kind: "erasure", userId: target.id } });
      await eraseMember(db, target.id, owner, { requestId: request.id });
      expect(await columnsHolding(db, sam)).toEqual([]);
    });

    const restored = await restoreInPlace(deps, a.slug, backup.id, { by: "test" });
    expect(restored.erasures).toEqual({ erased: 1, ownersLeft: [] });
    const copy = await restoreIntoNewTenant(deps, backup.id, cp.slug("erasecopy"));
    expect(copy.erasures).toEqual({ erased: 1, ownersLeft: [] });
    const copyUrl = await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, copy.tenantId);
    for (const url of [a.url, copyUrl]) {
      await withOneTenantDb(url, "test-erasure", async (db) => {
        expect(await columnsHolding(db, sam)).toEqual([]);
        // The rest is the backup's: the owner, and every registration (Sam's anonymised, still counted).
        expect(await db.user.count({ where: { email: "owner@erase.example" } })).toBe(1);
        expect(await db.registration.count()).toBe(4);
        // The request stays on record as carried out, so a later restore knows of it too.
        expect(await db.dataSubjectRequest.count({ where: { kind: "erasure", status: "completed" } })).toBe(1);
      });
      const { actions, verified } = await trail(url);
      expect(verified).toBe(true);
      expect(actions.filter((action) => action === "privacy.erasure").length).toBeGreaterThanOrEqual(1);
      expect(actions.at(-1)).toBe("privacy.erasure");
    }
  });
});

describe("the backup's snapshot", () => {
  it("is read through the tenant's own role, not the administrator", async () => {
    const a = await tenant("role");
    await withClient(withDatabase(adminUrl(), "postgres"), (c) => c.query(`ALTER ROLE "t_role_${cp.tag}_app" NOLOGIN`));
    await expect(createBackup(deps, a.slug, { kind: "manual", by: "test" })).rejects.toThrow();
    const failed = await cp.deps.control.backup.findFirstOrThrow({ where: { tenantId: a.tenantId } });
    expect(failed.status).toBe("failed");
    await withClient(withDatabase(adminUrl(), "postgres"), (c) => c.query(`ALTER ROLE "t_role_${cp.tag}_app" LOGIN`));
    await expect(createBackup(deps, a.slug, { kind: "manual", by: "test" })).resolves.toMatchObject({
      tenantId: a.tenantId,
    });
  });
});

describe("backup and restore as agency operations (security case 122)", () => {
  it("are audited; a cross-tenant restore is refused to an operator and done for an owner who typed the slug", async () => {
    const a = await tenant("opsa");
    const b = await tenant("opsb");
    const worker = { ...deps, exportsDir: dir };
    const operator = await cp.deps.control.agencyUser.create({
      data: { email: `op-${cp.tag}@agency.example`, name: "Op", role: "operator" },
    });
    const owner = await cp.deps.control.agencyUser.create({
      data: { email: `owner-${cp.tag}@agency.example`, name: "Owner", role: "owner" },
    });
    const as = (u: { id: string; email: string }) => ({ type: "agency-user" as const, id: u.id, label: u.email });

    const made = await runOperation(worker, "backup", {}, { actor: as(operator), slug: a.slug });
    if (!made.ok) throw new Error(made.message);
    const backupId = made.result.backupId;
    const bBefore = await everyTable(b.url);
    const input = { backupId, confirmCrossTenant: a.slug };

    const refused = await runOperation(worker, "restore", input, { actor: as(operator), slug: b.slug });
    expect(refused.ok).toBe(false);
    expect(refused.ok ? "" : refused.message).toMatch(/only an agency owner/);
    expect(await everyTable(b.url)).toEqual(bBefore);

    const done = await runOperation(worker, "restore", input, { actor: as(owner), slug: b.slug });
    expect(done.ok).toBe(true);
    expect(await everyTable(b.url)).toEqual(await everyTable(a.url));

    const audit = await cp.deps.control.auditEntry.findMany({
      where: { tenantId: { in: [a.tenantId, b.tenantId] }, action: { in: ["tenant.backup", "tenant.restore"] } },
      orderBy: { id: "asc" },
      select: { action: true, actorLabel: true, details: true },
    });
    expect(audit.map((e) => [e.action, e.actorLabel])).toEqual([
      ["tenant.backup", operator.email],
      ["tenant.restore", operator.email],
      ["tenant.restore", owner.email],
    ]);
    expect(JSON.stringify(audit[2]?.details)).toContain(a.slug);
    // Access transparency: each tenant's own trail shows what the agency did with its data; the
    // refused attempt changed nothing, so it wrote nothing there.
    expect(await trail(a.url)).toEqual({ actions: ["agency.backup", "agency.restore"], verified: true });
    expect(await trail(b.url)).toEqual({ actions: ["agency.restore"], verified: true });
  });
});

describe("backups per region (residency)", () => {
  it("stay in the tenant's region; another region only with an owner's confirmation, across regions alike", async () => {
    const eu = await mkdtemp(path.join(os.tmpdir(), "portico-backups-eu-"));
    const us = await mkdtemp(path.join(os.tmpdir(), "portico-backups-us-"));
    try {
      const regional: BackupDeps = {
        ...cp.deps,
        backups: regionalLocations([fileStore("eu", eu), fileStore("us", us)]),
      };
      const a = await tenant("rega");
      const b = await tenant("regb");
      const c = await tenant("regc");
      await cp.deps.control.tenant.update({ where: { id: a.tenantId }, data: { region: "eu" } });
      await cp.deps.control.tenant.update({ where: { id: b.tenantId }, data: { region: "us" } });
      await cp.deps.control.tenant.update({ where: { id: c.tenantId }, data: { region: "ap" } });

      const fromA = await createBackup(regional, a.slug, { kind: "manual", by: "test" });
      expect(await readdir(path.join(eu, a.tenantId))).toHaveLength(1);
      expect(await readdir(us)).toEqual([]);
      expect((await cp.deps.control.backup.findUniqueOrThrow({ where: { id: fromA.id } })).location).toBe("eu");

      // A region without a location: refused, then stored elsewhere once confirmed.
      await expect(createBackup(regional, c.slug, { kind: "manual", by: "test" })).rejects.toThrow(
        /region ap, which has no backup location/,
      );
      const confirmed = await createBackup(regional, c.slug, { kind: "manual", by: "test", confirmRegion: "us" });
      expect((await cp.deps.control.backup.findUniqueOrThrow({ where: { id: confirmed.id } })).location).toBe("us");

      // Across regions: the typed tenant slug is not enough; the region must be confirmed too.
      const bBefore = await everyTable(b.url);
      await expect(
        restoreInPlace(regional, b.slug, fromA.id, { by: "test", confirmCrossTenant: a.slug }),
      ).rejects.toThrow(/across regions/);
      expect(await everyTable(b.url)).toEqual(bBefore);
      const done = await restoreInPlace(regional, b.slug, fromA.id, {
        by: "test",
        confirmCrossTenant: a.slug,
        confirmRegion: "eu",
      });
      expect(done.crossTenant).toBe(true);
      expect(await everyTable(b.url)).toEqual(await everyTable(a.url));
      // In its own region a restore needs nothing more (positive control).
      await restoreInPlace(regional, a.slug, fromA.id, { by: "test" });
    } finally {
      await rm(eu, { recursive: true, force: true });
      await rm(us, { recursive: true, force: true });
    }
  });
});
