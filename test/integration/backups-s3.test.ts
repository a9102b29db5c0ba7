import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withClient } from "../../lib/db/postgres.ts";
import { tenantConnectionUrl } from "../../lib/db/tenant-db.server.ts";
import { createBackup, restoreInPlace, type BackupDeps } from "../../lib/backups/backups.server.ts";
import { singleLocation } from "../../lib/backups/locations.server.ts";
import { expireBackups } from "../../lib/backups/schedule.server.ts";
import { s3Store } from "../../lib/backups/storage-s3.server.ts";
import { provisionTestTenant, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { startS3Server } from "../support/s3-server.ts";

/**
 * Backups in an S3-compatible bucket, against a real local S3 server (s3rver): a backup is
 * written there, restored from there, and expired from there (security case 123: the bucket
 * holds only ciphertext).
 */
let cp: TestControlPlane;
let s3: Awaited<ReturnType<typeof startS3Server>>;
let deps: BackupDeps;
const bucket = "portico-test-backups";

beforeAll(async () => {
  cp = await testControlPlane();
  s3 = await startS3Server(bucket);
  const store = s3Store("default", {
    bucket,
    endpoint: s3.endpoint,
    region: "us-east-1",
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    prefix: "portico/",
  });
  deps = { ...cp.deps, backups: singleLocation(store) };
});
afterAll(async () => {
  await s3?.close();
  await cp?.cleanup();
});

describe("backups in S3-compatible storage", () => {
  it("are written to the bucket, restored from it, and expired from it", async () => {
    const { slug, tenantId } = await provisionTestTenant(cp, "s3", "S3 Tenant");
    const url = await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenantId);
    await withClient(url, (c) =>
      c.query(
        `INSERT INTO "Event" (id, slug, title, "startsAt", "endsAt", "timeZone", "updatedAt") VALUES (gen_random_uuid(), 'kept', 'Kept in S3', now(), now(), 'UTC', now())`,
      ),
    );
    const backup = await createBackup(deps, slug, { kind: "manual", by: "test" });

    const row = await cp.deps.control.backup.findUniqueOrThrow({ where: { id: backup.id } });
    const res = await fetch(`${s3.endpoint}/${bucket}/portico/${row.key}`);
    expect(res.status).toBe(200);
    const stored = Buffer.from(await res.arrayBuffer());
    expect(stored.subarray(0, 17).toString()).toBe("PORTICO-BACKUP 1\n");
    expect(stored.includes(Buffer.from("Kept in S3"))).toBe(false); // ciphertext only

    await withClient(url, (c) => c.query(`DELETE FROM "Event"`));
    await restoreInPlace(deps, slug, backup.id, { by: "test" });
    const titles = await withClient(url, (c) => c.query<{ title: string }>(`SELECT title FROM "Event"`));
    expect(titles.rows.map((r) => r.title)).toEqual(["Kept in S3"]);

    // Expiry removes the object: a backup not yet due stays (control), one past its expiry goes.
    await cp.deps.control.backup.update({
      where: { id: backup.id },
      data: { expiresAt: new Date(Date.now() + 60_000) },
    });
    expect(await expireBackups(deps)).toBe(0);
    expect((await fetch(`${s3.endpoint}/${bucket}/portico/${row.key}`)).status).toBe(200);
    await cp.deps.control.backup.update({ where: { id: backup.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect(await expireBackups(deps)).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${s3.endpoint}/${bucket}/portico/${row.key}`)).status).toBe(404);
    expect((await cp.deps.control.backup.findUniqueOrThrow({ where: { id: backup.id } })).status).toBe("expired");
    await expect(restoreInPlace(deps, slug, backup.id, { by: "test" })).rejects.toThrow(/expired/);
  });
});
