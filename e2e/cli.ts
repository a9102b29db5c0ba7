import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { port } from "./port.ts";

/** What scripts/e2e-server.ts wrote for the tests: its control plane and database server. */
function e2eState(): Record<string, string> {
  return JSON.parse(readFileSync(path.join(os.tmpdir(), `portico-e2e-${port}.json`), "utf8")) as Record<string, string>;
}

/** Runs one of scripts/*.ts against the e2e server's own control plane. */
export function runScript(script: string, ...args: string[]): { code: number | null; out: string; stdout: string } {
  const result = spawnSync(
    process.execPath,
    ["--conditions=react-server", "--import", "tsx", `scripts/${script}`, ...args],
    {
      env: { ...process.env, ...e2eState() },
      encoding: "utf8",
    },
  );
  return { code: result.status, out: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

/** `npm run tenants -- …` against the e2e server. */
export const tenantsCli = (...args: string[]) => runScript("tenants.ts", ...args);

/** A connected superuser client in `database` (the caller ends it), e.g. to hold a lock. */
export async function adminClient(database: string): Promise<pg.Client> {
  const adminUrl = new URL(e2eState().PORTICO_TENANT_SERVERS!.slice("embedded=".length));
  adminUrl.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: adminUrl.toString() });
  await client.connect();
  return client;
}

/** SQL as the superuser of the e2e server's database server, in `database`. */
export async function adminQuery<R extends pg.QueryResultRow>(
  database: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = await adminClient(database);
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * A change in SQL as the superuser, standing in for one made in the product: in a tenant's
 * database it then tells the web servers' page caches, as every change made through Portico does
 * (decision 054), so the portal shows it at once.
 */
export async function adminSql(database: string, sql: string, params: unknown[] = []): Promise<void> {
  await adminQuery(database, sql, params);
  if (database.startsWith("t_"))
    await controlQuery(
      `SELECT pg_notify('portico_tenant_content_changed', "tenantId"::text) FROM "TenantDatabase" WHERE "databaseName" = $1`,
      [database],
    );
}

/** SQL in the e2e server's control plane, as its owner. */
export async function controlQuery<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: e2eState().DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
