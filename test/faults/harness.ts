import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from "../../lib/db/embedded.server.ts";
import { bootstrap, type Bootstrapped } from "../../lib/bootstrap/bootstrap.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { addServer } from "../../lib/provisioning/servers.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { startNextServer } from "../../bench/next-process.ts";
import { mapSettledBounded } from "../../lib/util/concurrency.ts";

/**
 * A whole Portico on its own embedded PostgreSQL (and optionally a second server), with
 * `next start` serving the production build: what the fault tests break on purpose.
 */
export interface Fleet {
  platform: Bootstrapped;
  port: number;
  slugs: string[];
  /** A second database server holding the tenant `far`, when asked for. */
  second: EmbeddedServer | null;
  server: ChildProcess;
  /** Resident memory of the Next.js server process, MB. */
  serverRssMb(): Promise<number>;
  stop(): Promise<void>;
}

export const slugOf = (i: number) => `f-${String(i).padStart(4, "0")}`;

export async function startFleet(options: {
  tenants: number;
  second?: boolean;
  env?: Record<string, string>;
  log?: (line: string) => void;
}): Promise<Fleet> {
  if (!existsSync(".next/BUILD_ID"))
    throw new Error("the fault tests run against the production build: run `npm run build` first");
  const log = options.log ?? (() => {});
  const dir = await mkdtemp(path.join(os.tmpdir(), "portico-faults-"));
  await chmod(dir, 0o755);
  const { DATABASE_URL: _a, PORTICO_TENANT_SERVERS: _b, ...env } = process.env;
  const platform = await bootstrap({
    dataDir: dir,
    embeddedPort: await freePort(),
    source: { ...env, PORTICO_EMBEDDED: "true" },
    embeddedSettings: { max_connections: Math.max(300, options.tenants + 200) },
  });
  let second: EmbeddedServer | null = null;
  let server: ChildProcess | undefined;
  try {
    const t0 = performance.now();
    const settled = await mapSettledBounded(
      Array.from({ length: options.tenants }, (_, i) => i),
      4,
      (i) =>
        provisionTenant(
          platform.deps,
          parseTenantSpec({
            slug: slugOf(i),
            name: `Fault Tenant ${i}`,
            theme: FALLBACK_THEME,
            demo: { events: [{ slug: "one", title: `Event of ${i}`, startsInDays: 3 }] },
          }),
          { mode: "create" },
        ),
    );
    const failed = settled.find((s) => s.status === "rejected") as PromiseRejectedResult | undefined;
    if (failed) throw new Error(`provisioning the fleet failed: ${String(failed.reason)}`);
    log(`provisioned ${options.tenants} tenants in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (options.second) {
      second = await startEmbeddedPostgres({ dir: path.join(dir, "second"), port: await freePort() });
      await addServer(platform.deps, "second", second.url);
      await provisionTenant(
        platform.deps,
        parseTenantSpec({
          slug: "far",
          name: "Far Tenant",
          theme: FALLBACK_THEME,
          demo: { events: [{ slug: "one", title: "Far event", startsInDays: 3 }] },
        }),
        { mode: "create", server: "second" },
      );
    }
    const port = await freePort();
    server = await startNextServer(port, {
      ...env,
      ...platform.childEnv,
      PORTICO_TENANT_TIMEOUT_MS: "1000",
      // No scheduled backups during fault runs (README → Backups).
      PORTICO_BACKUPS: "false",
      // The fault tests measure how rendered pages meet an outage; a cached public page is served
      // until a render meets it (decision 054), which these tests do not assert.
      PORTICO_PAGE_CACHE_MB: "0",
      ...options.env,
    });
    const child = server;
    return {
      platform,
      port,
      slugs: Array.from({ length: options.tenants }, (_, i) => slugOf(i)),
      second,
      server: child,
      serverRssMb: async () => {
        const status = await readFile(`/proc/${child.pid}/status`, "utf8");
        return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      },
      stop: async () => {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r)).catch(() => {});
        await second?.stop().catch(() => {});
        await platform.close().catch(() => {});
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    server?.kill("SIGTERM");
    await second?.stop().catch(() => {});
    await platform.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

export interface Sample {
  host: string;
  status: number;
  ms: number;
  body: string;
}

/** One GET with the given Host, over a shared keep-alive agent. */
export function get(port: number, host: string, agent: http.Agent, pathName = "/"): Promise<Sample> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.request(
      { host: "127.0.0.1", port, path: pathName, agent, headers: { host: `${host}:${port}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            host,
            status: res.statusCode ?? 0,
            ms: performance.now() - t0,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", () => resolve({ host, status: 0, ms: performance.now() - t0, body: "" }));
    req.end();
  });
}

/** `concurrency` closed-loop clients for `durationMs`, each request to `pick()`; every sample kept. */
export async function drive(
  port: number,
  options: { concurrency: number; durationMs: number; pick: () => string },
): Promise<Sample[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const samples: Sample[] = [];
  const deadline = performance.now() + options.durationMs;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) samples.push(await get(port, options.pick(), agent));
    }),
  );
  agent.destroy();
  return samples;
}

export function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** A tenant's own page: status 200 and its own name (never another tenant's). */
export function servedOwnPage(sample: Sample, name: string): boolean {
  return sample.status === 200 && sample.body.includes(`${name}<`);
}
