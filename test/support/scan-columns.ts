import { expect } from "vitest";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";

/** Every text, varchar, char and json column of every table of the tenant's database that holds `needle`. */
export async function columnsHolding(db: TenantDb, needle: string): Promise<string[]> {
  const columns = await db.$queryRaw<Array<{ table: string; column: string }>>`
    SELECT c.table_name AS "table", c.column_name AS "column" FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
      AND c.data_type IN ('text', 'character varying', 'character', 'jsonb', 'json')`;
  expect(columns.length).toBeGreaterThan(40);
  const found: string[] = [];
  for (const { table, column } of columns) {
    // Test code: the identifiers come from information_schema, quoted; the needle is bound ($1).
    const [row] = await db.$queryRawUnsafe<Array<{ n: bigint }>>(
      `SELECT count(*) AS n FROM "${table.replace(/"/g, '""')}" WHERE "${column.replace(/"/g, '""')}"::text ILIKE $1`,
      `%${needle}%`,
    );
    if (Number(row?.n ?? 0) > 0) found.push(`${table}.${column}`);
  }
  return found.sort();
}
