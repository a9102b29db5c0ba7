import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { loadMigrations, migrate, migrationsDir } from "../../lib/migrations/migrator.ts";
import { scratchDatabase } from "../support/databases.ts";
import { actualShape, declaredShape } from "../support/schema-shape.ts";

/**
 * The SQL migrations and schema.prisma must describe the same database: every model, column,
 * type, nullability, default, primary key, unique, index and foreign key. Prisma's own
 * `migrate diff` needs a native engine this environment cannot download (docs/decisions/002).
 */
const dropAfter: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const drop of dropAfter.splice(0)) await drop();
});

async function migratedShape(schema: "control" | "tenant") {
  const db = await scratchDatabase(`drift_${schema}`);
  dropAfter.push(db.drop);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await migrate(client, await loadMigrations(migrationsDir(schema)));
    return await actualShape(client);
  } finally {
    await client.end();
  }
}

describe.each(["control", "tenant"] as const)("the %s schema", (schema) => {
  it("is exactly what its migrations create", async () => {
    const declared = await declaredShape(path.join("prisma", schema, "schema.prisma"));
    const actual = await migratedShape(schema);
    expect(Object.keys(declared.tables).length).toBeGreaterThan(0);
    expect(actual).toEqual(declared);
  });
});

describe("the drift check itself", () => {
  it("notices a column the SQL lacks, a wrong type, a missing index and a changed default", async () => {
    const declared = await declaredShape(path.join("prisma", "tenant", "schema.prisma"));
    const db = await scratchDatabase("drift_negative");
    dropAfter.push(db.drop);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await migrate(client, await loadMigrations(migrationsDir("tenant")));
      const drifts = [
        `ALTER TABLE "Event" DROP COLUMN "venue"`,
        `ALTER TABLE "Event" ALTER COLUMN "capacity" TYPE BIGINT`,
        `DROP INDEX "Event_status_startsAt_idx"`,
        `ALTER TABLE "User" ALTER COLUMN "role" SET DEFAULT 'admin'`,
        `ALTER TABLE "User" ALTER COLUMN "passwordHash" SET NOT NULL`,
      ];
      for (const sql of drifts) {
        await client.query("BEGIN");
        await client.query(sql);
        const actual = await actualShape(client);
        await client.query("ROLLBACK");
        expect(actual, sql).not.toEqual(declared);
      }
    } finally {
      await client.end();
    }
  });
});
