import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { port } from "./hosts.ts";

/** Runs `npm run tenants -- …` against the e2e server's own control plane. */
export function tenantsCli(...args: string[]): { code: number | null; out: string } {
  const state = JSON.parse(readFileSync(path.join(os.tmpdir(), `portico-e2e-${port}.json`), "utf8")) as Record<string, string>;
  const result = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/tenants.ts", ...args], {
    env: { ...process.env, ...state },
    encoding: "utf8",
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

/** SQL as the superuser of the e2e server's database server, in `database`. */
export async function adminSql(database: string, sql: string, params: unknown[] = []): Promise<void> {
  const state = JSON.parse(readFileSync(path.join(os.tmpdir(), `portico-e2e-${port}.json`), "utf8")) as Record<string, string>;
  const adminUrl = new URL(state.PORTICO_TENANT_SERVERS!.slice("embedded=".length));
  adminUrl.pathname = `/${database}`;
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}
