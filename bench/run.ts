/**
 * npm run bench — measured figures, each beside a baseline measured in the same run.
 *
 *   (a) host resolution + client lookup on a cache hit, µs per request   target ≤ 50 µs
 *   (b) tenant page req/s spread over 100 tenants ÷ the same page for 1  target ≥ 0.9
 *   (c) provisioning one tenant ÷ a bare CREATE DATABASE (median of 10)  target ≤ 3
 *
 * Runs on its own embedded PostgreSQL in a temporary directory (never a configured server),
 * against the production build (built first if missing), on loopback only; bounded in time;
 * removes everything it created. BENCH_SECONDS sets each load phase (default 8).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { TenantClientCache } from "../lib/db/client-cache.ts";
import { freePort } from "../lib/db/embedded.server.ts";
import { quoteIdent, withClient } from "../lib/db/postgres.ts";
import { createTenantDb, tenantConnectionUrl, type TenantDb } from "../lib/db/tenant-db.server.ts";
import { bootstrap } from "../lib/provisioning/bootstrap.server.ts";
import { provisionTenant } from "../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../lib/provisioning/spec.ts";
import { classifyHost, type HostConfig } from "../lib/tenancy/host.ts";
import { lookupTenant } from "../lib/tenancy/lookup.server.ts";
import { TenantResolver, resolverKey } from "../lib/tenancy/resolver.ts";
import { FALLBACK_THEME } from "../lib/tenancy/theme.ts";
import { load, type LoadResult } from "./load.ts";

const TENANTS = 100;
const PHASE_MS = Number(process.env.BENCH_SECONDS ?? 8) * 1000;
const CONCURRENCY = 16;
const say = (line: string) => console.log(`[bench] ${line}`);
const slugOf = (i: number) => `bench-${String(i).padStart(3, "0")}`;

async function main(): Promise<void> {
  if (!existsSync(".next/BUILD_ID")) {
    say("no production build found: running `next build` first (about a minute)");
    const built = spawnSync(process.execPath, [createRequire(import.meta.url).resolve("next/dist/bin/next"), "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
    if (built.status !== 0) throw new Error("`next build` failed; fix the build, then run `npm run bench` again");
  }

  const dir = await mkdtemp(path.join(os.tmpdir(), "portico-bench-"));
  await chmod(dir, 0o755);
  const { DATABASE_URL: _local, PORTICO_TENANT_SERVERS: _servers, ...env } = process.env; // benchmarks only ever use their own local server
  const platform = await bootstrap({ dataDir: dir, embeddedPort: await freePort(), source: env, log: say });
  let server: ReturnType<typeof spawn> | undefined;
  try {
    say(`provisioning ${TENANTS} tenants…`);
    const t0 = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < TENANTS; i++) {
      const spec = parseTenantSpec({
        slug: slugOf(i),
        name: `Bench Tenant ${i}`,
        theme: FALLBACK_THEME,
        demo: { events: Array.from({ length: 6 }, (_, e) => ({ slug: `event-${e}`, title: `Event ${e} of tenant ${i}`, summary: "A benchmark event.", startsInDays: 2 + e })) },
      });
      ids.push((await provisionTenant(platform.deps, spec, { mode: "create" })).tenantId);
    }
    say(`provisioned ${TENANTS} tenants in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // (c) provisioning one tenant (template clone, own role, every step recorded) ÷ a bare
    // CREATE DATABASE on the same server; median of 10 each, alternating.
    const adminUrl = platform.embedded!.url;
    const bare: number[] = [];
    const provisioning: number[] = [];
    const stepMs: Record<string, number[]> = {};
    await withClient(adminUrl, async (admin) => {
      for (let i = 0; i < 10; i++) {
        const b0 = performance.now();
        await admin.query(`CREATE DATABASE ${quoteIdent(`bench_bare_${i}`)}`);
        bare.push(performance.now() - b0);
        await admin.query(`DROP DATABASE ${quoteIdent(`bench_bare_${i}`)}`);
        const p0 = performance.now();
        await provisionTenant(platform.deps, parseTenantSpec({ slug: `bench-new-${i}`, name: `New ${i}`, theme: FALLBACK_THEME }), {
          mode: "create",
          onStep: (step, ms) => void (stepMs[step] ??= []).push(ms),
        });
        provisioning.push(performance.now() - p0);
      }
    });
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const provisionRatio = median(provisioning) / median(bare);

    // (a) in process: classify the Host, resolve (cache hit), lease the tenant's client (cache hit).
    const hosts: HostConfig = { rootDomain: "localhost", agencyHost: "admin.localhost", bareHost: "notFound" };
    const resolver = new TenantResolver((key) => lookupTenant(platform.deps.control, hosts, key), 60_000);
    const cache = new TenantClientCache<TenantDb>(
      async (id) => createTenantDb(await tenantConnectionUrl(platform.deps.control, platform.deps.keyring, id), id, { poolSize: 1, idleMs: 60_000, connectTimeoutMs: 5_000 }),
      { budget: TENANTS, poolSize: 1, idleMs: 0 },
    );
    const rawHosts = Array.from({ length: TENANTS }, (_, i) => `${slugOf(i)}.localhost:3000`);
    const lookupOnce = async (raw: string) => {
      const key = resolverKey(classifyHost(raw, hosts));
      const tenant = key && (await resolver.resolve(key));
      if (!tenant) throw new Error(`bench: ${raw} did not resolve`);
      return cache.use(tenant.id, async (db) => db);
    };
    for (const raw of rawHosts) await cache.use((await resolver.resolve(resolverKey(classifyHost(raw, hosts))!))!.id, (db) => db.event.count());
    const N = 200_000;
    for (let i = 0; i < 20_000; i++) await lookupOnce(rawHosts[i % TENANTS]!); // warm the JIT
    const l0 = performance.now();
    for (let i = 0; i < N; i++) await lookupOnce(rawHosts[i % TENANTS]!);
    const lookupUs = ((performance.now() - l0) * 1000) / N;
    const before = cache.stats();
    await cache.closeAll();

    // (b) over HTTP against `next start`, budget large enough that 100 tenants' pools fit.
    const port = await freePort();
    server = spawn(process.execPath, [createRequire(import.meta.url).resolve("next/dist/bin/next"), "start", "--port", String(port)], {
      env: { ...env, ...platform.childEnv, NEXT_TELEMETRY_DISABLED: "1", PORTICO_CONNECTION_BUDGET: String(TENANTS * 2), PORTICO_TENANT_POOL_SIZE: process.env.BENCH_POOL ?? "2" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    await waitForHealthy(port);
    const check = (host: string, _status: number, body: string) => body.includes(`Bench Tenant ${Number(host.slice(6, 9))}<`);
    const one = () => `${slugOf(0)}.localhost:${port}`;
    let next = 0;
    const spread = () => `${slugOf(next++ % TENANTS)}.localhost:${port}`;
    say("warming up every tenant once (connections, JIT)…");
    await load({ port, path: "/", concurrency: CONCURRENCY, durationMs: 3_000, pickHost: spread, check });

    const single: LoadResult[] = [];
    const many: LoadResult[] = [];
    for (let round = 0; round < 2; round++) {
      single.push(await load({ port, path: "/", concurrency: CONCURRENCY, durationMs: PHASE_MS / 2, pickHost: one, check }));
      many.push(await load({ port, path: "/", concurrency: CONCURRENCY, durationMs: PHASE_MS / 2, pickHost: spread, check }));
    }
    const sum = (rs: LoadResult[]) => ({
      requests: rs.reduce((n, r) => n + r.requests, 0),
      errors: rs.reduce((n, r) => n + r.errors, 0),
      rps: rs.reduce((n, r) => n + r.rps, 0) / rs.length,
      p50Ms: Math.max(...rs.map((r) => r.p50Ms)),
      p99Ms: Math.max(...rs.map((r) => r.p99Ms)),
    });
    const s = sum(single);
    const m = sum(many);
    const ratio = m.rps / s.rps;

    const rows = [
      ["figure", "measured", "baseline", "ratio", "target", ""],
      ["host resolution + client lookup (cache hit)", `${lookupUs.toFixed(2)} µs/req`, "—", "—", "≤ 50 µs", lookupUs <= 50 ? "PASS" : "FAIL"],
      [`tenant page, ${TENANTS} tenants ÷ 1 tenant`, `${m.rps.toFixed(0)} req/s`, `${s.rps.toFixed(0)} req/s`, ratio.toFixed(3), "≥ 0.9", ratio >= 0.9 ? "PASS" : "FAIL"],
      [`  latency p50 / p99, ${TENANTS} tenants`, `${m.p50Ms.toFixed(1)} / ${m.p99Ms.toFixed(1)} ms`, `${s.p50Ms.toFixed(1)} / ${s.p99Ms.toFixed(1)} ms`, "", "", ""],
      ["provisioning one tenant ÷ bare CREATE DATABASE (median of 10)", `${median(provisioning).toFixed(0)} ms`, `${median(bare).toFixed(0)} ms`, provisionRatio.toFixed(2), "≤ 3", provisionRatio <= 3 ? "PASS" : "FAIL"],
      ["  requests / wrong-tenant or failed responses", `${m.requests} / ${m.errors}`, `${s.requests} / ${s.errors}`, "", "0 errors", m.errors + s.errors === 0 ? "PASS" : "FAIL"],
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    console.log(`\n${rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n")}\n`);
    say(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; ${CONCURRENCY} concurrent keep-alive clients, ${PHASE_MS / 1000} s per scenario`);
    say(`in-process cache during (a): ${JSON.stringify(before)}`);
    say(`provisioning steps, median ms: ${Object.entries(stepMs).map(([step, ms]) => `${step} ${median(ms).toFixed(1)}`).join(", ")}`);
    await mkdir("bench/results", { recursive: true });
    await writeFile(
      "bench/results/latest.json",
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, lookupUs, single: s, spread: m, ratio, provisioningMs: provisioning, bareCreateMs: bare, provisionRatio }, null, 2)}\n`,
    );
    if (m.errors + s.errors > 0) process.exitCode = 1;
  } finally {
    server?.kill("SIGTERM");
    await platform.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

async function waitForHealthy(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the Next.js server did not become healthy within 60 s");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
