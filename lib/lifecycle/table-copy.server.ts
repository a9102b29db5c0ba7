import "server-only";
import type pg from "pg";
import { InvalidInput } from "../util/errors.ts";

/**
 * Quotes a table or column name read from the catalogs (Prisma names are mixed case, so
 * lib/db/postgres.ts's lower-case quoteIdent does not fit). Anything but a plain identifier is
 * refused rather than escaped.
 */
export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name))
    throw new InvalidInput(`refusing the unexpected identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/**
 * Moving a tenant's rows between databases (export, import, move) without knowing its tables in
 * advance: rows travel as JSON produced by `row_to_json` and are read back by
 * `json_populate_recordset`, so PostgreSQL itself converts every type both ways.
 */

/** The tenant's tables (not the migration log), parents before children. */
export async function listTables(client: pg.Client): Promise<string[]> {
  const tables = (
    await client.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY tablename`,
    )
  ).rows.map((r) => r.name);
  const edges = (
    await client.query<{ child: string; parent: string }>(
      `SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE c.contype = 'f' AND n.nspname = 'public' AND c.conrelid <> c.confrelid`,
    )
  ).rows.map((e) => ({ child: e.child.replaceAll('"', ""), parent: e.parent.replaceAll('"', "") }));
  const ordered: string[] = [];
  const visit = (table: string, path: Set<string>) => {
    if (ordered.includes(table) || path.has(table)) return;
    path.add(table);
    for (const e of edges) if (e.child === table) visit(e.parent, path);
    ordered.push(table);
  };
  for (const t of tables) visit(t, new Set());
  return ordered.filter((t) => tables.includes(t));
}

export async function tableColumns(client: pg.Client, table: string): Promise<string[]> {
  const rows = await client.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [quoteIdent(table)],
  );
  return rows.rows.map((r) => r.name);
}

/**
 * Reads a table as JSON lines, in batches through a cursor, in a stable order. Call inside a
 * transaction (a cursor needs one; REPEATABLE READ gives every table the same snapshot).
 */
export async function readTable(
  client: pg.Client,
  table: string,
  onBatch: (lines: string[]) => Promise<void>,
  batchSize = 1_000,
): Promise<number> {
  const cursor = quoteIdent(`portico_read_${table.toLowerCase()}`.slice(0, 63));
  await client.query(
    `DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS j FROM ${quoteIdent(table)} t ORDER BY 1`,
  );
  let count = 0;
  for (;;) {
    const { rows } = await client.query<{ j: string }>(`FETCH ${batchSize} FROM ${cursor}`);
    if (rows.length === 0) break;
    count += rows.length;
    await onBatch(rows.map((r) => r.j));
  }
  await client.query(`CLOSE ${cursor}`);
  return count;
}

/** Inserts JSON-line rows into a table with the same or a newer (additive) schema. */
export async function insertRows(client: pg.Client, table: string, lines: string[], known?: string[]): Promise<void> {
  if (lines.length === 0) return;
  const first = JSON.parse(lines[0] as string) as Record<string, unknown>;
  const columns = Object.keys(first);
  const existing = known ?? (await tableColumns(client, table));
  const unknown = columns.filter((c) => !existing.includes(c));
  if (unknown.length > 0)
    throw new InvalidInput(`table ${table} has no column ${unknown.join(", ")}: the data comes from a newer schema`);
  const list = columns.map(quoteIdent).join(", ");
  await client.query(
    `INSERT INTO ${quoteIdent(table)} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${quoteIdent(table)}, $1::json)`,
    [`[${lines.join(",")}]`],
  );
}

export async function countRows(client: pg.Client, table: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoteIdent(table)}`);
  return Number(rows[0]?.n ?? 0);
}

/** After rows were inserted with their ids, every serial sequence continues past them. */
export async function resetSequences(client: pg.Client, tables: string[]): Promise<void> {
  for (const table of tables) {
    const serials = await client.query<{ column: string; seq: string }>(
      `SELECT a.attname AS column, pg_get_serial_sequence($1, a.attname) AS seq FROM pg_attribute a
        WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND pg_get_serial_sequence($1, a.attname) IS NOT NULL`,
      [quoteIdent(table)],
    );
    for (const { column, seq } of serials.rows) {
      await client.query(
        `SELECT setval($1::regclass, COALESCE((SELECT max(${quoteIdent(column)}) FROM ${quoteIdent(table)}), 0) + 1, false)`,
        [seq],
      );
    }
  }
}

/** Copies every table from one tenant database to an empty one; returns the rows per table. */
export async function copyTables(source: pg.Client, target: pg.Client): Promise<Record<string, number>> {
  const tables = await listTables(source);
  const counts: Record<string, number> = {};
  await source.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  await target.query("BEGIN");
  try {
    await allowTrailAnchor(target);
    for (const table of tables) {
      if ((await countRows(target, table)) > 0)
        throw new InvalidInput(
          `the target database already has rows in ${table}; copy only into an empty tenant database`,
        );
      const columns = await tableColumns(target, table);
      counts[table] = await readTable(source, table, (lines) => insertRows(target, table, lines, columns));
    }
    await resetSequences(target, tables);
    await target.query("COMMIT");
    await source.query("COMMIT");
  } catch (error) {
    await target.query("ROLLBACK").catch(() => {});
    await source.query("ROLLBACK").catch(() => {});
    throw error;
  }
  return counts;
}

/**
 * The audit trail's anchor (decision 048) may be written only in a pruning transaction; a copy
 * into an empty database carries it over, so the copy's transaction says so too (SET LOCAL).
 */
export async function allowTrailAnchor(client: pg.Client): Promise<void> {
  await client.query(`SELECT set_config('portico.audit_prune', 'on', true)`);
}
