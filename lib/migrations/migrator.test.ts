import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scratchDatabase } from "../../test/support/databases.ts";
import { MigrationError } from "../util/errors.ts";
import {
  appliedDigest,
  checksum,
  loadMigrations,
  migrationsDigest,
  migrate,
  migrationStatus,
  readMigrations,
  statusFrom,
  type AppliedRow,
} from "./migrator.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let client: pg.Client;
let dir: string;

async function writeMigration(name: string, sql: string): Promise<void> {
  await mkdir(path.join(dir, name), { recursive: true });
  await writeFile(path.join(dir, name, "migration.sql"), sql);
}

beforeEach(async () => {
  db = await scratchDatabase("migrator");
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  dir = await mkdtemp(path.join(os.tmpdir(), "portico-migrations-"));
  await writeMigration("20260101000000_first", 'CREATE TABLE "A" ("id" INTEGER PRIMARY KEY);');
  await writeMigration("20260102000000_second", 'ALTER TABLE "A" ADD COLUMN "name" TEXT;');
});

afterEach(async () => {
  await client.end();
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

const read = () => readMigrations(dir);

describe("migrate", () => {
  it("applies pending migrations in order and records them as Prisma does", async () => {
    const result = await migrate(client, await read());
    expect(result).toEqual({
      applied: ["20260101000000_first", "20260102000000_second"],
      version: "20260102000000_second",
    });
    const rows = await client.query(
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at, applied_steps_count, length(id) AS id_length
       FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.rows).toEqual([
      {
        migration_name: "20260101000000_first",
        checksum: checksum('CREATE TABLE "A" ("id" INTEGER PRIMARY KEY);'),
        finished: true,
        rolled_back_at: null,
        applied_steps_count: 1,
        id_length: 36,
      },
      {
        migration_name: "20260102000000_second",
        checksum: checksum('ALTER TABLE "A" ADD COLUMN "name" TEXT;'),
        finished: true,
        rolled_back_at: null,
        applied_steps_count: 1,
        id_length: 36,
      },
    ]);
    await client.query(`INSERT INTO "A" (id, name) VALUES (1, 'works')`);
  });

  it("is a no-op the second time", async () => {
    await migrate(client, await read());
    expect(await migrate(client, await read())).toEqual({ applied: [], version: "20260102000000_second" });
    expect((await client.query(`SELECT count(*)::int AS n FROM "_prisma_migrations"`)).rows[0].n).toBe(2);
  });

  it("applies only what is new", async () => {
    await migrate(client, await read());
    await writeMigration("20260103000000_third", 'CREATE INDEX "A_name_idx" ON "A"("name");');
    expect((await migrate(client, await read())).applied).toEqual(["20260103000000_third"]);
  });

  it("refuses an applied migration that was edited, naming it", async () => {
    await migrate(client, await read());
    await writeMigration("20260101000000_first", 'CREATE TABLE "A" ("id" BIGINT PRIMARY KEY);');
    const error = await migrate(client, await read()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).migration).toBe("20260101000000_first");
    expect((error as Error).message).toMatch(/20260101000000_first was edited after it was applied/);
  });

  it("rolls a failing migration back entirely and records nothing for it", async () => {
    await writeMigration("20260103000000_broken", 'CREATE TABLE "B" ("id" INTEGER); SELECT * FROM "does_not_exist";');
    const error = await migrate(client, await read()).catch((e: unknown) => e);
    expect((error as MigrationError).migration).toBe("20260103000000_broken");
    expect((await client.query(`SELECT to_regclass('"B"') AS t`)).rows[0].t).toBeNull();
    const status = await migrationStatus(client, await read());
    expect(status.applied).toEqual(["20260101000000_first", "20260102000000_second"]);
    expect(status.pending).toEqual(["20260103000000_broken"]);
  });

  it("serialises concurrent migrators on one database", async () => {
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      const [a, b] = await Promise.all([migrate(client, await read()), migrate(other, await read())]);
      expect([...a.applied, ...b.applied].sort()).toEqual(["20260101000000_first", "20260102000000_second"]);
    } finally {
      await other.end();
    }
  });

  it("releases its lock after applying, after finding nothing to apply, and after a failure", async () => {
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    // The migrator's session lock, as another migrator would try it (and give it back).
    const free = async () => {
      const { rows } = await other.query(`SELECT pg_try_advisory_lock(72707369) AS got`);
      if (rows[0].got) await other.query(`SELECT pg_advisory_unlock(72707369)`);
      return rows[0].got as boolean;
    };
    try {
      expect((await migrate(client, await read())).applied).toHaveLength(2);
      expect(await free()).toBe(true);
      expect((await migrate(client, await read())).applied).toEqual([]);
      expect(await free()).toBe(true);
      await writeMigration("20260103000000_broken", 'SELECT * FROM "does_not_exist";');
      await expect(migrate(client, await read())).rejects.toBeInstanceOf(MigrationError);
      expect(await free()).toBe(true);
      // Released, not merely shared: the migrator's own session holds no advisory lock either.
      expect(
        (
          await client.query(
            `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`,
          )
        ).rows[0].n,
      ).toBe(0);
    } finally {
      await other.end();
    }
  });

  it("reports migrations applied by newer code as unknown without failing", async () => {
    await migrate(client, await read());
    const older = (await read()).slice(0, 1);
    const status = await migrationStatus(client, older);
    expect(status.unknown).toEqual(["20260102000000_second"]);
    expect(status.pending).toEqual([]);
  });
});

describe("statusFrom", () => {
  const row = (name: string): AppliedRow => ({
    migration_name: name,
    checksum: "c",
    finished_at: new Date(),
    rolled_back_at: null,
  });
  it("orders what it read by name, in whatever order the table returned it", () => {
    const migrations = ["20260101000000_a", "20260102000000_b", "20260103000000_c"].map((name) => ({
      name,
      sql: "",
      checksum: "c",
    }));
    const status = statusFrom([row("20260102000000_b"), row("20260103000000_c"), row("20260101000000_a")], migrations);
    expect(status.applied).toEqual(["20260101000000_a", "20260102000000_b", "20260103000000_c"]);
    expect(status.version).toBe("20260103000000_c");
  });
});

describe("migrationsDigest and appliedDigest", () => {
  const files = [
    { name: "20260101000000_a", sql: "", checksum: "ca" },
    { name: "20260102000000_b", sql: "", checksum: "cb" },
  ];
  const row = (name: string, sum: string, over: Partial<AppliedRow> = {}): AppliedRow => ({
    migration_name: name,
    checksum: sum,
    finished_at: new Date(),
    rolled_back_at: null,
    ...over,
  });
  const rows = [row("20260102000000_b", "cb"), row("20260101000000_a", "ca")];

  it("agree for a database that holds exactly the directory's migrations, in any order", () => {
    expect(appliedDigest(rows)).toBe(migrationsDigest(files));
    // A rolled-back attempt next to the applied one changes nothing.
    const retried = [...rows, row("20260102000000_b", "cb", { rolled_back_at: new Date() })];
    expect(appliedDigest(retried)).toBe(migrationsDigest(files));
  });

  it("differ when a migration is missing, extra or edited, and say nothing while one is unfinished", () => {
    expect(appliedDigest(rows.slice(1))).not.toBe(migrationsDigest(files));
    expect(appliedDigest([...rows, row("20260103000000_c", "cc")])).not.toBe(migrationsDigest(files));
    expect(appliedDigest([rows[0]!, row("20260101000000_a", "edited")])).not.toBe(migrationsDigest(files));
    expect(appliedDigest([...rows, row("20260103000000_c", "cc", { finished_at: null })])).toBeNull();
  });
});

describe("loadMigrations", () => {
  it("reads the real schemas' migrations in Prisma's layout", async () => {
    for (const schema of ["control", "tenant"]) {
      const migrations = await loadMigrations(path.join(process.cwd(), "prisma", schema, "migrations"));
      expect(migrations.length).toBeGreaterThan(0);
      for (const m of migrations) expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});
